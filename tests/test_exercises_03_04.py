"""The exercise checkers of notebooks 03 and 04: each accepts the right answer and rejects known wrong ones.

Every expected value comes from the library that defines it (whisper's tokenizer and compression_ratio, jiwer's
counts through course_utils.wer), never typed in here.
"""

import zlib
from itertools import zip_longest

import checker_output
import pytest
import whisper
import whisper.utils
from whisper.tokenizer import get_tokenizer

from course_utils.exercises import nb03, nb04
from course_utils.exercises.feedback import CORRECT, NOT_YET
from course_utils.wer import word_error_rate


@pytest.fixture
def said(capsys):
    """Run a checker and return the line it printed."""
    return lambda check, answer: checker_output.said(capsys, check, answer)


def accepted(output: str) -> bool:
    assert output.startswith((CORRECT, NOT_YET)), output  # one verdict (checker_output.said checks one line)
    return output.startswith(CORRECT)


# Notebook 03, exercise 1: DecodingOptions that translate French without timestamps, greedily

TRANSLATE = {"task": "translate", "language": "fr", "without_timestamps": True}


def test_translate_options_placeholder_gets_the_first_hint(said):
    first_hint = f"{NOT_YET} Set `options = whisper.DecodingOptions(...)` with the right keyword arguments."
    assert said(nb03.check_translate_options, None) == first_hint


def test_translate_options_right(said):
    assert accepted(said(nb03.check_translate_options, whisper.DecodingOptions(**TRANSLATE)))
    assert accepted(said(nb03.check_translate_options, whisper.DecodingOptions(temperature=0.0, **TRANSLATE)))


@pytest.mark.parametrize(
    "wrong",
    [
        {**TRANSLATE, "task": "transcribe"},
        {**TRANSLATE, "language": None},
        {**TRANSLATE, "language": "en"},  # the target language, not the audio's
        {**TRANSLATE, "without_timestamps": False},
        {**TRANSLATE, "temperature": 0.2},
        {**TRANSLATE, "beam_size": 5},
        {**TRANSLATE, "temperature": 0.8, "best_of": 5},
    ],
)
def test_translate_options_wrong(said, wrong):
    assert not accepted(said(nb03.check_translate_options, whisper.DecodingOptions(**wrong)))


# Notebook 03, exercise 2: the start tokens of base translating Italian without timestamps

ITALIAN = get_tokenizer(True, language="it", task="translate")
START_IDS = list(ITALIAN.sot_sequence_including_notimestamps)
START_NAMES = [ITALIAN.decode_with_timestamps([token]) for token in START_IDS]


def test_start_tokens_placeholder_gets_the_first_hint(said):
    assert said(nb03.check_start_tokens, []).startswith(f"{NOT_YET} Give a list of token names")


def test_start_tokens_right_as_names_or_ids(said):
    assert START_NAMES[0] == "<|startoftranscript|>" and len(START_NAMES) == 4
    assert accepted(said(nb03.check_start_tokens, START_NAMES))
    assert accepted(said(nb03.check_start_tokens, START_IDS))


def test_start_tokens_wrong(said):
    transcribing = get_tokenizer(True, language="it", task="transcribe").sot_sequence_including_notimestamps
    assert "one more special token" in said(nb03.check_start_tokens, START_NAMES[:-1])  # off by one: no timestamps
    assert "<|translate|>" in said(nb03.check_start_tokens, list(transcribing))
    assert "wrong order" in said(
        nb03.check_start_tokens, [START_NAMES[0], START_NAMES[2], START_NAMES[1], START_NAMES[3]]
    )
    english = get_tokenizer(True, language="en", task="translate").sot_sequence_including_notimestamps
    assert not accepted(said(nb03.check_start_tokens, list(english)))  # the target, not the audio's language
    assert not accepted(said(nb03.check_start_tokens, START_IDS + [ITALIAN.eot]))


# Notebook 03, exercise 3: compression_ratio


def right_ratio(text):
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data))


def test_compression_ratio_placeholder_gets_the_first_hint_and_no_solution(said):
    def compression_ratio(text):
        return None  # the notebook's placeholder

    output = said(nb03.check_compression_ratio, compression_ratio)
    assert output.startswith(f"{NOT_YET} Your compression_ratio returns None")
    assert "zlib" not in output and "len(" not in output


def test_compression_ratio_right(said):
    assert accepted(said(nb03.check_compression_ratio, right_ratio))
    assert accepted(said(nb03.check_compression_ratio, whisper.utils.compression_ratio))


def test_compression_ratio_wrong(said):
    upside_down = said(nb03.check_compression_ratio, lambda text: 1 / right_ratio(text))
    assert "Upside down" in upside_down
    characters = said(nb03.check_compression_ratio, lambda text: len(text) / len(zlib.compress(text.encode())))
    assert "bytes, not characters" in characters
    off_by_one = lambda text: len(text.encode()) / (len(zlib.compress(text.encode())) + 1)  # noqa: E731
    assert not accepted(said(nb03.check_compression_ratio, off_by_one))
    assert not accepted(said(nb03.check_compression_ratio, lambda text: 1.0))
    assert "ZeroDivisionError" in said(nb03.check_compression_ratio, lambda text: 1 / 0)


# Notebook 04, exercise 1: counts and WER of the twinkle line by hand

TWINKLE = word_error_rate(nb04.COUNTS_REFERENCE, nb04.COUNTS_HYPOTHESIS)
COUNTS = (TWINKLE.substitutions, TWINKLE.deletions, TWINKLE.insertions)


def test_error_counts_placeholder_gets_the_first_hint(said):
    first_hint = f"{NOT_YET} Set answer = (substitutions, deletions, insertions, wer), e.g. (0, 0, 0, 0.0)."
    assert said(nb04.check_error_counts, None) == first_hint


def test_error_counts_right(said):
    assert all(COUNTS) and TWINKLE.wer > 0  # the line has every kind of error
    assert accepted(said(nb04.check_error_counts, (*COUNTS, TWINKLE.wer)))
    assert accepted(said(nb04.check_error_counts, [*COUNTS, round(TWINKLE.wer, 2)]))


def test_error_counts_wrong(said):
    s, d, i = COUNTS
    errors = s + d + i
    hypothesis_words = len(nb04.COUNTS_HYPOTHESIS.split())
    assert hypothesis_words != TWINKLE.reference_words  # so that dividing by the wrong one shows
    assert "Line the two up" in said(nb04.check_error_counts, (s + d, 0, i, TWINKLE.wer))  # right total, wrong split
    assert "Line the two up" in said(nb04.check_error_counts, (s, d, i + 1, TWINKLE.wer))  # off by one
    assert "not of the hypothesis" in said(nb04.check_error_counts, (s, d, i, errors / hypothesis_words))
    assert "not a percentage" in said(nb04.check_error_counts, (s, d, i, 100 * TWINKLE.wer))
    assert not accepted(said(nb04.check_error_counts, (s, d, i, TWINKLE.reference_words / errors)))  # upside down
    assert not accepted(said(nb04.check_error_counts, (s, d, i, errors / (TWINKLE.reference_words + 1))))


# Notebook 04, exercise 2: which hypotheses the normalizer forgives

FORGIVEN = {
    letter
    for letter, text in nb04.NORMALIZER_HYPOTHESES.items()
    if word_error_rate(nb04.NORMALIZER_REFERENCE, text).wer == 0
}


def test_normalizer_placeholder_gets_the_first_hint(said):
    assert said(nb04.check_normalizer, set()).startswith(f"{NOT_YET} Set answer to a set of letters")


def test_normalizer_right(said):
    assert 0 < len(FORGIVEN) < len(nb04.NORMALIZER_HYPOTHESES)
    assert accepted(said(nb04.check_normalizer, FORGIVEN))
    assert accepted(said(nb04.check_normalizer, {letter.upper() for letter in FORGIVEN}))


def test_normalizer_wrong(said):
    one_less = sorted(FORGIVEN)[1:]
    one_more = FORGIVEN | {min(set(nb04.NORMALIZER_HYPOTHESES) - FORGIVEN)}
    assert "also score" in said(nb04.check_normalizer, set(one_less))
    assert "still differ" in said(nb04.check_normalizer, one_more)
    assert not accepted(said(nb04.check_normalizer, set(nb04.NORMALIZER_HYPOTHESES)))


# Notebook 04, exercise 3: walk back through the edit-distance table


def table_of(reference, hypothesis):
    table = [[i + j if i * j == 0 else 0 for j in range(len(hypothesis) + 1)] for i in range(len(reference) + 1)]
    for i in range(1, len(reference) + 1):
        for j in range(1, len(hypothesis) + 1):
            diagonal = table[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1])
            table[i][j] = min(diagonal, table[i - 1][j] + 1, table[i][j - 1] + 1)
    return table


def walk_back(reference, hypothesis):
    """The solution: from the bottom-right cell to the top-left one, always to a neighbour the value came from."""
    table, i, j, pairs = table_of(reference, hypothesis), len(reference), len(hypothesis), []
    while i or j:
        if i and j and table[i][j] == table[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1]):
            pairs.append((reference[i - 1], hypothesis[j - 1]))
            i, j = i - 1, j - 1
        elif i and table[i][j] == table[i - 1][j] + 1:
            pairs.append((reference[i - 1], None))
            i -= 1
        else:
            pairs.append((None, hypothesis[j - 1]))
            j -= 1
    return pairs[::-1]


def test_walk_back_placeholder_gets_the_first_hint(said):
    def placeholder(reference, hypothesis):
        pairs = []
        return pairs[::-1]

    assert said(nb04.check_walk_back, placeholder).startswith(f"{NOT_YET} walk_back returned no pairs")


def test_walk_back_right(said):
    assert accepted(said(nb04.check_walk_back, walk_back))

    def prefer_gaps(reference, hypothesis):  # another cheapest alignment: steps up and left before diagonals
        table, i, j, pairs = table_of(reference, hypothesis), len(reference), len(hypothesis), []
        while i or j:
            if i and table[i][j] == table[i - 1][j] + 1:
                pairs.append((reference[i - 1], None))
                i -= 1
            elif j and table[i][j] == table[i][j - 1] + 1:
                pairs.append((None, hypothesis[j - 1]))
                j -= 1
            else:
                pairs.append((reference[i - 1], hypothesis[j - 1]))
                i, j = i - 1, j - 1
        return pairs[::-1]

    assert accepted(said(nb04.check_walk_back, prefer_gaps))


def test_walk_back_wrong(said):
    # Pairing word by word, without the table: the "twinkle twinkle little star" case costs 3, not 2
    positional = lambda reference, hypothesis: list(zip_longest(reference, hypothesis))  # noqa: E731
    assert "the cheapest makes" in said(nb04.check_walk_back, positional)
    assert "cheapest makes 2" in nb04._walk_hint(*nb04.WALK_CASES[7], positional(*nb04.WALK_CASES[7]))
    # The right counts on a wrong path: every gap moved to the end
    gaps_last = lambda r, h: sorted(walk_back(r, h), key=lambda pair: None in pair)  # noqa: E731
    assert "exactly once, in order" in said(nb04.check_walk_back, gaps_last)
    # Not reversed at the end of the walk
    assert "reverse the list" in said(nb04.check_walk_back, lambda r, h: walk_back(r, h)[::-1])

    # Off by one: each reference word paired with the hypothesis word after it
    def shifted(reference, hypothesis):
        pairs = walk_back(reference, hypothesis)
        hyp_side = [hyp for _, hyp in pairs][1:] + [None]
        return [(ref, hyp) for (ref, _), hyp in zip(pairs, hyp_side)]

    assert not accepted(said(nb04.check_walk_back, shifted))
    # Every reference word deleted, then every hypothesis word inserted: right words, far from the cheapest
    wasteful = lambda r, h: [(word, None) for word in r] + [(None, word) for word in h]  # noqa: E731
    assert "the cheapest makes" in said(nb04.check_walk_back, wasteful)
    assert "IndexError" in said(nb04.check_walk_back, lambda r, h: [(r[len(r)], None)])
    assert "returns None" in said(nb04.check_walk_back, lambda r, h: None)
    assert "one pair" in said(nb04.check_walk_back, lambda r, h: [word for word in r] or [(None, None)])
