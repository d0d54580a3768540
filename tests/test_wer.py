"""course_utils.wer: normalization, error counts and the aligned view, on hand-made examples with known counts."""

import pytest

from course_utils.wer import AlignedWord, align_words, normalize, show_alignment, summarize, units, word_error_rate


def test_english_normalizer_forgives_case_punctuation_spelling_contractions_and_numbers():
    assert normalize("Daisy, Daisy! Give me your answer, do.") == "daisy daisy give me your answer do"
    assert normalize("I'm half crazy") == normalize("I am half crazy") == "i am half crazy"
    assert normalize("the colour of twenty dollars") == normalize("the color of $20") == "the color of $20"
    assert normalize("[Music] um la la ♪") == "la la"  # brackets, fillers and symbols dropped
    assert normalize("I love you...") == "i love you"  # Whisper's normalizer alone would leave a "." word


def test_other_languages_keep_their_letters_and_character_languages_lose_spaces():
    assert normalize("Ça va, très bien!", "fr") == "ça va très bien"
    assert normalize("さくら さくら、弥生の空は", "ja") == "さくらさくら弥生の空は"
    assert units("さくら 空", "ja") == ["さ", "く", "ら", "空"]
    assert units("Ça va", "fr") == ["ça", "va"]


def test_counts_of_one_substitution_deletion_and_insertion():
    result = word_error_rate("today the cat sat on the mat", "the bat sat on the mat now")
    assert (result.substitutions, result.deletions, result.insertions, result.hits) == (1, 1, 1, 5)
    assert result.reference_words == 7
    assert result.wer == pytest.approx(3 / 7)
    assert summarize(result) == "WER 42.9% (S 1, D 1, I 1 of 7 words)"


def test_normalization_makes_a_differently_written_transcript_perfect():
    assert word_error_rate("Mr. Smith isn't here!", "mister smith is not here").wer == 0


def test_wer_can_exceed_one_when_the_model_adds_words():
    result = word_error_rate("la la", "la la la la la la")
    assert (result.insertions, result.wer) == (4, 2.0)


def test_empty_hypothesis_is_all_deletions_and_empty_reference_is_an_error():
    assert word_error_rate("hello there", "").deletions == 2
    with pytest.raises(ValueError, match="empty once normalized"):
        word_error_rate("[Music]", "hello")


def test_japanese_is_scored_per_character():
    result = word_error_rate("さくら さくら", "さくらさくな", "ja")
    assert result.unit == "character"
    assert (result.substitutions, result.reference_words) == (1, 6)
    assert summarize(result).startswith("CER 16.7%")


def test_alignment_marks_each_error_and_fills_gaps():
    columns = align_words("today the cat sat on the mat", "the bat sat on the mat now")
    assert [c.operation for c in columns] == ["D", "", "S", "", "", "", "", "I"]
    assert columns[0] == AlignedWord("today", "*", "D")
    assert columns[2] == AlignedWord("cat", "bat", "S")
    assert columns[7] == AlignedWord("*", "now", "I")


def test_show_alignment_lines_up_rows_and_wraps():
    assert show_alignment("the cat sat", "the bat sat down").splitlines() == [
        "REF: the cat sat *",
        "HYP: the bat sat down",
        "         S       I",
    ]
    wrapped = show_alignment("daisy give me your answer do", "daisy give me your answer do", width=20)
    assert [line for line in wrapped.splitlines() if line.startswith("REF:")] == [
        "REF: daisy give me",
        "REF: your answer do",
    ]
