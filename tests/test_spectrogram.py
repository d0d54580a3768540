"""course_utils.spectrogram: the step-by-step log-Mel pipeline against Whisper's and librosa's, and its plots."""

import librosa
import matplotlib
import numpy as np
import pytest
import torch
import whisper

from course_utils import SAMPLE_RATE
from course_utils.spectrogram import (
    DYNAMIC_RANGE,
    HOP_LENGTH,
    N_FFT,
    N_FRAMES,
    N_FREQUENCIES,
    frequencies,
    log_mel_spectrogram_steps,
    mel_filterbank,
    plot_log_mel,
    plot_mel_filterbank,
    stft_magnitudes,
)

matplotlib.use("Agg")
TOLERANCE = 1e-4  # float64 NumPy against float32 PyTorch: about 2e-5 in practice


@pytest.fixture(scope="module")
def audio() -> np.ndarray:
    """Seven seconds of a rising tone over soft noise, then silence: speech-like range, no file needed."""
    t = np.arange(7 * SAMPLE_RATE) / SAMPLE_RATE
    tone = 0.3 * np.sin(2 * np.pi * (200 * t + 150 * t**2)) * (t < 5)
    noise = 0.01 * np.random.default_rng(0).standard_normal(t.size)
    return (tone + noise).astype(np.float32)


def test_constants_are_whispers() -> None:
    assert (N_FFT, HOP_LENGTH, N_FRAMES, N_FREQUENCIES) == (400, 160, 3000, 201)
    assert frequencies()[[0, 1, -1]].tolist() == [0.0, 40.0, 8000.0]


def test_stft_matches_torch(audio: np.ndarray) -> None:
    expected = (
        torch.stft(torch.from_numpy(audio), N_FFT, HOP_LENGTH, window=torch.hann_window(N_FFT), return_complex=True)[
            ..., :-1
        ].abs()
        ** 2
    )
    power = stft_magnitudes(audio)
    assert power.shape == (N_FREQUENCIES, len(audio) // HOP_LENGTH)
    assert np.abs(power - expected.numpy()).max() < TOLERANCE * power.max()


@pytest.mark.parametrize("n_mels", [80, 128])
def test_steps_match_whisper_padded(audio: np.ndarray, n_mels: int) -> None:
    steps = log_mel_spectrogram_steps(audio, n_mels)
    expected = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), n_mels).numpy()
    assert steps.padded.shape == (whisper.audio.N_SAMPLES,)
    assert steps.scaled.shape == expected.shape == (n_mels, N_FRAMES)
    assert np.abs(steps.scaled - expected).max() < TOLERANCE


def test_steps_match_whisper_unpadded_and_trimmed(audio: np.ndarray) -> None:
    steps = log_mel_spectrogram_steps(audio, pad=False)
    assert steps.scaled.shape == (80, len(audio) // HOP_LENGTH)
    assert np.abs(steps.scaled - whisper.log_mel_spectrogram(audio).numpy()).max() < TOLERANCE
    long = np.tile(audio, 5)  # 35 s: trimmed to 30 s
    assert log_mel_spectrogram_steps(long).scaled.shape == (80, N_FRAMES)


def test_steps_clamp_and_scale(audio: np.ndarray) -> None:
    steps = log_mel_spectrogram_steps(audio)
    assert steps.power.shape == (N_FREQUENCIES, N_FRAMES) and steps.mel.shape == (80, N_FRAMES)
    assert steps.clamped.max() - steps.clamped.min() == pytest.approx(DYNAMIC_RANGE)
    np.testing.assert_allclose(steps.scaled, (steps.clamped + 4) / 4)
    assert steps.log10.min() < steps.clamped.min()  # the padded silence was raised to the floor


def test_librosa_agrees_but_keeps_one_more_frame(audio: np.ndarray) -> None:
    power = librosa.feature.melspectrogram(
        y=audio,
        sr=SAMPLE_RATE,
        n_fft=N_FFT,
        hop_length=HOP_LENGTH,
        n_mels=80,
        htk=False,
        norm="slaney",
        power=2.0,
        center=True,
        pad_mode="reflect",
    )
    steps = log_mel_spectrogram_steps(audio, pad=False)
    assert power.shape == (80, steps.mel.shape[1] + 1)
    assert np.abs(power[:, :-1] - steps.mel).max() < TOLERANCE * steps.mel.max()


@pytest.mark.parametrize("n_mels", [80, 128])
def test_filterbank_is_librosas(n_mels: int) -> None:
    filters = mel_filterbank(n_mels)
    assert filters.shape == (n_mels, N_FREQUENCIES)
    np.testing.assert_array_equal(filters, librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=n_mels))


def test_bad_input_names_the_fix() -> None:
    with pytest.raises(ValueError, match="n_mels"):
        mel_filterbank(64)
    with pytest.raises(ValueError, match="pad_or_trim"):
        stft_magnitudes(np.zeros(100, np.float32))
    with pytest.raises(ValueError, match="1-D"):
        log_mel_spectrogram_steps(np.zeros((2, 16000), np.float32))
    with pytest.raises(ValueError, match="2-D"):
        plot_log_mel(np.zeros((1, 80, 3000)))


def test_plots_are_labelled(audio: np.ndarray) -> None:
    ax = plot_log_mel(whisper.log_mel_spectrogram(audio), title="Tone")
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Tone", "time (s)", "mel bin (of 80)")
    assert ax.get_xlim() == (0.0, 7.0) and len(ax.figure.axes) == 2  # the image and its colour bar
    ax = plot_mel_filterbank(128, every=4)
    assert len(ax.lines) == 32 and ax.get_xlabel() == "frequency (Hz)" and "128" in ax.get_title()
    matplotlib.pyplot.close("all")


def test_bundled_speech_matches_whisper() -> None:
    from course_utils import clip, load_audio

    audio = load_audio(clip("jfk").path)
    steps = log_mel_spectrogram_steps(audio)
    assert np.abs(steps.scaled - whisper.log_mel_spectrogram(whisper.pad_or_trim(audio)).numpy()).max() < 5e-5
