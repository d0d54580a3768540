"""How every exercise checker answers: "Correct!" with what the answer shows, or "Not yet." with one hint.

A checker tries its hints from the gentlest (nothing filled in yet) to the most specific and prints the first
that applies, so a notebook saved with the placeholder answer shows only that first, gentle hint.
"""

from __future__ import annotations

CORRECT = "Correct!"
NOT_YET = "Not yet."


def correct(note: str = "") -> None:
    """Print that the answer is right, with an optional note on what it shows."""
    print(f"{CORRECT} {note}".strip())


def not_yet(hint: str) -> None:
    """Print that the answer is not right yet, and one hint towards it."""
    print(f"{NOT_YET} {hint}")


def number_answer(answer, name: str, unit: str) -> float | None:
    """``answer`` as a number; None, after the hint that fits, when it is not filled in or not a number."""
    if answer is None:
        return not_yet(f"Set {name} = {unit}.")
    try:
        return float(answer)
    except (TypeError, ValueError):
        return not_yet(f"{name} must be {unit}.")


def judge_number(
    value: float, expected: float, tolerance: float, right: str, near_misses: list[tuple[float, str]], otherwise: str
) -> None:
    """Print "Correct!" and ``right`` when ``value`` is less than ``tolerance`` from ``expected``; else the hint of the
    first near miss (a wrong answer a learner is likely to give: an off-by-one, an upside-down ratio, the wrong
    unit) that ``value`` matches; else the hint ``otherwise``."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return not_yet(otherwise)
    if abs(value - expected) < tolerance:
        return correct(right)
    for wrong, hint in near_misses:
        if abs(value - wrong) < tolerance:
            return not_yet(hint)
    not_yet(otherwise)
