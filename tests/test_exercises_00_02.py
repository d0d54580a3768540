"""The checkers of notebooks 00, 01 and 02: the right answer passes; known-wrong answers and placeholders do not."""

from __future__ import annotations

import numpy as np
import pytest
import whisper
from checker_output import passes, printed

import course_utils as cu
from course_utils.exercises import nb00, nb01, nb02
from course_utils.exercises.feedback import NOT_YET

# Notebook 00, exercise 1: SRT times.


def srt_time_right(seconds: float) -> str:
    milliseconds = round(seconds * 1000)
    hours, milliseconds = divmod(milliseconds, 3_600_000)
    minutes, milliseconds = divmod(milliseconds, 60_000)
    seconds, milliseconds = divmod(milliseconds, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d},{milliseconds:03d}"


def srt_time_truncating(seconds: float) -> str:  # int() instead of round(): 1.001 s becomes 00:00:01,000
    milliseconds = int(seconds * 1000)
    return srt_time_right(milliseconds / 1000 + 1e-9)


def srt_time_rounding_last(seconds: float) -> str:  # splits the seconds first: 59.9996 s becomes 00:00:59,1000
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d},{round((seconds - whole) * 1000):03d}"


def srt_time_unwrapped_minutes(seconds: float) -> str:  # 3725 s written as 01:62:05
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def test_srt_time_examples_of_the_exercise_are_whispers() -> None:
    assert nb00.srt_time_of(3.5) == "00:00:03,500"
    assert nb00.srt_time_of(3725.042) == "01:02:05,042"
    assert nb00.srt_time_of(59.9996) == "00:01:00,000"


def test_srt_time_right_answer_passes(capsys: pytest.CaptureFixture) -> None:
    nb00.check_srt_time(srt_time_right)
    assert passes(capsys)


def test_srt_time_placeholder_gets_the_gentle_hint(capsys: pytest.CaptureFixture) -> None:
    nb00.check_srt_time(lambda seconds: "00:00:00,000")
    assert "same text for every time" in printed(capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (srt_time_truncating, "one millisecond off"),
        (srt_time_rounding_last, "expected '00:01:00,000'"),
        (srt_time_unwrapped_minutes, "expected '01:02:05,042'"),
        (lambda s: srt_time_right(s).replace(",", "."), "comma"),
        (lambda s: srt_time_right(s)[3:], "expected"),  # no hours
        (lambda s: None if s else "00:00:00,000", "return a string"),
        (lambda s: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_srt_time_wrong_answers_are_rejected(capsys: pytest.CaptureFixture, wrong, hint: str) -> None:
    nb00.check_srt_time(wrong)
    out = printed(capsys)
    assert out.startswith(NOT_YET) and hint in out


# Notebook 00, exercise 2: transcribe librivox_1.


def test_librivox_transcript_right_answer_passes(capsys: pytest.CaptureFixture) -> None:
    reference = cu.clip("librivox_1").transcript
    nb00.check_librivox_transcript(reference.upper().replace(",", ""))  # case and punctuation do not count
    assert passes(capsys)


def test_librivox_transcript_of_tiny_en_passes(capsys: pytest.CaptureFixture, tiny_en) -> None:
    text = cu.transcribe(tiny_en, cu.clip("librivox_1").path, temperature=0)["text"]
    nb00.check_librivox_transcript(text)
    assert passes(capsys)


@pytest.mark.parametrize("placeholder", ["", "   ", None])
def test_librivox_transcript_placeholder_gets_the_gentle_hint(capsys: pytest.CaptureFixture, placeholder) -> None:
    nb00.check_librivox_transcript(placeholder)
    assert "Set `my_text`" in printed(capsys)


def test_librivox_transcript_wrong_answers_are_rejected(capsys: pytest.CaptureFixture) -> None:
    nb00.check_librivox_transcript(cu.clip("jfk").transcript)
    assert "transcript of the clip 'jfk'" in printed(capsys)
    words = cu.clip("librivox_1").transcript.split()
    nb00.check_librivox_transcript(" ".join(words[: len(words) // 2]))  # half the clip
    assert printed(capsys).startswith(NOT_YET)
    nb00.check_librivox_transcript({"text": cu.clip("librivox_1").transcript})
    assert "result['text']" in printed(capsys)


# Notebook 01: counting samples, the resampling factor, a recording's length.


def test_samples_right_answer_passes(capsys: pytest.CaptureFixture) -> None:
    nb01.check_samples(48_000)
    assert passes(capsys)


@pytest.mark.parametrize(("wrong", "hint"), [(None, "Set `answer`"), (3 * 44_100, "44.1 kHz"), (47_999, "Samples =")])
def test_samples_wrong_answers_are_rejected(capsys: pytest.CaptureFixture, wrong, hint: str) -> None:
    nb01.check_samples(wrong)
    out = printed(capsys)
    assert out.startswith(NOT_YET) and hint in out


def test_resample_ratio_right_answer_passes(capsys: pytest.CaptureFixture) -> None:
    nb01.check_resample_ratio(16_000 / 44_100)
    assert passes(capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"), [(None, "Set `answer`"), (44_100 / 16_000, "Upside down"), (0.36, "rounded"), (0.5, "divide")]
)
def test_resample_ratio_wrong_answers_are_rejected(capsys: pytest.CaptureFixture, wrong, hint: str) -> None:
    nb01.check_resample_ratio(wrong)
    out = printed(capsys)
    assert out.startswith(NOT_YET) and hint in out


def test_recording_length_right_answer_passes(capsys: pytest.CaptureFixture) -> None:
    browser_samples = 37 * 12_000 + 4_800  # the exercise's chunks, at 48 kHz
    soxr_samples = len(cu.resample(np.zeros(browser_samples, np.float32), 48_000))
    nb01.check_recording_length(browser_samples / 48_000, soxr_samples)
    assert passes(capsys)
    assert soxr_samples == 149_600


@pytest.mark.parametrize(
    ("seconds", "samples", "hint"),
    [
        (None, None, "Set both"),
        (38 * 12_000 / 48_000, 152_000, "last chunk is shorter"),  # every chunk taken as full
        (37 * 12_000 / 48_000, 148_000, "Count the last chunk"),
        (448_800 / 44_100, 162_830, "÷ its rate"),  # the wrong browser rate
        (9.35, 448_800, "count at 48 kHz"),  # right seconds, samples not resampled
        (9.35, 149_601, "× 16000"),  # off by one
        (9.35, 149_599, "× 16000"),
    ],
)
def test_recording_length_wrong_answers_are_rejected(capsys: pytest.CaptureFixture, seconds, samples, hint) -> None:
    nb01.check_recording_length(seconds, samples)
    out = printed(capsys)
    assert out.startswith(NOT_YET) and hint in out


# Notebook 02: counting frames, clamp and scale, telephone bands.


def test_frame_count_right_answer_passes(capsys: pytest.CaptureFixture) -> None:
    nb02.check_frame_count(whisper.log_mel_spectrogram(np.zeros(40_000, np.float32)).shape[-1])
    assert passes(capsys)
    nb02.check_frame_count(250)
    assert passes(capsys)


@pytest.mark.parametrize(("wrong", "hint"), [(None, "Set `answer`"), (251, "drops the last one"), (249, "every 160")])
def test_frame_count_wrong_answers_are_rejected(capsys: pytest.CaptureFixture, wrong, hint: str) -> None:
    nb02.check_frame_count(wrong)
    out = printed(capsys)
    assert out.startswith(NOT_YET) and hint in out


def clamp_and_scale_right(log_spec: np.ndarray) -> np.ndarray:
    return (np.maximum(log_spec, log_spec.max() - 8) + 4) / 4


def test_clamp_and_scale_right_answer_passes(capsys: pytest.CaptureFixture) -> None:
    nb02.check_clamp_and_scale(clamp_and_scale_right)
    assert passes(capsys)


def test_clamp_and_scale_placeholder_gets_the_gentle_hint(capsys: pytest.CaptureFixture) -> None:
    nb02.check_clamp_and_scale(lambda log_spec: log_spec)
    assert "returns its input unchanged" in printed(capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x: np.maximum(x, x.max() - 8), "now scale"),
        (lambda x: (x + 4) / 4, "clamp first"),
        (lambda x: (np.maximum(x, x.max(axis=-1, keepdims=True) - 8) + 4) / 4, "not of each band"),
        (lambda x: (np.maximum(x, x.max() - 7) + 4) / 4, "Clamp: raise"),  # one decade off
        (lambda x: np.maximum((x + 4) / 4, x.max() - 8), "clamp first"),  # the steps swapped
        (lambda x: 4 / (np.maximum(x, x.max() - 8) + 4), "Clamp: raise"),  # upside down
        (lambda x: clamp_and_scale_right(x)[:, :-1], "Keep the shape"),
        (lambda x: x.nope, "AttributeError"),
    ],
)
def test_clamp_and_scale_wrong_answers_are_rejected(capsys: pytest.CaptureFixture, wrong, hint: str) -> None:
    nb02.check_clamp_and_scale(wrong)
    out = printed(capsys)
    assert out.startswith(NOT_YET) and hint in out


def telephone_bands_right() -> int:
    """Bands with no weight on the FFT bins from 4000 Hz up (bin 100, 40 Hz apart), from Whisper's own filters."""
    filters = whisper.audio.mel_filters("cpu", 80).numpy()
    return int((filters[:, 4000 // 40 :] == 0).all(axis=1).sum())


def test_telephone_bands_right_answer_passes(capsys: pytest.CaptureFixture) -> None:
    nb02.check_telephone_bands(telephone_bands_right())
    assert passes(capsys)


@pytest.mark.parametrize(
    ("offset", "hint"), [(1, "`>=`, not `>`"), (-1, "Try `filters"), (None, "Set `answer`"), ("rest", "reach 4 kHz")]
)
def test_telephone_bands_wrong_answers_are_rejected(capsys: pytest.CaptureFixture, offset, hint: str) -> None:
    right = telephone_bands_right()
    wrong = {None: None, "rest": 80 - right}.get(offset, right + offset if isinstance(offset, int) else None)
    nb02.check_telephone_bands(wrong)
    out = printed(capsys)
    assert out.startswith(NOT_YET) and hint in out
