"""Checks for the exercises of notebooks/01_record_audio.ipynb."""

from __future__ import annotations

from ..audio import SAMPLE_RATE

BROWSER_SR = 44_100  # Hz: headless Chromium's rate, and a common one for laptops
CHUNK_SR = 48_000  # Hz: the browser of exercise 3
CHUNKS = (37, 12_000, 5_000)  # exercise 3: 37 full chunks of 12000 samples, then a last one of 5000


def _correct() -> None:
    print("Correct!")


def _hint(text: str) -> None:
    print(f"Not yet. {text}")


def check_samples(answer: int | None) -> None:
    """Exercise 1: samples in 3 s of audio at 16 kHz."""
    expected = 3 * SAMPLE_RATE
    if answer is None:
        return _hint("Set `answer` to a number: how many samples does Whisper's rate give per second?")
    if answer == 3 * BROWSER_SR:
        return _hint("That is 3 s at the browser's 44.1 kHz; Whisper wants 16 kHz.")
    if answer != expected:
        return _hint("Samples = seconds × sample rate (in Hz, that is samples per second).")
    return _correct()


def check_resample_ratio(answer: float | None) -> None:
    """Exercise 2: the factor by which resampling 44.1 kHz to 16 kHz multiplies the number of samples."""
    expected = SAMPLE_RATE / BROWSER_SR
    if answer is None:
        return _hint("Set `answer` to a number: new rate divided by old rate.")
    if abs(answer - 1 / expected) < 1e-3:
        return _hint("Upside down: there are fewer samples after resampling, so the factor is below 1.")
    if abs(answer - expected) > 1e-4:
        return _hint("Each second keeps 16000 of its 44100 samples: divide the two rates.")
    return _correct()


def check_recording_length(seconds: float | None, samples: int | None) -> None:
    """Exercise 3: duration of 37 chunks of 12000 samples and one of 5000 at 48 kHz, and its samples at 16 kHz."""
    full, size, last = CHUNKS
    browser_samples = full * size + last
    expected_seconds = browser_samples / CHUNK_SR
    expected_samples = round(browser_samples * SAMPLE_RATE / CHUNK_SR)
    if seconds is None or samples is None:
        return _hint("Set both `seconds` and `samples`. First count the samples the browser sent.")
    if abs(seconds - (full + 1) * size / CHUNK_SR) < 1e-3:
        return _hint("The last chunk is shorter: it holds 5000 samples, not 12000.")
    if abs(seconds - expected_seconds) > 1e-3:
        return _hint(f"Seconds = samples the browser sent ÷ its rate ({CHUNK_SR} Hz).")
    if samples == browser_samples:
        return _hint("That is the count at 48 kHz: at 16 kHz there is one sample where there were three.")
    if abs(samples - expected_samples) > 1:
        return _hint("Samples at 16 kHz = seconds × 16000, rounded to a whole number.")
    return _correct()
