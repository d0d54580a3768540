"""Checks for the exercises of notebooks/00_first_transcript.ipynb."""

from __future__ import annotations

from collections.abc import Callable

from whisper.utils import format_timestamp

from ..data import clips
from ..wer import word_error_rate
from .feedback import correct, not_yet

MAX_WER = 0.2  # a transcript this close to the reference counts as right
TRANSCRIPT_CLIP = "librivox_1"  # exercise 2 transcribes this bundled clip
# Seconds to try: zero, a plain time, one whose milliseconds int() cuts wrongly (1.001 * 1000 = 1000.999...),
# one that rounds up to a whole minute, and one past an hour.
SRT_TIMES = (0.0, 3.5, 1.001, 59.9996, 3725.042)


def srt_time_of(seconds: float) -> str:
    """How an SRT file writes ``seconds``: ``hours:minutes:seconds,milliseconds``, as whisper.utils does."""
    return format_timestamp(seconds, always_include_hours=True, decimal_marker=",")


def _milliseconds(srt: str) -> int | None:
    """Milliseconds written in an SRT time, or None if it is not of the form ``hh:mm:ss,mmm``."""
    try:
        hours, minutes, rest = srt.split(":")
        seconds, milliseconds = rest.split(",")
        return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(milliseconds)
    except ValueError:
        return None


def check_srt_time(srt_time: Callable[[float], str]) -> None:
    """Exercise 1: ``srt_time(seconds)`` must give what an SRT file writes, e.g. ``"01:02:05,042"``."""
    try:
        answers = {seconds: srt_time(seconds) for seconds in SRT_TIMES}
    except Exception as error:  # noqa: BLE001 (the learner's code: any failure becomes a hint)
        return not_yet(f"srt_time raised {type(error).__name__}: {error}")
    if len(set(answers.values())) == 1:
        return not_yet(
            "srt_time gives the same text for every time. Work out the hours, minutes, seconds and "
            "milliseconds in `seconds`, then write them as `hh:mm:ss,mmm`."
        )
    for seconds, got in answers.items():
        expected = srt_time_of(seconds)
        if got == expected:
            continue
        if not isinstance(got, str):
            return not_yet(f"srt_time({seconds}) gave a {type(got).__name__}: return a string.")
        if got.replace(".", ",") == expected:
            return not_yet("SRT separates the milliseconds with a comma (VTT uses a dot).")
        written = _milliseconds(got)
        if written is not None and abs(written - round(seconds * 1000)) == 1:
            return not_yet(
                f"srt_time({seconds}) gave {got!r}, one millisecond off: round `seconds * 1000` to "
                "whole milliseconds, then split that (int() cuts 1000.999... to 1000)."
            )
        return not_yet(
            f"srt_time({seconds}) gave {got!r}, expected {expected!r}. Two digits for hours, minutes and "
            "seconds, three for milliseconds; divmod splits a count into two."
        )
    return correct("That is how whisper.utils writes SRT times (`format_timestamp`).")


def check_librivox_transcript(text: str) -> None:
    """Exercise 2: the transcript of the clip ``librivox_1``, within ``MAX_WER`` of its reference."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return not_yet(
            f"Set `my_text` to what Whisper hears in the clip {TRANSCRIPT_CLIP!r} "
            f"(its file is `cu.clip({TRANSCRIPT_CLIP!r}).path`)."
        )
    if isinstance(text, dict):
        return not_yet("That is the whole result of transcribe: pass its text, `result['text']`.")
    if not isinstance(text, str):
        return not_yet(f"Pass the transcript as a string, not a {type(text).__name__}.")
    errors = {other.id: word_error_rate(other.transcript, text).wer for other in clips(kind="speech", language="en")}
    error = errors[TRANSCRIPT_CLIP]
    if error <= MAX_WER:
        return correct(f"Word error rate against the reference: {error:.0%}.")
    closest = min(errors, key=errors.get)
    if errors[closest] <= MAX_WER:
        return not_yet(f"That is the transcript of the clip {closest!r}: transcribe {TRANSCRIPT_CLIP!r}.")
    return not_yet(
        f"Word error rate {error:.0%} against the reference of {TRANSCRIPT_CLIP!r}: did you transcribe "
        "the whole clip, with `model`?"
    )
