"""Checks for the exercises of notebooks/02_log_mel_spectrogram.ipynb."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import whisper

from ..audio import SAMPLE_RATE, load_audio
from ..data import clip
from ..spectrogram import DYNAMIC_RANGE, LOG_OFFSET, LOG_SCALE, frequencies, log_mel_spectrogram_steps, mel_filterbank
from .feedback import correct, judge_number, not_yet

FRAME_COUNT_SECONDS = 2.5  # exercise 1: audio this long, not padded
CLAMP_CLIPS = (("jfk", 80), ("prompt_en_1", 128))  # exercise 2: (clip, n_mels) whose steps the learner's code redoes
TELEPHONE_LIMIT_HZ = 4000  # exercise 3: an 8 kHz telephone recording holds nothing above half its rate


def check_frame_count(answer: int | None) -> None:
    """Exercise 1: frames of ``whisper.log_mel_spectrogram`` for 2.5 s of audio, not padded."""
    silence = np.zeros(round(FRAME_COUNT_SECONDS * SAMPLE_RATE), np.float32)
    expected = whisper.log_mel_spectrogram(silence).shape[-1]
    if answer is None:
        return not_yet("Set `answer` to a number. How many samples are 2.5 s at 16 kHz, and how many hops is that?")
    close = "Close: torch.stft gives one frame more, and Whisper drops the last one (`stft[..., :-1]`)."
    check = "`whisper.log_mel_spectrogram(np.zeros(40_000, np.float32)).shape`"
    judge_number(
        answer, expected, 0.5, "", [(expected + 1, close)], f"A frame starts every 160 samples (10 ms). {check}."
    )


def check_clamp_and_scale(clamp_and_scale: Callable[[np.ndarray], np.ndarray]) -> None:
    """Exercise 2: the last two steps, from log10 mel power to the encoder's input (``steps.scaled``)."""
    for clip_id, n_mels in CLAMP_CLIPS:
        steps = log_mel_spectrogram_steps(load_audio(clip(clip_id).path), n_mels)
        log_spec = steps.log10
        try:
            got = np.asarray(clamp_and_scale(log_spec.copy()))
        except Exception as error:  # noqa: BLE001 (the learner's code: any failure becomes a hint)
            return not_yet(f"Your function raised {type(error).__name__}: {error}")
        if got.shape != log_spec.shape:
            return not_yet(f"Keep the shape: got {got.shape} for an input of shape {log_spec.shape}.")
        if np.allclose(got, log_spec):
            return not_yet("Your function returns its input unchanged: clamp to 8 below the maximum, then scale.")
        if np.allclose(got, steps.scaled, atol=1e-6):
            continue
        if np.allclose(got, steps.clamped):
            return not_yet("The clamp is right; now scale: add 4, divide by 4.")
        if np.allclose(got, (log_spec + LOG_OFFSET) / LOG_SCALE):
            return not_yet("The scaling is right; clamp first: nothing may lie more than 8 below the maximum.")
        band_max = log_spec.max(axis=-1, keepdims=True)
        if np.allclose(got, (np.maximum(log_spec, band_max - DYNAMIC_RANGE) + LOG_OFFSET) / LOG_SCALE):
            return not_yet("Clamp to 8 below the maximum of the whole spectrogram, not of each band.")
        return not_yet(
            "Clamp: raise every value below (the largest value - 8) to that level. Then scale: add 4 and divide by 4."
        )
    return correct("These are the last two steps of whisper.log_mel_spectrogram.")


def _telephone_bands(n_mels: int = 80) -> int:
    """How many of the ``n_mels`` mel bands lie wholly below 4 kHz (no weight from 4000 Hz up)."""
    above = frequencies() >= TELEPHONE_LIMIT_HZ
    return int(sum(not band[above].any() for band in mel_filterbank(n_mels)))


def check_telephone_bands(answer: int | None) -> None:
    """Exercise 3: mel bands a telephone recording (nothing above 4 kHz) can fill."""
    expected = _telephone_bands(80)
    if answer is None:
        return not_yet("Set `answer` to a number: count the bands whose filter weights are all 0 from 4000 Hz up.")
    misses = [
        (80 - expected, "That is the number of bands that reach 4 kHz or above; count the others."),
        (expected + 1, "One too many: the FFT bin at exactly 4000 Hz counts as 4 kHz and up (`>=`, not `>`)."),
    ]
    otherwise = (
        "Try `filters = mel_filterbank(80)` and `above = frequencies() >= 4000`, then count the bands for which "
    )
    judge_number(answer, expected, 0.5, "", misses, otherwise + "`filters[band, above]` is all zeros.")
