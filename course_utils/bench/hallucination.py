"""``python -m course_utils bench-hallucination``: how often Whisper writes words nobody said, with and without cures.

    python -m course_utils bench-hallucination --models tiny.en,base --out results/hallucination

Runs every cure of :data:`course_utils.hallucination.CURES` on every clip of a manifest (default
data/nonspeech.csv: sounds without speech, and speech followed by silence, applause or music) and on the
bundled English speech of data/clips.csv (the price of each cure in lost words). Writes ``OUT/hallucination.csv``
(one row per clip, model and cure: the text and the words nobody said), ``OUT/rates.csv`` (rates with Wilson
95 % intervals) and ``OUT/hallucination.png``. Decoding starts at temperature 0 and torch's seed is set before
each run (Whisper's fallback samples at higher temperatures), so a rerun on the same machine gives the same table.
Taught in notebooks/08_hallucinations.ipynb.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import torch
import whisper

from ..audio import load_audio
from ..commands import UsageError, model_names, reading_user_input
from ..data import NONSPEECH_KINDS, NONSPEECH_MANIFEST, Clip, clips, read_manifest
from ..formats import write_csv
from ..hallucination import (
    CURES,
    SILENCE_THRESHOLD_S,
    count_phrases,
    hits_by_recording,
    invented_words,
    is_known_hallucination,
    is_no_speech,
    kept_text,
    rate_row,
    recording_of,
)
from ..live.gate import SpeechGate
from ..models import check_models, load_model
from ..speech import find_speech
from ..transcribe import transcribe
from ..wer import word_error_rate

FIGURE_SIZE = (9, 3.5)  # inches per panel: JupyterLab's width at 100 dpi
CHART = "hallucination.png"
SEED = 0  # torch's random seed before each run: Whisper's temperature fallback samples
FILTERS = {"thresholds", "speech_gate", "phrase_list"}  # cures that only drop segments of Whisper's plain run
SAME_WITHOUT_TEXT = {"no_condition", "silence_threshold"}  # cures that change nothing where the plain run wrote nothing
RUNS = {  # the options of each cure that transcribes again
    "whisper": {"plain": True},
    "no_condition": {"plain": True, "condition_on_previous_text": False},
    "silence_threshold": {
        "plain": True,
        "word_timestamps": True,
        "hallucination_silence_threshold": SILENCE_THRESHOLD_S,
    },
    "kit": {},
}


@dataclass
class Row:
    """One clip, model and cure: a row of hallucination.csv."""

    clip: str
    model: str
    cure: str
    kind: str  # the clip's kind: silence, noise, ..., speech+gap, or speech (clean speech of data/clips.csv)
    text: str  # what the model wrote
    invented_words: int  # words nobody said (all words where nothing is said; else the alignment's insertions)
    wer: float | None  # against the expected transcript; None where nothing is said
    expected: str


COLUMNS = tuple(f.name for f in fields(Row))
RATE_COLUMNS = (
    ("model", "cure")
    + tuple(f"{key}_{k}" for key in ("nonspeech", "gaps") for k in ("n", "hits", "rate", "low", "high"))
    + ("gaps_wer", "clean_wer")
)


def whisper_segments(model: whisper.Whisper, audio: np.ndarray, cure: str, language: str) -> list[dict]:
    """The segments ``model`` writes for ``audio`` with ``cure`` (one of RUNS, or "silero_vad")."""
    if cure == "silero_vad":
        regions = find_speech(audio)
        if not regions:
            return []
        stamps = [t for region in regions for t in region]
        return transcribe(model, audio, plain=True, language=language, clip_timestamps=stamps)["segments"]
    return transcribe(model, audio, language=language, verbose=None, **RUNS[cure])["segments"]


def filtered(cure: str, segments: list[dict], audio: np.ndarray, phrases: tuple[str, ...]) -> list[dict]:
    """The segments of Whisper's plain run that a filter cure keeps."""
    if cure == "thresholds":
        return [s for s in segments if not is_no_speech(s)]
    if cure == "phrase_list":
        return [s for s in segments if not is_known_hallucination(s, phrases)]
    gate = SpeechGate()
    return [] if gate.is_silent(audio) else [s for s in segments if gate.is_speech(s)]


_MODEL: whisper.Whisper | None = None  # the model of a worker process (see :func:`benchmark`)


def _load_worker_model(name: str) -> None:
    global _MODEL
    torch.set_num_threads(1)  # one core per worker process
    _MODEL = load_model(name)


def run_clip(name: str, clip: Clip, cures: list[str]) -> tuple[list[Row], list[dict]]:
    """The cures that transcribe, on one clip, with the loaded model: its rows and Whisper's plain segments."""
    audio = load_audio(clip.path)
    rows, plain = [], None
    needs_plain = "whisper" in cures or any(c in FILTERS or c in SAME_WITHOUT_TEXT for c in cures)
    for cure in ["whisper"] * needs_plain + [c for c in cures if c not in FILTERS and c != "whisper"]:
        if cure in SAME_WITHOUT_TEXT and plain == []:
            segments = []  # no window had text: no prompt to carry, no segment to check, the same run again
        else:
            torch.manual_seed(SEED)  # a fallback to sampling gives the same text whichever worker runs the clip
            segments = whisper_segments(_MODEL, audio, cure, clip.language)
        if cure == "whisper":
            plain = segments
        if cure in cures:
            rows.append(_row(clip, name, cure, kept_text(segments)))
    return rows, plain


def measure_model(name: str, chosen: list[Clip], cures: list[str], jobs: int, bar) -> list[Row]:
    """Every cure of ``cures`` on every clip with one model, in ``jobs`` processes; the filter cures use a phrase
    list counted from the plain runs on the sounds without speech."""
    plain: dict[str, list[dict]] = {}
    rows = []
    with ProcessPoolExecutor(
        jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_load_worker_model, initargs=(name,)
    ) as pool:
        longest_first = sorted(chosen, key=lambda c: -c.path.stat().st_size)  # no long clip left for the end
        futures = {pool.submit(run_clip, name, clip, cures): clip for clip in longest_first}
        for future in as_completed(futures):
            clip_rows, plain[futures[future].id] = future.result()
            rows += clip_rows
            bar.set_description(f"{name}: {futures[future].id}")
            bar.update(len(clip_rows))
    phrases = tuple(
        p for p, _ in count_phrases([kept_text(plain[c.id] or []) for c in chosen if c.kind in NONSPEECH_KINDS])
    )
    for clip in chosen:
        audio = load_audio(clip.path)
        for cure in [c for c in cures if c in FILTERS]:
            rows.append(_row(clip, name, cure, kept_text(filtered(cure, plain[clip.id], audio, phrases))))
            bar.update()
    order = {clip.id: i for i, clip in enumerate(chosen)}
    return sorted(rows, key=lambda r: order[r.clip])


def _row(clip: Clip, model: str, cure: str, text: str) -> Row:
    wer = round(word_error_rate(clip.transcript, text).wer, 4) if clip.has_speech else None
    return Row(clip.id, model, cure, clip.kind, text, invented_words(clip.transcript, text), wer, clip.transcript)


def benchmark(
    chosen: list[Clip], names: list[str], cures: tuple[str, ...] = CURES, jobs: int = 1, progress: bool = True
) -> list[Row]:
    """Every model of ``names`` with every cure on every clip, one model at a time, in ``jobs`` processes."""
    from tqdm import tqdm

    rows: list[Row] = []
    with tqdm(total=len(chosen) * len(names) * len(cures), unit="run", file=sys.stderr, disable=not progress) as bar:
        for name in names:
            rows += measure_model(name, chosen, cures, jobs, bar)
    order = {c: i for i, c in enumerate(CURES)}
    return sorted(rows, key=lambda r: (names.index(r.model), order[r.cure]))


def read_rows(path: str | os.PathLike) -> list[Row]:
    """The rows of a hallucination.csv written by :func:`main` (``course_utils.formats.write_csv``)."""
    with Path(path).open(newline="", encoding="utf-8") as file:
        return [
            Row(**{**r, "invented_words": int(r["invented_words"]), "wer": float(r["wer"]) if r["wer"] else None})
            for r in csv.DictReader(file)
        ]


def summarize(rows: list[Row], recordings: dict[str, str] | None = None) -> list[dict]:
    """Per model and cure: the share of non-speech clips with any words, the share of speech-with-gaps clips
    with any invented words (both in % with Wilson 95 % intervals), the mean WER (%) of speech followed by
    silence, applause or music and of clean speech.

    With ``recordings`` (clip id: the recording it was cut from, :func:`course_utils.hallucination.recording_of`)
    also ``nonspeech_recordings``: the share of the recordings behind the non-speech clips on which any clip got
    words, with its interval. Clips cut from one recording are not independent, so that interval is the honest one.
    """
    table = []
    for model in dict.fromkeys(r.model for r in rows):
        for cure in dict.fromkeys(r.cure for r in rows):
            mine = [r for r in rows if r.model == model and r.cure == cure]
            if not mine:
                continue
            silent = [r for r in mine if r.kind in NONSPEECH_KINDS]
            gapped = [r for r in mine if r.kind.startswith("speech+")]
            clean = [r for r in mine if r.kind == "speech"]
            entry = {"model": model, "cure": cure}
            if silent:
                entry["nonspeech"] = rate_row(sum(r.invented_words > 0 for r in silent), len(silent))
                if recordings is not None:
                    hits = {r.clip: r.invented_words > 0 for r in silent}
                    entry["nonspeech_recordings"] = rate_row(*hits_by_recording(hits, recordings))
            if gapped:
                entry["gaps"] = rate_row(sum(r.invented_words > 0 for r in gapped), len(gapped))
                entry["gaps_wer"] = 100 * float(np.mean([r.wer for r in gapped]))
            if clean:
                entry["clean_wer"] = 100 * float(np.mean([r.wer for r in clean]))
            table.append(entry)
    return table


def format_summary(table: list[dict]) -> str:
    """:func:`summarize`'s table as plain text: rates with their intervals, WERs, one line per model and cure
    (where the table counts recordings, the non-speech clips as a count and the recordings with the interval)."""
    by_recording = any("nonspeech_recordings" in e for e in table)

    def rate(e, key, interval=True):
        if key not in e:
            return "-"
        text = f"{e[key]['hits']}/{e[key]['n']}"
        return f"{text} = {e[key]['rate']:.0f} % [{e[key]['low']:.0f}, {e[key]['high']:.0f}]" if interval else text

    def number(e, key):
        return f"{e[key]:.1f}" if key in e else "-"

    header = ["model", "cure", "non-speech clips with words"]
    header += ["recordings with words"] * by_recording
    header += ["speech+X with invented words", "WER speech+X %", "WER clean %"]
    lines = [
        [e["model"], e["cure"], rate(e, "nonspeech", not by_recording)]
        + [rate(e, "nonspeech_recordings")] * by_recording
        + [rate(e, "gaps"), number(e, "gaps_wer"), number(e, "clean_wer")]
        for e in table
    ]
    widths = [max(len(x[i]) for x in [header, *lines]) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in [header, *lines])


def plot_rates(table: list[dict], axes=None):
    """Two panels: the share of non-speech clips with any words (of the recordings behind them, where the table
    counts recordings), and clean-speech WER, per model and cure, with 95 % intervals as error bars. Returns the
    axes."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(FIGURE_SIZE[0], FIGURE_SIZE[1] * 1.2), layout="constrained")
    models = list(dict.fromkeys(e["model"] for e in table))
    cures = list(dict.fromkeys(e["cure"] for e in table))
    key = "nonspeech_recordings" if any("nonspeech_recordings" in e for e in table) else "nonspeech"
    unit = "recordings" if key == "nonspeech_recordings" else "clips"
    width = 0.8 / max(1, len(models))
    y = np.arange(len(cures))
    for m, model in enumerate(models):
        entries = {e["cure"]: e for e in table if e["model"] == model}
        rates = [entries.get(c, {}).get(key, {}) for c in cures]
        values = [r.get("rate", np.nan) for r in rates]
        errors = [
            [v - r.get("low", v) for v, r in zip(values, rates)],
            [r.get("high", v) - v for v, r in zip(values, rates)],
        ]
        axes[0].barh(y + m * width, values, width, xerr=errors, label=model, color=f"C{m}", capsize=2)
        axes[1].barh(
            y + m * width,
            [entries.get(c, {}).get("clean_wer", np.nan) for c in cures],
            width,
            color=f"C{m}",
            label=model,
        )
    for ax in axes:
        ax.set_yticks(y + width * (len(models) - 1) / 2, cures)
        ax.invert_yaxis()
    axes[1].set_yticklabels([])
    axes[0].set(title=f"Sounds without speech: {unit} with any words", xlabel=f"{unit} with words (%, 95 % interval)")
    axes[1].set(title="Clean English speech: price in words", xlabel="mean WER (%)")
    axes[0].set_xlim(0, 100)
    axes[0].legend(loc="lower right")
    return axes


def save_chart(table: list[dict], out: str | os.PathLike) -> Path:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(FIGURE_SIZE[0], FIGURE_SIZE[1] * 1.2), layout="constrained")
    plot_rates(table, figure.subplots(1, 2))
    path = Path(out) / CHART
    figure.savefig(path, dpi=100)
    return path


def write_rates(table: list[dict], path: str | os.PathLike) -> Path:
    """:func:`summarize`'s table as CSV (RATE_COLUMNS): rates and interval bounds in %."""
    rows = []
    for e in table:
        row = {"model": e["model"], "cure": e["cure"]}
        for key in ("nonspeech", "gaps"):
            rate = e.get(key, {})
            row |= {f"{key}_{k}": rate[k] for k in ("n", "hits") if k in rate}
            row |= {f"{key}_{k}": round(rate[k], 2) for k in ("rate", "low", "high") if k in rate}
        rows.append(row | {k: round(e[k], 2) for k in ("gaps_wer", "clean_wer") if k in e})
    return write_csv(rows, RATE_COLUMNS, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils bench-hallucination",
        description="How often Whisper models write words nobody said, with each cure: rates with 95 % intervals.",
    )
    parser.add_argument("--models", default="tiny.en,base", help="comma-separated model names (default tiny.en,base)")
    parser.add_argument("--out", type=Path, required=True, help="folder for hallucination.csv, rates.csv and the chart")
    parser.add_argument(
        "--manifest",
        type=Path,
        default=NONSPEECH_MANIFEST,
        help="CSV with id, file, language and transcript (blank where nothing is said), paths relative "
        "to its folder (default: data/nonspeech.csv, plus the bundled English speech)",
    )
    parser.add_argument(
        "--cures", default=",".join(CURES), help=f"comma-separated cures (default all: {','.join(CURES)})"
    )
    parser.add_argument("--jobs", type=int, default=1, help="clips transcribed at once, one process each (default 1)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: give 1 or more processes.")
    cures = [c.strip() for c in args.cures.split(",") if c.strip()]
    unknown = [c for c in cures if c not in CURES]
    if unknown or not cures:
        raise UsageError(f"--cures {args.cures}: unknown or none; choose from {', '.join(CURES)}.")
    with reading_user_input():
        names = model_names(args.models)
        check_models(names)
        if not args.manifest.is_file():
            raise UsageError(f"--manifest {args.manifest}: no such file. Give a CSV like data/nonspeech.csv.")
        chosen = read_manifest(args.manifest)
        if args.manifest.resolve() == NONSPEECH_MANIFEST.resolve():  # and the price in words on clean speech
            chosen += clips("speech", "en")
        args.out.mkdir(parents=True, exist_ok=True)
    rows = benchmark(chosen, names, cures, jobs=args.jobs)
    write_csv(rows, COLUMNS, args.out / "hallucination.csv")
    table = summarize(rows, {c.id: recording_of(c.source) for c in chosen})
    write_rates(table, args.out / "rates.csv")
    save_chart(table, args.out)
    print(format_summary(table))
    print(f"Wrote {args.out / 'hallucination.csv'}, rates.csv and {CHART} in {args.out}.")
    return 0
