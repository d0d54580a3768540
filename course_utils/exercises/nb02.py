"""Checks for the exercises of notebooks/02_log_mel_spectrogram.ipynb."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..audio import SAMPLE_RATE
from ..spectrogram import DYNAMIC_RANGE, HOP_LENGTH, LOG_OFFSET, LOG_SCALE, frequencies, mel_filterbank

TELEPHONE_LIMIT_HZ = 4000  # an 8 kHz telephone recording holds nothing above half its rate


def _correct() -> None:
    print("Correct!")


def _hint(text: str) -> None:
    print(f"Not yet. {text}")


def check_frame_count(answer: int | None) -> None:
    """Exercise 1: frames of ``whisper.log_mel_spectrogram`` for 2.5 s of audio, not padded."""
    expected = round(2.5 * SAMPLE_RATE) // HOP_LENGTH
    if answer is None:
        return _hint("Set `answer` to a number. How many samples are 2.5 s at 16 kHz, and how many hops is that?")
    if answer == expected + 1:
        return _hint("Close: torch.stft gives one frame more, and Whisper drops the last one (`stft[..., :-1]`).")
    if answer != expected:
        return _hint(f"A frame starts every {HOP_LENGTH} samples (10 ms). Check with "
                     "`whisper.log_mel_spectrogram(np.zeros(40_000, np.float32)).shape`.")  # fmt: skip
    return _correct()


def _reference_clamp_and_scale(log_spec: np.ndarray) -> np.ndarray:
    clamped = np.maximum(log_spec, log_spec.max() - DYNAMIC_RANGE)
    return (clamped + LOG_OFFSET) / LOG_SCALE


def check_clamp_and_scale(clamp_and_scale: Callable[[np.ndarray], np.ndarray]) -> None:
    """Exercise 2: the last two steps, from log10 mel power to the encoder's input."""
    rng = np.random.default_rng(2)
    cases = [
        rng.uniform(-10, 2, size=(80, 50)),
        np.linspace(-12, 3, 128 * 10).reshape(128, 10),
        np.full((80, 3), -10.0),
    ]
    for log_spec in cases:
        try:
            got = np.asarray(clamp_and_scale(log_spec.copy()))
        except Exception as error:  # noqa: BLE001 (the learner's code: any failure becomes a hint)
            return _hint(f"Your function raised {type(error).__name__}: {error}")
        expected = _reference_clamp_and_scale(log_spec)
        if got.shape != expected.shape:
            return _hint(f"Keep the shape: got {got.shape} for an input of shape {log_spec.shape}.")
        if np.allclose(got, expected, atol=1e-6):
            continue
        if np.allclose(got, log_spec):
            return _hint("Your function returns its input unchanged: clamp to (max - 8), then scale.")
        if np.allclose(got, (log_spec + LOG_OFFSET) / LOG_SCALE):
            return _hint("The scaling is right; clamp first: nothing may lie more than 8 below the maximum.")
        return _hint("Use `np.maximum(log_spec, log_spec.max() - 8.0)`, then `(x + 4.0) / 4.0`.")
    return _correct()


def _telephone_bands(n_mels: int = 80) -> int:
    """How many of the ``n_mels`` mel bands lie wholly below 4 kHz."""
    above = frequencies() >= TELEPHONE_LIMIT_HZ
    return int(sum(not band[above].any() for band in mel_filterbank(n_mels)))


def check_telephone_bands(answer: int | None) -> None:
    """Exercise 3: mel bands a telephone recording (nothing above 4 kHz) can fill."""
    expected = _telephone_bands(80)
    if answer is None:
        return _hint("Set `answer` to a number: count the bands whose filter weights are all 0 from 4000 Hz up.")
    if answer == 80 - expected:
        return _hint("That is the number of bands that reach 4 kHz or above; count the others.")
    if answer != expected:
        return _hint("Try `filters = mel_filterbank(80)` and `above = frequencies() >= 4000`, then count the "
                     "bands for which `filters[band, above]` is all zeros.")  # fmt: skip
    return _correct()
