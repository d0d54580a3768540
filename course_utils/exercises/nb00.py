"""Checks for the exercises of notebooks/00_first_transcript.ipynb."""

from __future__ import annotations

from typing import Callable

from ..data import clip
from ..wer import word_error_rate

MAX_WER = 0.2  # a transcript this close to the reference counts as right


def _srt_time(seconds: float) -> str:
    milliseconds = round(seconds * 1000)
    hours, milliseconds = divmod(milliseconds, 3_600_000)
    minutes, milliseconds = divmod(milliseconds, 60_000)
    seconds, milliseconds = divmod(milliseconds, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d},{milliseconds:03d}"


def check_srt_time(srt_time: Callable[[float], str]) -> None:
    for seconds in (0.0, 3.5, 59.999, 61.25, 3725.042):
        expected, got = _srt_time(seconds), srt_time(seconds)
        if got != expected:
            print(f"Not yet: srt_time({seconds}) gave {got!r}, expected {expected!r}. Hint: divmod by 3600, 60, 1.")
            return
    print("Correct! That is how whisper.utils formats SRT times.")


def check_librivox_transcript(text: str) -> None:
    if not text.strip():
        print("Not yet: transcribe cu.clip('librivox_1').path with cu.transcribe(model, ...) and pass ['text'].")
        return
    error = word_error_rate(clip("librivox_1").transcript, text).wer
    if error <= MAX_WER:
        print(f"Correct! Word error rate against the reference: {error:.0%}.")
    else:
        print(f"Not yet: word error rate {error:.0%}. Did you transcribe librivox_1 (not another clip)?")
