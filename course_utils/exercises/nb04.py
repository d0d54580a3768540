"""Checks for the exercises of notebooks/04_model_sizes_wer.ipynb."""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz.distance import Levenshtein

from ..wer import normalize, word_error_rate
from .feedback import correct, not_yet

COUNTS_REFERENCE = "twinkle twinkle little star how I wonder what you are"
COUNTS_HYPOTHESIS = "twinkle little star how I wander what you are la la"
NORMALIZER_REFERENCE = "Oh, say, can you see by the dawn's early light"
NORMALIZER_HYPOTHESES = {  # letter -> a hypothesis the learner sorts
    "a": "oh say can you see by the dawn's early light",
    "b": "O say can you see, by the dawn is early light!",
    "c": "Oh, say, can you see by the dawns early light",
    "d": "Oh say can you see by the dawn's early light ♪",
    "e": "(singing) Oh, say, can you see by the dawn's early light",
    "f": "Oh say, can't you see by the dawn's early light",
}
WALK_CASES = [  # (reference words, hypothesis words)
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
Pair = tuple[str | None, str | None]  # (reference word, hypothesis word); None on the missing side of a gap


def check_error_counts(answer) -> None:
    """``answer``: (substitutions, deletions, insertions, wer) of COUNTS_HYPOTHESIS against COUNTS_REFERENCE."""
    result = word_error_rate(COUNTS_REFERENCE, COUNTS_HYPOTHESIS)
    expected = (result.substitutions, result.deletions, result.insertions)
    errors = sum(expected)
    if answer is None or len(answer) != 4:
        return not_yet("Set answer = (substitutions, deletions, insertions, wer), e.g. (0, 0, 0, 0.0).")
    if tuple(answer[:3]) != expected:
        return not_yet(
            "Line the two up word by word: which reference words are missing, which are heard "
            "differently, and which hypothesis words were never sung?"
        )
    wer = float(answer[3])
    if abs(wer - result.wer) < 0.005:
        return correct(f"{errors} errors over {result.reference_words} reference words: WER {result.wer:.0%}.")
    if abs(wer - 100 * result.wer) < 0.5:
        return not_yet("The counts are right. Give the WER as a fraction (0.25), not a percentage (25).")
    if abs(wer - errors / len(normalize(COUNTS_HYPOTHESIS).split())) < 0.005:
        return not_yet(
            "The counts are right. Divide by the words of the reference (what was sung), not of the hypothesis."
        )
    not_yet(f"The counts are right. Not yet the WER: divide the {errors} errors by the number of reference words.")


def check_normalizer(answer) -> None:
    """``answer``: the letters of NORMALIZER_HYPOTHESES that score 0 WER after Whisper's English normalizer."""
    scores = {k: word_error_rate(NORMALIZER_REFERENCE, text).wer for k, text in NORMALIZER_HYPOTHESES.items()}
    expected = {k for k, wer in scores.items() if wer == 0}
    if not answer:
        return not_yet('Set answer to a set of letters, e.g. {"a", "c"}. Try normalize() on each one.')
    answer = {str(letter).strip().lower() for letter in answer}
    if answer == expected:
        still = "; ".join(f"{k}: {normalize(NORMALIZER_HYPOTHESES[k])!r}" for k in sorted(set(scores) - expected))
        return correct(
            f"The normalizer forgives {', '.join(sorted(expected))}. Against "
            f"{normalize(NORMALIZER_REFERENCE)!r}, these stay different: {still}."
        )
    wrong, missed = sorted(answer - expected), sorted(expected - answer)
    hint = f"{', '.join(wrong)} still differ{'s' * (len(wrong) == 1)} after normalizing" if wrong else ""
    hint += ("; " if hint and missed else "") + (
        f"{', '.join(missed)} also score{'s' * (len(missed) == 1)} 0" if missed else ""
    )
    not_yet(f"{hint}. Compare normalize(reference) with normalize(option) for each letter.")


def _walk_hint(reference: list[str], hypothesis: list[str], pairs) -> str:
    """What is wrong with ``pairs`` as a cheapest alignment of ``reference`` and ``hypothesis``; "" if nothing."""
    case = f"for {reference} against {hypothesis}"
    if pairs is None:
        return "walk_back returns None: return the list of (reference word, hypothesis word) pairs."
    try:
        pairs = list(pairs)
    except TypeError:
        return f"walk_back returns a {type(pairs).__name__}: return a list of (reference word, hypothesis word) pairs."
    if not pairs:
        return (
            f"walk_back returned no pairs {case}. Step back from the bottom-right cell of the table to the "
            "top-left one, and add one pair for every step."
        )
    if any(not isinstance(pair, tuple | list) or len(pair) != 2 or pair[0] is pair[1] is None for pair in pairs):
        return (
            f"{case}, each step should give one pair: (reference word, hypothesis word), with None on the "
            "side that has no word (a deletion or an insertion)."
        )
    if _sides(pairs[::-1]) == (reference, hypothesis) != _sides(pairs):
        return f"{case}, your pairs run from the last word to the first: reverse the list before returning it."
    if _sides(pairs) != (reference, hypothesis):
        ref_side, hyp_side = _sides(pairs)
        return (
            f"{case}, your pairs read {ref_side} on the reference side and {hyp_side} on the hypothesis side: "
            "every word must appear exactly once, in order. A diagonal step from cell [i, j] pairs "
            "reference[i - 1] with hypothesis[j - 1]; a step up pairs reference[i - 1] with None; "
            "a step left pairs None with hypothesis[j - 1]."
        )
    edits = sum(ref != hyp for ref, hyp in pairs)
    fewest = Levenshtein.distance(reference, hypothesis)  # the fewest edits, from jiwer's engine
    if edits != fewest:
        return (
            f"{case}, your alignment makes {edits} edits, but the cheapest makes {fewest}. Step only to a "
            "neighbour the cell's value came from: diagonally if table[i, j] equals table[i - 1, j - 1] plus "
            "0 or 1 (the words differ), up or left if it equals that cell plus 1."
        )
    return ""


def _sides(pairs: list[Pair]) -> tuple[list, list]:
    """The reference words and the hypothesis words of an alignment, gaps left out."""
    return [ref for ref, _ in pairs if ref is not None], [hyp for _, hyp in pairs if hyp is not None]


def check_walk_back(walk_back: Callable[[list[str], list[str]], list[Pair]]) -> None:
    """``walk_back(ref_words, hyp_words)``: the aligned pairs of one cheapest alignment (any cheapest one counts)."""
    for reference, hypothesis in WALK_CASES:
        try:
            pairs = walk_back(list(reference), list(hypothesis))
        except Exception as error:  # noqa: BLE001 (the learner's code: report, do not crash the notebook)
            return not_yet(f"walk_back({reference}, {hypothesis}) raised {type(error).__name__}: {error}")
        hint = _walk_hint(reference, hypothesis, pairs)
        if hint:
            return not_yet(hint)
    correct("That walk back through the table is how jiwer lines up the words that show_alignment prints.")
