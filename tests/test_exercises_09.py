"""The checkers of notebook 09: the placeholder gets the gentle first hint, wrong answers (an off-by-one, an
upside-down ratio, right totals by a wrong path) are rejected, and the right answer passes."""

from __future__ import annotations

import math

from checker_output import accepts, said

from course_utils.batch.cost import break_even_hours
from course_utils.exercises import nb09


def test_batches(capsys):
    windows = nb09.job_windows()
    assert windows == 14  # long_speech twice (3 windows each) and eight recordings under 30 s
    assert "Set batches" in said(capsys, nb09.check_batches, None)
    assert accepts(capsys, nb09.check_batches, 4)
    for wrong in [3, 5, 14, 10, "four"]:  # off by one (no last, partial batch), one too many, windows, recordings
        assert not accepts(capsys, nb09.check_batches, wrong), wrong
    assert "one more batch" in said(capsys, nb09.check_batches, 3)


def test_throughput(capsys):
    assert "Set throughput" in said(capsys, nb09.check_throughput, None)
    assert accepts(capsys, nb09.check_throughput, 7.5)
    for wrong in [1 / 7.5, 156, 7, 8]:  # upside down (a real-time factor), a difference, rounded either way
        assert not accepts(capsys, nb09.check_throughput, wrong), wrong
    assert "Upside down" in said(capsys, nb09.check_throughput, 24 / 180)


def test_break_even(capsys):
    expected = break_even_hours(**nb09.RENTED)
    assert math.isclose(expected, 1.2 * 0.5 / (0.36 - 1.2 / 40))  # start-up cost over the saving per audio hour
    assert "Set hours" in said(capsys, nb09.check_break_even, None)
    assert accepts(capsys, nb09.check_break_even, round(expected, 3))
    for wrong in [1.2 * 0.5 / 0.36, 1 / expected, 0.5, expected + 1]:  # machine free after start-up, upside down
        assert not accepts(capsys, nb09.check_break_even, wrong), wrong
    assert "Upside down" in said(capsys, nb09.check_break_even, 1 / expected)
    assert "subtract" in said(capsys, nb09.check_break_even, 1.2 * 0.5 / 0.36)
