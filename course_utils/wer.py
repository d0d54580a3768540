"""Word error rate: normalize both texts, align them word by word, count substitutions, deletions, insertions.

Taught in notebooks/04_model_sizes_wer.ipynb, where the edit-distance table is first written out by hand.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import jiwer
from whisper.normalizers import BasicTextNormalizer, EnglishTextNormalizer

# Written without spaces between words: scored per character (a character error rate, CER), as Whisper's paper does
CHARACTER_LANGUAGES = frozenset({"ja", "zh", "yue", "th", "lo", "my", "km", "bo"})
GAP = "*"  # the missing side of a deletion (no hypothesis word) or an insertion (no reference word)
OPERATIONS = {"equal": "", "substitute": "S", "delete": "D", "insert": "I"}  # jiwer's chunk type -> mark

_ENGLISH = EnglishTextNormalizer()
_BASIC = BasicTextNormalizer()


@dataclass(frozen=True)
class WerResult:
    """Counts of one alignment of a hypothesis against a reference (of words, or characters; see ``unit``)."""

    wer: float  # (substitutions + deletions + insertions) / reference_words; above 1 when the model adds much
    substitutions: int
    deletions: int
    insertions: int
    hits: int  # reference words the hypothesis got right
    reference_words: int  # words (or characters) in the normalized reference: substitutions + deletions + hits
    unit: str = "word"  # "character" for CHARACTER_LANGUAGES: then ``wer`` is a character error rate


@dataclass(frozen=True)
class AlignedWord:
    """One column of an alignment: a reference word, the hypothesis word set against it, and what happened."""

    reference: str  # GAP for an insertion
    hypothesis: str  # GAP for a deletion
    operation: str  # "" (a hit), "S", "D" or "I"


def scoring_unit(language: str) -> str:
    """``"character"`` for languages written without spaces (Japanese, Chinese, Thai...), else ``"word"``."""
    return "character" if language in CHARACTER_LANGUAGES else "word"


def normalize(text: str, language: str = "en") -> str:
    """``text`` the way Whisper's authors score it: lower case, no punctuation, standard spellings.

    English (``language="en"``) goes through Whisper's ``EnglishTextNormalizer`` (numbers as digits, British
    spellings as American, contractions spelled out, fillers like "um" and anything in brackets dropped);
    every other language through ``BasicTextNormalizer`` (lower case, punctuation and symbols to spaces).
    For CHARACTER_LANGUAGES the spaces are dropped too, so that only characters count. One repair on top:
    "words" without a letter or digit are dropped (the English normalizer turns a closing "..." into a lone ".").
    """
    text = _ENGLISH(text) if language == "en" else _BASIC(text)
    words = [word for word in text.split() if any(c.isalnum() for c in word)]
    return ("" if language in CHARACTER_LANGUAGES else " ").join(words)


def units(text: str, language: str = "en") -> list[str]:
    """The normalized words of ``text``, or its characters for CHARACTER_LANGUAGES: what the error rate counts."""
    normalized = normalize(text, language)
    return list(normalized) if language in CHARACTER_LANGUAGES else normalized.split()


def _process(reference: str, hypothesis: str, language: str) -> tuple[list[str], list[str], jiwer.WordOutput]:
    ref, hyp = units(reference, language), units(hypothesis, language)
    if not ref:
        raise ValueError(
            f"The reference {reference!r} is empty once normalized, so its error rate is undefined. "
            "Give a reference with at least one word (brackets and fillers like 'um' are dropped)."
        )
    # Words joined by single spaces: jiwer's default transform splits them back into the same list
    return ref, hyp, jiwer.process_words(" ".join(ref), " ".join(hyp))


def word_error_rate(reference: str, hypothesis: str, language: str = "en") -> WerResult:
    """WER of ``hypothesis`` against ``reference``, both normalized for ``language`` first (see :func:`normalize`).

    Counts come from jiwer's word-level Levenshtein alignment; for CHARACTER_LANGUAGES they count characters.
    """
    ref, _, output = _process(reference, hypothesis, language)
    return WerResult(
        wer=output.wer,
        substitutions=output.substitutions,
        deletions=output.deletions,
        insertions=output.insertions,
        hits=output.hits,
        reference_words=len(ref),
        unit=scoring_unit(language),
    )


def align_words(reference: str, hypothesis: str, language: str = "en") -> list[AlignedWord]:
    """The normalized reference and hypothesis set side by side, one :class:`AlignedWord` per column."""
    ref, hyp, output = _process(reference, hypothesis, language)
    columns = []
    for chunk in output.alignments[0]:
        mark = OPERATIONS[chunk.type]
        ref_part = ref[chunk.ref_start_idx : chunk.ref_end_idx]
        hyp_part = hyp[chunk.hyp_start_idx : chunk.hyp_end_idx]
        if chunk.type == "delete":
            hyp_part = [GAP] * len(ref_part)
        elif chunk.type == "insert":
            ref_part = [GAP] * len(hyp_part)
        columns += [AlignedWord(r, h, mark) for r, h in zip(ref_part, hyp_part)]
    return columns


def _display_width(text: str) -> int:
    """Columns ``text`` takes in a monospaced font: Chinese and Japanese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))


def show_alignment(reference: str, hypothesis: str, language: str = "en", width: int = 100) -> str:
    """Rows REF, HYP and a mark line (S, D, I under each error), wrapped every ``width`` characters.

    A gap (``*``) fills the missing side of a deletion or an insertion. Print the result.
    """
    columns = align_words(reference, hypothesis, language)
    start = ["REF:", "HYP:", "    "]
    blocks, rows, used = [], start, len(start[0])
    for column in columns:
        size = max(_display_width(column.reference), _display_width(column.hypothesis))
        if used + 1 + size > width and rows is not start:
            blocks.append(rows)
            rows, used = start, len(start[0])
        cells = (column.reference, column.hypothesis, column.operation)
        rows = [f"{row} {_pad(cell, size)}" for row, cell in zip(rows, cells)]
        used += 1 + size
    blocks.append(rows)
    return "\n\n".join("\n".join(row.rstrip() for row in block) for block in blocks)


def summarize(result: WerResult) -> str:
    """One line: the error rate as a percentage and its counts, e.g. ``WER 25.0% (S 1, D 0, I 1 of 8 words)``."""
    name = "CER" if result.unit == "character" else "WER"
    return (
        f"{name} {100 * result.wer:.1f}% (S {result.substitutions}, D {result.deletions}, "
        f"I {result.insertions} of {result.reference_words} {result.unit}s)"
    )


__all__ = [
    "CHARACTER_LANGUAGES",
    "AlignedWord",
    "WerResult",
    "align_words",
    "normalize",
    "scoring_unit",
    "show_alignment",
    "summarize",
    "units",
    "word_error_rate",
]
