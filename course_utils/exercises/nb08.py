"""Checks for the exercises of notebooks/08_hallucinations.ipynb. Expected answers come from
course_utils.hallucination (Wilson's interval, invented words) and Whisper's own no-speech rule."""

from __future__ import annotations

import math

from ..hallucination import invented_words, wilson_interval
from ..segments import LOGPROB_THRESHOLD, NO_SPEECH_THRESHOLD, is_silent
from .feedback import correct, not_yet

SILENT_HITS, SILENT_TRIALS = 2, 10  # exercise 1: recordings with words, out of the recordings without speech
# Exercise 2: segments as Whisper returns them; Whisper skips a window only when both of its tests agree. Each
# of the last four is one that a shortcut gets wrong: the scores near (not at) the thresholds, the same words as
# real speech and as silence.
SEGMENTS = [
    {"text": " you", "no_speech_prob": 0.95, "avg_logprob": -0.70},
    {"text": " Thank you.", "no_speech_prob": 0.80, "avg_logprob": -1.40},
    {"text": " He was not an ill disposed young man.", "no_speech_prob": 0.02, "avg_logprob": -0.25},
    {"text": " Hmm.", "no_speech_prob": 0.30, "avg_logprob": -1.60},
    {"text": " Oh.", "no_speech_prob": 0.55, "avg_logprob": -1.50},
    {"text": " So.", "no_speech_prob": 0.85, "avg_logprob": -0.90},
    {"text": " Thank you.", "no_speech_prob": 0.05, "avg_logprob": -0.30},
    {"text": " Bye.", "no_speech_prob": 0.90, "avg_logprob": -1.30},
]
NEAR_NO_SPEECH, NEAR_LOGPROB = 4, 5  # the indexes of SEGMENTS just under either threshold
SAME_WORDS = (1, 6)  # "Thank you." as silence, then as real speech
SILENT_WORDS = 7  # a silent window with words not on any list
# Exercise 3: what was said, and what Whisper wrote for that speech followed by applause
SAID = "he was not an ill disposed young man"
WRITTEN = "He was not an ill disposed young man. Thank you. Thank you."


def whisper_skips(segment: dict) -> bool:
    """Whisper's rule (:func:`course_utils.segments.is_silent`): silent when no_speech_prob is high AND
    avg_logprob is low."""
    return is_silent(segment["no_speech_prob"], segment["avg_logprob"])


def _pair(answer, name: str) -> tuple[float, float] | None:
    """``answer`` as two numbers; None, after the hint that fits, when it is not filled in or not two numbers."""
    if answer is None:
        return not_yet(f"Set {name} = (low, high): the two ends of the interval, in %.")
    try:
        low, high = (float(x) for x in answer)
    except (TypeError, ValueError):
        return not_yet(f"{name} must be two numbers, (low, high), in %.")
    return low, high


def check_interval(answer) -> None:
    """Exercise 1: Wilson's 95 % interval, in %, for SILENT_HITS clips with words out of SILENT_TRIALS."""
    pair = _pair(answer, "interval")
    if pair is None:
        return
    low, high = pair
    expected = [100 * x for x in wilson_interval(SILENT_HITS, SILENT_TRIALS)]
    if abs(low - expected[0]) < 0.1 and abs(high - expected[1]) < 0.1:
        return correct(
            f"{expected[0]:.1f} to {expected[1]:.1f} %: {SILENT_TRIALS} recordings pin a rate down only so far."
        )
    if 0 < high <= 1:
        return not_yet("Give both ends in %, not as fractions.")
    p = SILENT_HITS / SILENT_TRIALS
    wald = 1.959964 * math.sqrt(p * (1 - p) / SILENT_TRIALS)
    if abs(low - 100 * (p - wald)) < 0.1 or abs(high - 100 * (p + wald)) < 0.1:
        return not_yet("That is p ± 1.96·sqrt(p(1-p)/n), which goes below 0 here: use Wilson's centre and width.")
    if low > high:
        return not_yet("The low end comes first.")
    for trials in (SILENT_TRIALS - 1, SILENT_TRIALS + 1):
        other = [100 * x for x in wilson_interval(SILENT_HITS, trials)]
        if abs(low - other[0]) < 0.1 and abs(high - other[1]) < 0.1:
            return not_yet(f"Count the recordings again: n is {SILENT_TRIALS}.")
    not_yet("Put p = hits / n and z = 1.96 into Wilson's formula, or call wilson_interval(hits, n) and scale to %.")


def check_skip_rule(skips) -> None:
    """Exercise 2: a function that says, for one segment, whether Whisper's rule calls its window silent."""
    if skips is None:
        return not_yet("Write a function skips(segment) that returns True where Whisper calls the window silent.")
    if not callable(skips):
        return not_yet("skips must be a function of one segment (a dict), returning True or False.")
    try:
        answers = [bool(skips(dict(s))) for s in SEGMENTS]
    except TypeError as error:
        if "argument" in str(error):
            return not_yet(
                "skips gets one segment (a dict), not two numbers: read segment['no_speech_prob'] and "
                "segment['avg_logprob'] inside it."
            )
        return not_yet(
            f"skips failed on a segment ({error!r}): use segment['no_speech_prob'] and segment['avg_logprob']."
        )
    except KeyError as error:
        return not_yet(
            f"skips failed on a segment ({error!r}): use segment['no_speech_prob'] and segment['avg_logprob']."
        )
    expected = [whisper_skips(s) for s in SEGMENTS]
    if answers == expected:
        return correct(
            "Only the two windows with both a high no_speech_prob and a low avg_logprob are skipped: the confident "
            "'you' (avg_logprob -0.70) gets through, and Whisper never reads the words."
        )
    if answers == [s["no_speech_prob"] > NO_SPEECH_THRESHOLD or s["avg_logprob"] < LOGPROB_THRESHOLD for s in SEGMENTS]:
        return not_yet("Whisper needs both tests at once: 'and', not 'or' (a hard word alone is not silence).")
    if answers == [s["no_speech_prob"] > NO_SPEECH_THRESHOLD for s in SEGMENTS]:
        return not_yet(
            "That is the no-speech test alone (the thresholds cure); Whisper also asks for a low avg_logprob."
        )
    first, second = SAME_WORDS
    if answers[first] and answers[second]:  # the same words skipped twice: read from the text
        return not_yet(
            "Whisper's rule reads the scores, never the words: 'Thank you.' is skipped as silence in segment "
            f"{first} and kept as real speech in segment {second}, and 'Bye.' in segment {SILENT_WORDS} is silence."
        )
    if answers[NEAR_NO_SPEECH] != expected[NEAR_NO_SPEECH]:
        return not_yet(
            f"Check your no-speech threshold on segment {NEAR_NO_SPEECH} (no_speech_prob 0.55): Whisper's is "
            "no_speech_threshold in whisper/transcribe.py."
        )
    if answers[NEAR_LOGPROB] != expected[NEAR_LOGPROB]:
        return not_yet(
            f"Check your log-probability threshold on segment {NEAR_LOGPROB} (avg_logprob -0.90): Whisper's is "
            "logprob_threshold in whisper/transcribe.py."
        )
    not_yet(f"Skip where no_speech_prob > {NO_SPEECH_THRESHOLD} and avg_logprob < {LOGPROB_THRESHOLD}.")


def check_invented(answer) -> None:
    """Exercise 3: how many words in WRITTEN did nobody say (after Whisper's normalizer)?"""
    if answer is None:
        return not_yet("Set invented = the number of words Whisper wrote that nobody said.")
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return not_yet("invented must be a whole number of words.")
    expected = invented_words(SAID, WRITTEN)
    if value == expected:
        return correct(f"{expected} words: the insertions of the alignment, what a WER counts on top of the speech.")
    if value == len(WRITTEN.split()):
        return not_yet("That counts every word written; count only those with nothing said under them.")
    if value == expected / 2:
        return not_yet("'Thank you.' was written more than once: count every copy.")
    if 0 < value < 1:
        return not_yet("Give a number of words, not a rate.")
    not_yet("Align what was said with what was written; the words left over at the end are the invented ones.")
