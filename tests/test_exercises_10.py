"""The checkers of notebooks/10_live_captions.ipynb accept the right answers and reject wrong ones (an upside-down
ratio, the worst case for the mean, seconds for milliseconds, a line that still blocks)."""

from __future__ import annotations

import pytest
from checker_output import said

from course_utils.exercises import nb10
from course_utils.exercises.feedback import CORRECT, NOT_YET


def test_poll_wait(capsys):
    assert nb10.mean_poll_wait_ms() == 250
    assert said(capsys, nb10.check_poll_wait, 250).startswith(CORRECT)
    for wrong in (None, "soon", 500, 0.25, 125, 1000):
        assert said(capsys, nb10.check_poll_wait, wrong).startswith(NOT_YET), wrong


def test_polls_per_second(capsys):
    assert nb10.polls_per_second() == 100
    assert said(capsys, nb10.check_polls_per_second, 100).startswith(CORRECT)
    for wrong in (None, [], 25, 50, 101, 99):
        assert said(capsys, nb10.check_polls_per_second, wrong).startswith(NOT_YET), wrong


@pytest.mark.parametrize("wrong", [None, "a", "c", "d", 2])
def test_keeps_answering_rejects(capsys, wrong):
    assert said(capsys, nb10.check_keeps_answering, wrong).startswith(NOT_YET)


def test_keeps_answering_accepts(capsys):
    assert said(capsys, nb10.check_keeps_answering, " B ").startswith(CORRECT)
