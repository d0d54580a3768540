"""Checks for the exercises of notebooks/05_live_transcription.ipynb."""

from __future__ import annotations

from collections.abc import Callable

from ..audio import SAMPLE_RATE


def check_buffer_accounting(answer) -> None:
    """Exercise 1: ten chunks of 4 000 samples, trimmed at 0.8 s then at 2.0 s: (start, end, held)."""
    expected = (32_000, 40_000, 8_000)
    if answer is None:
        print("Not yet: set answer = (start, end, held), three whole numbers of samples.")
        return
    try:
        start, end, held = (int(x) for x in answer)
    except (TypeError, ValueError):
        print("Not yet: answer must be three numbers: (start, end, held).")
        return
    if (start, end, held) == expected:
        print("Correct! Trimming never changes end: it counts every sample received, and end = start + held.")
    elif end != expected[1]:
        print("Not yet: end counts every sample ever received (10 chunks of 4 000); trimming does not change it.")
    elif start != expected[0]:
        print("Not yet: start is the absolute index of the first sample kept, after the last trim (2.0 s).")
    else:
        print("Not yet: the samples held are end - start.")


def _agree3(a: list[str], b: list[str], c: list[str]) -> list[str]:
    n = 0
    while n < min(len(a), len(b), len(c)) and a[n] == b[n] == c[n]:
        n += 1
    return c[:n]


CASES = [
    (["and", "so"], ["and", "so", "my"], ["and", "so", "my", "fellow"]),
    (["ask", "not"], ["ask", "knot"], ["ask", "not", "what"]),
    ([], ["and"], ["and", "so"]),
    (["what", "your"], ["what", "your"], ["what", "you"]),
    (["a", "b", "c"], ["a", "b", "c"], ["a", "b", "c"]),
    (["x"], ["y"], ["x"]),
]


def check_local_agreement_3(agreed_prefix_3: Callable[[list[str], list[str], list[str]], list[str]]) -> None:
    """Exercise 2: LocalAgreement-3, the words at the start of three successive passes that all agree."""
    for a, b, c in CASES:
        expected = _agree3(a, b, c)
        try:
            got = agreed_prefix_3(list(a), list(b), list(c))
        except Exception as error:  # the learner's code: report, never crash the notebook
            print(f"Not yet: agreed_prefix_3({a}, {b}, {c}) raised {error!r}.")
            return
        if got is None:
            print("Not yet: agreed_prefix_3 returns None. Return the list of words all three passes start with.")
            return
        if list(got) != expected:
            print(f"Not yet: agreed_prefix_3({a}, {b}, {c}) gave {got}, expected {expected}. "
                  "Hint: walk the three lists together and stop at the first position where they differ.")  # fmt: skip
            return
    print("Correct! Waiting for three passes to agree commits fewer wrong words, one pass later.")


def check_dropped_samples(answer) -> None:
    """Exercise 3: a 2 s sound card, a recording loop blocked 3.5 s: how many samples are lost?"""
    expected = round((3.5 - 2.0) * SAMPLE_RATE)
    if answer is None:
        print("Not yet: set dropped = a whole number of samples.")
        return
    try:
        value = int(answer)
    except (TypeError, ValueError):
        print("Not yet: dropped must be a number of samples.")
        return
    if value == expected:
        print("Correct! The card keeps the last 2 s; the 1.5 s before them were overwritten. Never block the loop.")
    elif value == round(3.5 * SAMPLE_RATE):
        print("Not yet: the sound card still holds its last 2 s when the loop comes back; only the rest is lost.")
    else:
        print("Not yet: in 3.5 s the card captures 3.5 x 16 000 samples but holds only 2 s of them.")
