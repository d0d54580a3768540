"""Hallucinations: text Whisper writes where nobody spoke, how to count it, and the cures that keep it silent.

Taught in notebooks/08_hallucinations.ipynb. The cures (``CURES``) are measured by ``python -m course_utils
bench-hallucination`` on the sounds without speech of data/nonspeech.csv; :func:`course_utils.transcribe` uses
the one the measurements pick (see its docstring).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import PurePosixPath

from .segments import is_silent
from .wer import normalize, word_error_rate

SILENCE_THRESHOLD_S = 2.0  # hallucination_silence_threshold: skip silences this long around a doubtful segment
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


def recording_of(source: str) -> str:
    """The recording (or generator) a clip was cut from, read from its manifest's ``source`` column: the text
    before the first ';' or ',' (the clip's own channel, level or seed come after), shortened to the file's name
    where it names one ("applause.ogg", "white noise", "digital silence").

    Clips of one recording are not independent trials: the seven applause clips of data/nonspeech.csv are cut from
    one 2 s sound, so a rate over clips counts that sound seven times (see :func:`hits_by_recording`).
    """
    head = re.split(r"[;,]", source, maxsplit=1)[0].strip()
    named = re.search(r"\S+\.(?:ogg|wav|flac|mp3)\b", head)
    return PurePosixPath(named.group(0)).name if named else head


def hits_by_recording(hits: dict[str, bool], recordings: dict[str, str]) -> tuple[int, int]:
    """(recordings with a hit, recordings) for ``hits`` (clip id: whether it is one) grouped by ``recordings``
    (clip id: :func:`recording_of` its source; a clip missing there is a recording of its own). A recording is a
    hit when any of its clips is: the unit of an interval that does not count one sound several times."""
    groups: dict[str, bool] = {}
    for clip, hit in hits.items():
        key = recordings.get(clip, clip)
        groups[key] = groups.get(key, False) or hit
    return sum(groups.values()), len(groups)


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


def is_no_speech(segment: dict) -> bool:
    """Whisper's no-speech rule without its escape (:func:`course_utils.segments.is_silent` with no log-probability
    bound): a high ``no_speech_prob``, however confident the words (Whisper keeps such a window when ``avg_logprob``
    is above -1, as for a confident "Thank you.")."""
    return is_silent(segment["no_speech_prob"], segment["avg_logprob"], logprob_threshold=math.inf)


def kept_text(segments: list[dict]) -> str:
    return "".join(s["text"] for s in segments).strip()


def rate_row(hits: int, trials: int) -> dict:
    """A rate in percent with its Wilson 95 % interval: ``{"n", "hits", "rate", "low", "high"}``."""
    low, high = wilson_interval(hits, trials)
    return {"n": trials, "hits": hits, "rate": 100 * hits / trials, "low": 100 * low, "high": 100 * high}
