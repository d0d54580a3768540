"""Hallucinations: text Whisper writes where nobody spoke, how to count it, and the cures that keep it silent.

Taught in notebooks/08_hallucinations.ipynb. The cures (``CURES``) are measured by ``python -m course_utils
bench-hallucination`` on the sounds without speech of data/nonspeech.csv; :func:`course_utils.transcribe` uses
the one the measurements pick (see its docstring).
"""

from __future__ import annotations

import csv
import math
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from whisper.audio import FRAMES_PER_SECOND, HOP_LENGTH

from .audio import SAMPLE_RATE
from .data import DATA_DIR
from .live.gate import NO_SPEECH_THRESHOLD, SpeechGate, load_vad
from .wer import normalize, word_error_rate

NONSPEECH_MANIFEST = DATA_DIR / "nonspeech.csv"
NONSPEECH_KINDS = ("silence", "noise", "applause", "music")  # kinds of clip in which nobody speaks
SILENCE_THRESHOLD_S = 2.0  # hallucination_silence_threshold: skip silences this long around a doubtful segment
VAD_PAD_S = 0.2  # seconds kept either side of what Silero VAD calls speech (a word's soft start and end)
VAD_JOIN_S = 3.0  # seconds: speech closer than this is one region (a pause between sentences keeps its context)
VAD_EDGE_S = 2.0  # seconds: speech this near the start (end) of the audio is taken from the start (to the end)
Z_95 = 1.959964  # the normal quantile of a two-sided 95 % confidence interval
# The phrases Whisper (tiny.en and base) wrote on the kit's sounds without speech with its plain defaults,
# counted by :func:`count_phrases` from results/hallucination/hallucination.csv (tests check the two agree).
HALLUCINATED_PHRASES = ("thank you", "welcome to firebase 10 clean node 2 3 8 deborah", "xxxml", "you")
# Cures measured by bench-hallucination: "whisper" is model.transcribe's plain defaults; the others change one
# thing each, and "kit" is cu.transcribe's default (the cure the measurements pick: silero_vad).
CURES = (
    "whisper",
    "thresholds",
    "no_condition",
    "silence_threshold",
    "silero_vad",
    "speech_gate",
    "phrase_list",
    "kit",
)


@dataclass(frozen=True)
class Sound:
    """One row of a manifest like data/nonspeech.csv: a clip and what is said in it (empty: nothing)."""

    id: str
    path: Path
    kind: str
    language: str
    transcript: str

    @property
    def has_speech(self) -> bool:
        return bool(self.transcript.strip())


def read_sounds(manifest: str | os.PathLike = NONSPEECH_MANIFEST) -> list[Sound]:
    """The clips of a manifest with columns id, file and transcript (which may be blank: nothing is said).

    ``kind`` and ``language`` may be blank ("speech" or "silence" by the transcript, and "en"). Paths are
    relative to the manifest's folder. ValueError naming the line for a missing column or audio file.
    """
    manifest = Path(manifest)
    with manifest.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        missing = [c for c in ("id", "file", "transcript") if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(
                f"{manifest} lacks the column(s) {', '.join(missing)}: give id, file and transcript "
                "(blank where nothing is said), as data/nonspeech.csv does."
            )
        rows = list(reader)
    sounds = []
    for line, row in enumerate(rows, start=2):
        path = (manifest.parent / (row["file"] or "")).resolve()
        if not row["id"] or not path.is_file():
            raise ValueError(f"{manifest.name} line {line}: no id, or no audio file at {path}.")
        transcript = row["transcript"] or ""
        kind = row.get("kind") or ("speech" if transcript.strip() else "silence")
        sounds.append(Sound(row["id"], path, kind, row.get("language") or "en", transcript))
    if not sounds:
        raise ValueError(f"{manifest} lists no clip: add one row per audio file.")
    return sounds


def invented_words(expected: str, heard: str, language: str = "en") -> int:
    """Words in ``heard`` that nobody said: all of them where ``expected`` is empty, else the insertions of the
    word alignment (after Whisper's normalizer, as in notebook 04)."""
    if not normalize(expected, language).split():
        return len(normalize(heard, language).split())
    return word_error_rate(expected, heard, language).insertions


def wilson_interval(hits: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson's 95 % confidence interval (as fractions) for a rate of ``hits`` out of ``trials``.

    Unlike ``p ± z·sqrt(p(1-p)/n)`` it stays inside 0 to 1 and is not zero wide when hits are 0 or all.
    """
    if trials <= 0:
        raise ValueError(f"trials={trials}: a rate needs at least one trial.")
    p = hits / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def phrase_of(text: str) -> str:
    """A segment's text as the phrase list keeps it: Whisper's English normalizer, then words joined by spaces."""
    return " ".join(normalize(text).split())


def count_phrases(segment_texts: list[str], least: int = 2) -> list[tuple[str, int]]:
    """The phrases (see :func:`phrase_of`) among ``segment_texts`` written at least ``least`` times, most first."""
    counts = Counter(phrase_of(t) for t in segment_texts if phrase_of(t))
    return sorted(((p, n) for p, n in counts.items() if n >= least), key=lambda pn: (-pn[1], pn[0]))


def is_known_hallucination(segment: dict, phrases: tuple[str, ...] = HALLUCINATED_PHRASES) -> bool:
    """Whether a segment's whole text is one of ``phrases`` (the words, not part of a longer sentence)."""
    return phrase_of(segment["text"]) in phrases


def is_no_speech(segment: dict, threshold: float = NO_SPEECH_THRESHOLD) -> bool:
    """Whisper's no-speech test without its escape: ``no_speech_prob`` above ``threshold``, however confident
    the words (Whisper keeps such a window when ``avg_logprob`` is above -1, as for a confident "Thank you.")."""
    return segment["no_speech_prob"] > threshold


_VAD = None


def find_speech(audio: np.ndarray, pad_s: float = VAD_PAD_S, join_s: float = VAD_JOIN_S) -> list[tuple[float, float]]:
    """(start, end) in seconds of each stretch of ``audio`` (16 kHz float32) that Silero VAD calls speech.

    Silero VAD is a small trained network shipped inside the ``silero-vad`` pip package (no download). Each
    stretch is widened by ``pad_s`` on either side, stretches less than ``join_s`` apart are joined, and speech
    within ``VAD_EDGE_S`` of either end of the audio is taken to that end.
    """
    global _VAD
    from silero_vad import get_speech_timestamps

    if _VAD is None:
        _VAD = load_vad()
    found = get_speech_timestamps(
        torch.from_numpy(np.ascontiguousarray(audio, np.float32)), _VAD, sampling_rate=SAMPLE_RATE
    )
    total_s = len(audio) // HOP_LENGTH / FRAMES_PER_SECOND  # whole mel frames: a clip_timestamps end past the
    regions: list[list[float]] = []  # last frame makes model.transcribe loop forever on an empty window
    for stretch in found:
        start, end = (
            max(0.0, stretch["start"] / SAMPLE_RATE - pad_s),
            min(total_s, stretch["end"] / SAMPLE_RATE + pad_s),
        )
        if regions and start - regions[-1][1] < join_s:
            regions[-1][1] = end
        else:
            regions.append([start, end])
    if regions and regions[0][0] < VAD_EDGE_S:
        regions[0][0] = 0.0  # Whisper then hears the same first frames as without VAD (the same words)
    if regions and total_s - regions[-1][1] < VAD_EDGE_S:
        regions[-1][1] = total_s
    return [(round(a, 2), math.floor(b * FRAMES_PER_SECOND) / FRAMES_PER_SECOND) for a, b in regions]


def gate_keeps(segment: dict, gate: SpeechGate | None = None) -> bool:
    """Whether the kit's speech gate of notebook 05 (course_utils/live/gate.py) keeps a segment."""
    return (gate or SpeechGate()).is_speech(segment)


def kept_text(segments: list[dict]) -> str:
    return "".join(s["text"] for s in segments).strip()


def rate_row(hits: int, trials: int) -> dict:
    """A rate in percent with its Wilson 95 % interval: ``{"n", "hits", "rate", "low", "high"}``."""
    low, high = wilson_interval(hits, trials)
    return {"n": trials, "hits": hits, "rate": 100 * hits / trials, "low": 100 * low, "high": 100 * high}


def has_words(text: str) -> bool:
    return bool(re.search(r"\w", normalize(text)))
