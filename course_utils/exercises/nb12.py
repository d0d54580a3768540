"""Checks for the exercises of notebooks/12_who_spoke.ipynb. Expected answers come from course_utils.speakers
(the equal error rate, the speaker covering most of a word, pyannote.metrics' DER)."""

from __future__ import annotations

import numpy as np

from ..speakers import Turn, diarization_error_rate, equal_error_rate, speaker_at
from .feedback import correct, judge_number, not_yet, number_answer

# Exercise 1: cosine similarities of pairs of stretches of one speaker, and of two
SAME = [0.91, 0.88, 0.82, 0.77, 0.64]
DIFFERENT = [0.35, 0.47, 0.58, 0.69, 0.73]
# Exercise 2: Whisper's words (word, start s, end s) and the turns found
WORDS = [(" Please", 0.0, 0.4), (" hold", 0.4, 0.8), (" the", 0.8, 1.0), (" line.", 1.0, 1.5)]
WORDS += [(" Thank", 1.7, 2.3), (" you.", 2.3, 2.6), (" Bye.", 3.6, 3.9)]
TURNS = [Turn(0.0, 1.8, "Speaker 1"), Turn(1.8, 3.0, "Speaker 2"), Turn(4.2, 5.0, "Speaker 1")]
STRADDLING = 4  # " Thank" starts in Speaker 1's turn but lies mostly in Speaker 2's
IN_A_GAP = 6  # " Bye." lies in no turn: the nearest turn's speaker
# Exercise 3: a reference and a hypothesis (seconds), no collar
REFERENCE = [Turn(0.0, 4.0, "A"), Turn(4.0, 10.0, "B")]
HYPOTHESIS = [Turn(0.0, 5.0, "Speaker 1"), Turn(5.0, 9.0, "Speaker 2")]


def check_eer(answer) -> None:
    """Exercise 1: the equal error rate of SAME against DIFFERENT, in %."""
    value = number_answer(answer, "eer", "the equal error rate, in %")
    if value is None:
        return
    rate, threshold = equal_error_rate(np.array(SAME), np.array(DIFFERENT))
    missed = np.mean(np.array(SAME) < threshold)
    near = [
        (rate, "Give it in %, not as a fraction."),
        (100 - 100 * rate, "That is the share of pairs judged right: the EER is the share judged wrong."),
        (100 * threshold, "That is the threshold (a similarity); give the error rate at that threshold."),
        (100 * (np.mean(np.array(DIFFERENT) >= 0.69)), "One threshold too low: raise it until the two rates meet."),
    ]
    judge_number(
        value,
        100 * rate,
        0.01,
        f"{100 * rate:.0f} %: at a similarity of {threshold}, {missed:.0%} of one-speaker pairs are missed and as "
        "many two-speaker pairs accepted.",
        near,
        "Try each similarity as a threshold: missed = share of SAME below it, accepted = share of DIFFERENT at or "
        "above it; the EER is where they are equal.",
    )


def check_word_speakers(answer) -> None:
    """Exercise 2: the speaker of each of WORDS: the one whose turn covers most of the word."""
    if answer is None:
        return not_yet("Set speakers = a list with one speaker name per word, e.g. ['Speaker 1', ...].")
    try:
        given = [str(s) for s in answer]
    except TypeError:
        return not_yet("speakers must be a list of names, one per word.")
    if len(given) != len(WORDS):
        return not_yet(f"There are {len(WORDS)} words: give {len(WORDS)} names.")
    expected = [speaker_at(start, end, TURNS) for _, start, end in WORDS]
    if given == expected:
        return correct("Most of ' Thank' lies in Speaker 2's turn, and ' Bye.', in no turn, goes to the nearest.")
    if given[STRADDLING] != expected[STRADDLING]:
        return not_yet(f"Word {STRADDLING} starts in one turn but most of it lies in the next: measure the overlap.")
    if given[IN_A_GAP] != expected[IN_A_GAP]:
        return not_yet(f"Word {IN_A_GAP} lies in no turn: give it the speaker of the nearest turn.")
    not_yet("For each word, add up how much of it each speaker's turns cover, and take the largest.")


def check_der(answer) -> None:
    """Exercise 3: the DER of HYPOTHESIS against REFERENCE, in %, without a collar."""
    value = number_answer(answer, "der", "the diarization error rate, in %")
    if value is None:
        return
    expected = 100 * diarization_error_rate(REFERENCE, HYPOTHESIS, collar_s=0)
    swapped = [Turn(t.start, t.end, {"Speaker 1": "B", "Speaker 2": "A"}[t.speaker]) for t in HYPOTHESIS]
    wrong_mapping = 100 * sum(_confused_or_missed(REFERENCE, swapped)) / 10
    near = [
        (expected / 100, "Give it in %, not as a fraction."),
        (wrong_mapping, "Map the speakers so that they agree most: Speaker 1 is A, Speaker 2 is B."),
        (100 * 2 / 9, "Divide by the reference's speech (10 s), not the hypothesis's."),
        (100 * 1 / 10, "Count all three errors: confusion, and the speech missed at the end too."),
        (100 * 10 / 2, "Upside down: errors over reference speech."),
    ]
    judge_number(
        value,
        expected,
        0.05,
        f"{expected:.0f} %: 1 s confused and 1 s missed, out of 10 s of reference speech.",
        near,
        "Add the seconds missed, falsely detected and given the wrong speaker (after the best mapping), and divide "
        "by the seconds of reference speech.",
    )


def _confused_or_missed(reference: list[Turn], hypothesis: list[Turn]) -> tuple[float, float]:
    """(seconds given another speaker, seconds missed) of reference speech, labels taken as they are (no mapping)."""
    confused = missed = 0.0
    for r in reference:
        covered = 0.0
        for h in hypothesis:
            overlap = max(0.0, min(r.end, h.end) - max(r.start, h.start))
            covered += overlap
            confused += overlap if h.speaker != r.speaker else 0.0
        missed += r.end - r.start - covered
    return confused, missed
