"""Checks for the exercises of notebooks/03_language_and_decoding.ipynb."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import whisper
import whisper.utils
from whisper.tokenizer import get_tokenizer

from .feedback import correct, not_yet


def check_translate_options(options: whisper.DecodingOptions | None) -> None:
    """Exercise 1: options that translate French audio into English text, without timestamps, greedily."""
    if not isinstance(options, whisper.DecodingOptions):
        return not_yet("Set `options = whisper.DecodingOptions(...)` with the right keyword arguments.")
    if options.task != "translate":
        return not_yet("Which `task` turns speech in any language into English text?")
    if options.language != "fr":
        return not_yet('Say the audio\'s language with its code: `language="fr"` (else it is detected).')
    if not options.without_timestamps:
        return not_yet("No timestamps: `without_timestamps=True` (the decoder then starts with <|notimestamps|>).")
    if options.temperature != 0 or options.best_of is not None or options.beam_size is not None:
        return not_yet("Keep it greedy and repeatable: `temperature=0`, no `best_of` and no `beam_size`.")
    correct("The decoder starts with <|startoftranscript|><|fr|><|translate|><|notimestamps|>.")


def check_start_tokens(tokens: Sequence[int | str] | None) -> None:
    """Exercise 2: the tokens ``base`` starts from to translate Italian without timestamps (ids or names)."""
    tokenizer = get_tokenizer(multilingual=True, language="it", task="translate")  # base's 99 languages
    expected_ids = list(tokenizer.sot_sequence_including_notimestamps)
    expected_names = [tokenizer.decode_with_timestamps([token]) for token in expected_ids]
    if not tokens:
        return not_yet('Give a list of token names such as "<|startoftranscript|>", or their ids.')
    got = [token if isinstance(token, str) else tokenizer.decode_with_timestamps([int(token)]) for token in tokens]
    if got == expected_names:
        return correct(f"As ids: {expected_ids}.")
    if "<|transcribe|>" in got:
        return not_yet("The task here is translation, so its token is <|translate|>.")
    if sorted(got) == sorted(expected_names):
        return not_yet("The right tokens, in the wrong order: what does the decoder need to know first?")
    if got == expected_names[:-1]:
        return not_yet("Nearly: without timestamps, one more special token follows the task.")
    return not_yet(
        'Start from `tokenizer.sot_sequence` for language "it" and task "translate": in what order '
        "do start of transcript, language and task come?"
    )


COMPRESSION_CASES = [
    "And so my fellow Americans, ask not what your country can do for you.",
    "happy birthday to you " * 20,
    "Подключение к демонстрационному серверу не осуществилось.",  # not ASCII: count bytes, not characters
    "a",
]


def check_compression_ratio(compression_ratio: Callable[[str], float]) -> None:
    """Exercise 3: the zlib compression ratio of a text, as ``whisper.utils.compression_ratio`` computes it."""
    for text in COMPRESSION_CASES:
        try:
            got = compression_ratio(text)
        except Exception as error:  # noqa: BLE001 (the learner's code: any failure becomes a hint)
            return not_yet(f"Your function raised {type(error).__name__}: {error}")
        if got is None:
            return not_yet(
                "Your compression_ratio returns None: return a number, how many times smaller "
                "the text's bytes get when compressed."
            )
        expected = whisper.utils.compression_ratio(text)
        if abs(got - expected) < 1e-9:
            continue
        if abs(got - 1 / expected) < 1e-9:
            return not_yet("Upside down: divide the original length by the compressed length.")
        if len(text.encode()) != len(text):
            return not_yet('Count bytes, not characters: `text.encode("utf-8")` (Cyrillic takes 2 bytes a letter).')
        return not_yet(
            f"For {text[:30]!r}... you return {got:.3f}, not {expected:.3f}. Compare the lengths of "
            "the UTF-8 bytes before and after `zlib.compress`."
        )
    correct("Repetitive text compresses far better, which is how transcribe spots a decoding loop.")
