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
