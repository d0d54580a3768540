"""python -m course_utils bench-speakers: who spoke, measured on the constructed conversations of data/voices.csv.

    python -m course_utils bench-speakers > results/speakers/bench.txt

For each conversation of speakers.CONVERSATIONS, dev then heldout: the diarization error rate (pyannote.metrics,
COLLAR_S seconds on each side of a reference boundary not scored) of :func:`course_utils.speakers.who_spoke` with
the number of speakers given and found (DISTANCE_THRESHOLD), and the share of Whisper's words (MODEL, word
timestamps) given the right speaker by :func:`course_utils.speakers.label_words`; totals per split weigh each
conversation by its speech. Then the threshold sweep on dev alone (the threshold is chosen there and frozen; the
held-out conversations never choose anything), and the time who_spoke takes on TIMED_S seconds of audio.
Taught in notebooks/12_who_spoke.ipynb; figures in results/speakers/README.md.
"""

from __future__ import annotations

import time

import numpy as np

from .. import speakers as sp
from ..models import load_model
from ..speech import find_speech
from ..transcribe import transcribe
from .common import command_parser

MODEL = "base"  # multilingual: the conversations are in English, French, Italian, Spanish and Russian
THRESHOLDS = np.round(np.arange(0.50, 1.31, 0.05), 2)  # cosine distances tried on dev
TIMED_S = 600  # seconds of audio who_spoke is timed on: the dev conversations, repeated


def conversation_figures(model, split: str, seed: int, recordings: tuple[str, ...]) -> dict:
    """DER parts and words right for one conversation, speakers given and found."""
    audio, reference = sp.conversation(list(recordings), split, seed)
    count = len({t.speaker for t in reference})
    result = transcribe(model, audio, word_timestamps=True, temperature=0)
    figures = {"seconds": len(audio) / sp.SAMPLE_RATE, "speakers": count}
    for key, given in (("given", count), ("found", None)):
        hypothesis = sp.who_spoke(audio, num_speakers=given)
        figures[key] = sp.scored_error(reference, hypothesis)
        figures[f"{key}_words"] = sp.words_right(sp.label_words(result, hypothesis), reference, hypothesis)
        figures[f"{key}_count"] = len({t.speaker for t in hypothesis})
    return figures


def threshold_sweep() -> list[tuple[float, float]]:
    """(threshold, total DER on dev) for each of THRESHOLDS."""
    prepared = []
    for seed, recordings in sp.CONVERSATIONS["dev"]:
        audio, reference = sp.conversation(list(recordings), "dev", seed)
        regions = find_speech(audio, pad_s=sp.VAD_PAD_S, join_s=sp.VAD_JOIN_S)
        windows = sp.sliding_windows(regions)
        prepared.append((reference, regions, windows, sp.voice_prints(audio, windows)))
    sweep = []
    for threshold in THRESHOLDS:
        parts = [
            sp.scored_error(ref, sp.smooth(sp.turns_of(windows, sp.cluster(prints, None, threshold), regions)))
            for ref, regions, windows, prints in prepared
        ]
        sweep.append((float(threshold), sum(p[0] for p in parts) / sum(p[1] for p in parts)))
    return sweep


def chosen_threshold(sweep: list[tuple[float, float]]) -> float:
    """The middle of the longest run of thresholds with the lowest dev DER (rounded to 3 decimals)."""
    best = min(round(der, 3) for _, der in sweep)
    runs: list[list[float]] = []
    for (threshold, der), previous in zip(sweep, [None, *sweep[:-1]]):
        if round(der, 3) == best:
            if previous is not None and round(previous[1], 3) == best and runs:
                runs[-1].append(threshold)
            else:
                runs.append([threshold])
    run = max(runs, key=len)
    return run[len(run) // 2]


def main(argv: list[str] | None = None) -> int:
    parser = command_parser("bench-speakers", __doc__)
    parser.parse_args(argv)
    model = load_model(MODEL)
    print(f"model {MODEL}; collar {sp.COLLAR_S} s each side; threshold {sp.DISTANCE_THRESHOLD} (frozen)")
    for split, conversations in sp.CONVERSATIONS.items():
        totals = {"given": [0.0, 0.0], "found": [0.0, 0.0], "given_words": [0, 0], "found_words": [0, 0]}
        for seed, recordings in conversations:
            f = conversation_figures(model, split, seed, recordings)
            for key in totals:
                totals[key] = [a + b for a, b in zip(totals[key], f[key])]
            print(
                f"{split:7} {'+'.join(recordings):55} {f['seconds']:5.1f} s {f['speakers']} speakers | "
                f"DER given {f['given'][0] / f['given'][1]:6.1%}, found {f['found'][0] / f['found'][1]:6.1%} "
                f"({f['found_count']} found) | words right given {f['given_words'][0]}/{f['given_words'][1]}, "
                f"found {f['found_words'][0]}/{f['found_words'][1]}",
                flush=True,
            )
        g, n, gw, nw = (totals[k] for k in ("given", "found", "given_words", "found_words"))
        print(
            f"{split:7} TOTAL DER speakers given {g[0] / g[1]:.1%}, found {n[0] / n[1]:.1%}; words with the right "
            f"speaker given {gw[0] / gw[1]:.1%}, found {nw[0] / nw[1]:.1%}",
            flush=True,
        )
    sweep = threshold_sweep()
    print("dev threshold sweep (speakers found): " + ", ".join(f"{t:.2f}: {d:.1%}" for t, d in sweep))
    print(f"chosen on dev: {chosen_threshold(sweep)}; frozen in speakers.DISTANCE_THRESHOLD: {sp.DISTANCE_THRESHOLD}")
    pieces = [sp.conversation(list(r), "dev", s)[0] for s, r in sp.CONVERSATIONS["dev"]]
    long = np.concatenate(pieces * int(np.ceil(TIMED_S * sp.SAMPLE_RATE / sum(map(len, pieces)))))[
        : TIMED_S * sp.SAMPLE_RATE
    ]
    sp.load_encoder()
    started = time.perf_counter()
    turns = sp.who_spoke(long)
    print(f"who_spoke on {TIMED_S} s of audio: {time.perf_counter() - started:.1f} s wall ({len(turns)} turns)")
    return 0
