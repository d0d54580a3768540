"""Checks for the exercises of notebooks/01_record_audio.ipynb."""

from __future__ import annotations

import numpy as np

from ..audio import SAMPLE_RATE, resample
from .feedback import correct, not_yet

BROWSER_SR = 44_100  # Hz: headless Chromium's rate, and a common one for laptops
CHUNK_SR = 48_000  # Hz: the browser of exercise 3
CHUNKS = (37, 12_000, 4_800)  # exercise 3: 37 full chunks of 12000 samples (0.25 s), then a last one of 4800
RATIO_CLOSE = 1e-2  # exercise 2: an answer this near the factor was rounded too much


def check_samples(answer: int | None) -> None:
    """Exercise 1: samples in 3 s of audio at 16 kHz."""
    if answer is None:
        return not_yet("Set `answer` to a number: how many samples does Whisper's rate give per second?")
    if answer == 3 * BROWSER_SR:
        return not_yet("That is 3 s at the browser's 44.1 kHz; Whisper wants 16 kHz.")
    if answer != 3 * SAMPLE_RATE:
        return not_yet("Samples = seconds × sample rate (in Hz, that is samples per second).")
    return correct()


def check_resample_ratio(answer: float | None) -> None:
    """Exercise 2: the factor by which resampling 44.1 kHz to 16 kHz multiplies the number of samples."""
    expected = SAMPLE_RATE / BROWSER_SR
    if answer is None:
        return not_yet("Set `answer` to a number: new rate divided by old rate.")
    if abs(answer - 1 / expected) < 1e-3:
        return not_yet("Upside down: there are fewer samples after resampling, so the factor is below 1.")
    if abs(answer - expected) < 1e-6:
        return correct()
    if abs(answer - expected) < RATIO_CLOSE:
        return not_yet("Close, but rounded: let Python divide the two rates and keep all the digits.")
    return not_yet("Each second keeps 16000 of its 44100 samples: divide the two rates.")


def check_recording_length(seconds: float | None, samples: int | None) -> None:
    """Exercise 3: duration of 37 chunks of 12000 samples and one of 4800 at 48 kHz, and its samples at 16 kHz."""
    full, size, last = CHUNKS
    browser_samples = full * size + last
    if seconds is None or samples is None:
        return not_yet("Set both `seconds` and `samples`. First count the samples the browser sent.")
    if abs(seconds - (full + 1) * size / CHUNK_SR) < 1e-3:
        return not_yet(f"The last chunk is shorter: it holds {last} samples, not {size}.")
    if abs(seconds - full * size / CHUNK_SR) < 1e-3:
        return not_yet(f"Count the last chunk too: its {last} samples are part of the recording.")
    if abs(seconds - browser_samples / CHUNK_SR) > 1e-3:
        return not_yet(f"Seconds = samples the browser sent ÷ its rate ({CHUNK_SR} Hz).")
    if samples == browser_samples:
        return not_yet("That is the count at 48 kHz: at 16 kHz there is one sample where there were three.")
    if samples != len(resample(np.zeros(browser_samples, np.float32), CHUNK_SR)):
        return not_yet("Samples at 16 kHz = seconds × 16000.")
    return correct()
