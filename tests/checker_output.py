"""What an exercise checker printed, read in the tests of course_utils/exercises (tests/test_exercises_*.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from course_utils.exercises.feedback import CORRECT, NOT_YET


def printed(capsys: pytest.CaptureFixture) -> str:
    """What the checker printed: one line that starts with "Correct!" or "Not yet." (without its newline)."""
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith((CORRECT, NOT_YET)), out
    return out.rstrip("\n")


def passes(capsys: pytest.CaptureFixture) -> bool:
    """Whether the checker just run said "Correct!"."""
    return printed(capsys).startswith(CORRECT)


def said(capsys: pytest.CaptureFixture, check: Callable, answer: object) -> str:
    """Run ``check(answer)`` and return the line it printed."""
    check(answer)
    return printed(capsys)


def accepts(capsys: pytest.CaptureFixture, check: Callable, answer: object) -> bool:
    """Whether ``check(answer)`` says "Correct!"."""
    return said(capsys, check, answer).startswith(CORRECT)
