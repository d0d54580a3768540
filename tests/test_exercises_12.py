"""The checkers of notebooks/12_who_spoke.ipynb accept the right answers and reject wrong ones (a fraction for a
percentage, an upside-down ratio, the threshold for the rate, one threshold off, words by their start, right totals
with a wrong speaker mapping), each with a hint, never a Correct!."""

import numpy as np
from checker_output import printed, said

from course_utils import speakers as sp
from course_utils.exercises import nb12


def test_eer_right_answer_passes_and_wrong_ones_are_rejected(capsys):
    rate, threshold = sp.equal_error_rate(np.array(nb12.SAME), np.array(nb12.DIFFERENT))
    nb12.check_eer(100 * rate)
    assert printed(capsys).startswith("Correct!")
    wrong = {
        rate: "in %",  # a fraction
        100 - 100 * rate: "judged right",  # upside down
        100 * threshold: "threshold",
        40: "One threshold too low",  # off by one threshold
        50: "Try each similarity",
        "twenty": "must be",
    }
    for answer, hint in wrong.items():
        out = said(capsys, nb12.check_eer, answer)
        assert out.startswith("Not yet.") and hint in out, (answer, out)
    nb12.check_eer(None)
    assert printed(capsys) == "Not yet. Set eer = the equal error rate, in %."


def test_word_speakers_right_answer_passes_and_wrong_ones_are_rejected(capsys):
    right = [sp.speaker_at(start, end, nb12.TURNS) for _, start, end in nb12.WORDS]
    nb12.check_word_speakers(right)
    assert printed(capsys).startswith("Correct!")
    by_start = [
        next(t.speaker for t in nb12.TURNS if t.start <= s < t.end or t is nb12.TURNS[-1]) for _, s, _ in nb12.WORDS
    ]
    gap_to_last = right[: nb12.IN_A_GAP] + ["Speaker 2"] + right[nb12.IN_A_GAP + 1 :]
    wrong = {
        tuple(by_start): "starts in one turn",
        tuple(gap_to_last): "nearest turn",
        tuple(right[:-1]): "7 words",  # one word short
        tuple(["Speaker 1"] * len(right)): "starts in one turn",
    }
    for answer, hint in wrong.items():
        out = said(capsys, nb12.check_word_speakers, list(answer))
        assert out.startswith("Not yet.") and hint in out, (answer, out)
    nb12.check_word_speakers(None)
    assert printed(capsys).startswith("Not yet. Set speakers =")


def test_der_right_answer_passes_and_wrong_ones_are_rejected(capsys):
    expected = 100 * sp.diarization_error_rate(nb12.REFERENCE, nb12.HYPOTHESIS, collar_s=0)
    nb12.check_der(expected)
    assert printed(capsys).startswith("Correct!")
    wrong = {
        expected / 100: "in %",
        90: "Map the speakers",  # right totals of time, the speakers mapped the wrong way round
        100 * 2 / 9: "reference's speech",
        10: "all three errors",  # one error left out
        500: "Upside down",
        33: "Add the seconds",
    }
    for answer, hint in wrong.items():
        out = said(capsys, nb12.check_der, answer)
        assert out.startswith("Not yet.") and hint in out, (answer, out)
    nb12.check_der(None)
    assert printed(capsys) == "Not yet. Set der = the diarization error rate, in %."
