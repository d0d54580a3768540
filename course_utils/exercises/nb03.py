"""Checks for the exercises of notebooks/03_language_and_decoding.ipynb."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import whisper
import whisper.utils
from whisper.tokenizer import get_tokenizer


def _correct(text: str = "") -> None:
    print(f"Correct! {text}".strip())


def _hint(text: str) -> None:
    print(f"Not yet. {text}")


def check_translate_options(options: whisper.DecodingOptions | None) -> None:
    """Exercise 1: options that translate French audio into English text, without timestamps, greedily."""
    if not isinstance(options, whisper.DecodingOptions):
        return _hint("Set `options = whisper.DecodingOptions(...)` with the right keyword arguments.")
    if options.task != "translate":
        return _hint("Which `task` turns speech in any language into English text?")
    if options.language != "fr":
        return _hint('Say the audio\'s language with its code: `language="fr"` (else it is detected).')
    if not options.without_timestamps:
        return _hint("No timestamps: `without_timestamps=True` (the decoder then starts with <|notimestamps|>).")
    if options.temperature != 0 or options.best_of is not None:
        return _hint("Keep it greedy and repeatable: `temperature=0` and no `best_of`.")
    _correct("The decoder starts with <|startoftranscript|><|fr|><|translate|><|notimestamps|>.")


def check_start_tokens(tokens: Sequence[int | str] | None) -> None:
    """Exercise 2: the tokens ``base`` starts from to translate Italian without timestamps (ids or names)."""
    tokenizer = get_tokenizer(True, num_languages=99, language="it", task="translate")
    expected_ids = list(tokenizer.sot_sequence_including_notimestamps)
    expected_names = [tokenizer.decode_with_timestamps([token]) for token in expected_ids]
    if not tokens:
        return _hint('Give a list of token names such as "<|startoftranscript|>", or their ids.')
    got = [tokenizer.decode_with_timestamps([token]) if isinstance(token, int) else token for token in tokens]
    if got == expected_names:
        return _correct(f"As ids: {expected_ids}.")
    if got[: len(expected_names) - 1] == expected_names[:-1]:
        return _hint("Nearly: without timestamps, one more special token follows the task.")
    if "<|transcribe|>" in got:
        return _hint("The task here is translation, so its token is <|translate|>.")
    return _hint("Start from `tokenizer.sot_sequence` for language \"it\" and task \"translate\": in what order "
                 "do start of transcript, language and task come?")  # fmt: skip


COMPRESSION_CASES = [
    "And so my fellow Americans, ask not what your country can do for you.",
    "happy birthday to you " * 20,
    "Подключение к демонстрационному серверу не осуществилось.",  # not ASCII: count bytes, not characters
    "a",
]


def check_compression_ratio(compression_ratio: Callable[[str], float]) -> None:
    """Exercise 3: the gzip compression ratio of a text, as ``whisper.utils.compression_ratio`` computes it."""
    for text in COMPRESSION_CASES:
        try:
            got = compression_ratio(text)
        except Exception as error:  # noqa: BLE001 (the learner's code: any failure becomes a hint)
            return _hint(f"Your function raised {type(error).__name__}: {error}")
        expected = whisper.utils.compression_ratio(text)
        if got is None:
            return _hint("Your function returns None: return the ratio, a number.")
        if abs(got - 1 / expected) < 1e-9:
            return _hint("Upside down: divide the original length by the compressed length.")
        if abs(got - expected) > 1e-9:
            if len(text.encode()) != len(text):
                return _hint('Count bytes, not characters: `text.encode("utf-8")` (Cyrillic takes 2 bytes a letter).')
            return _hint('Compute `len(data) / len(zlib.compress(data))` with `data = text.encode("utf-8")`.')
    _correct("Repetitive text compresses far better, which is how transcribe spots a decoding loop.")
