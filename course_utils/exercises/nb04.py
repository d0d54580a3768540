"""Checks for the exercises of notebooks/04_model_sizes_wer.ipynb."""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz.distance import Levenshtein

from ..wer import normalize, word_error_rate

COUNTS_REFERENCE = "twinkle twinkle little star how I wonder what you are"
COUNTS_HYPOTHESIS = "twinkle little star how I wander what you are are"
NORMALIZER_REFERENCE = "Oh, say, can you see by the dawn's early light"
NORMALIZER_HYPOTHESES = {  # letter -> a hypothesis the learner sorts
    "a": "oh say can you see by the dawn's early light",
    "b": "O say can you see, by the dawn is early light!",
    "c": "Oh, say, can you see by the dawns early light",
    "d": "Oh say can you see by the dawn's early light ♪",
    "e": "(singing) Oh, say, can you see by the dawn's early light",
    "f": "Oh say, can't you see by the dawn's early light",
}
BACKTRACE_CASES = [  # (reference words, hypothesis words)
    ("a b c".split(), "a b c".split()),
    ("a b c".split(), "a x c".split()),
    ("a b c d".split(), "a c d".split()),
    ("a b c".split(), "a b c d e".split()),
    ("la la la".split(), []),
    ([], "la la".split()),
    ("today the cat sat on the mat".split(), "the bat sat on the mat now".split()),
    ("twinkle twinkle little star".split(), "twinkle little star are".split()),
    ("x y z w".split(), "w z y x".split()),
]


def check_error_counts(answer) -> None:
    """``answer``: (substitutions, deletions, insertions, wer) of COUNTS_HYPOTHESIS against COUNTS_REFERENCE."""
    result = word_error_rate(COUNTS_REFERENCE, COUNTS_HYPOTHESIS)
    expected = (result.substitutions, result.deletions, result.insertions)
    if answer is None or len(answer) != 4:
        print("Not yet: set answer = (substitutions, deletions, insertions, wer), e.g. (0, 0, 0, 0.0).")
        return
    if tuple(answer[:3]) != expected:
        print("Not yet: line the two up word by word. One word of the reference is missing, one is sung "
              "differently, and one is extra at the end.")  # fmt: skip
        return
    if abs(float(answer[3]) - result.wer) > 0.005:
        print(f"The counts are right. Not yet the WER: divide the {sum(expected)} errors by the number of "
              "words in the reference (not the hypothesis).")  # fmt: skip
        return
    print(f"Correct! {sum(expected)} errors over {result.reference_words} reference words: WER {result.wer:.0%}.")


def check_normalizer(answer) -> None:
    """``answer``: the letters of NORMALIZER_HYPOTHESES that score 0 WER after Whisper's English normalizer."""
    expected = {k for k, text in NORMALIZER_HYPOTHESES.items() if word_error_rate(NORMALIZER_REFERENCE, text).wer == 0}
    if not answer:
        print('Not yet: set answer to a set of letters, e.g. {"a", "c"}. Try normalize() on each one.')
        return
    answer = {str(letter).strip().lower() for letter in answer}
    if answer == expected:
        print(f"Correct! The normalizer forgives {', '.join(sorted(expected))}. Not c, where 'dawns' stays one word "
              f"({normalize(NORMALIZER_HYPOTHESES['c'])!r}), nor f: can't is spelled out as 'can not', which "
              "really is a different line.")  # fmt: skip
        return
    wrong = sorted(answer - expected)
    missed = sorted(expected - answer)
    hint = f"{', '.join(wrong)} still differ{'s' * (len(wrong) == 1)} after normalizing" if wrong else ""
    hint += ("; " if hint and missed else "") + (
        f"{', '.join(missed)} also score{'s' * (len(missed) == 1)} 0" if missed else ""
    )
    print(f"Not yet: {hint}. Compare normalize(reference) with normalize(option) for each letter.")


def check_count_errors(count_errors: Callable[[list[str], list[str]], tuple[int, int, int]]) -> None:
    """``count_errors(ref_words, hyp_words) -> (S, D, I)`` along one cheapest alignment (any optimal one counts)."""
    for reference, hypothesis in BACKTRACE_CASES:
        try:
            got = count_errors(list(reference), list(hypothesis))
        except Exception as error:  # the learner's code: report, do not crash the notebook
            print(f"Not yet: count_errors({reference}, {hypothesis}) raised {type(error).__name__}: {error}")
            return
        if got is None:
            print("Not yet: count_errors returns None. Return (substitutions, deletions, insertions).")
            return
        substitutions, deletions, insertions = got
        distance = Levenshtein.distance(reference, hypothesis)  # the fewest edits, computed by jiwer's engine
        if substitutions + deletions + insertions != distance:
            print(f"Not yet: for {reference} against {hypothesis} the cheapest alignment has {distance} error(s), "
                  f"you counted {substitutions + deletions + insertions}. Walk back from the bottom-right cell, "
                  "always to a neighbour the cell's value came from.")  # fmt: skip
            return
        if len(reference) - deletions + insertions != len(hypothesis):
            left = len(reference) - deletions + insertions
            print(f"Not yet: for {reference} against {hypothesis}, a reference of {len(reference)} words with "
                  f"{deletions} deleted and {insertions} inserted would leave {left} words, not {len(hypothesis)}. "
                  "A step up is a deletion, a step left an insertion.")  # fmt: skip
            return
    print("Correct! That walk back through the table is how jiwer finds the alignment it shows you.")
