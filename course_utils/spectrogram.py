"""From samples to the log-Mel spectrogram a Whisper model sees, one step at a time, and how to plot it.

Taught in notebooks/02_log_mel_spectrogram.ipynb, where each step is written out inline first. The steps are
those of ``whisper.log_mel_spectrogram``: pad or trim to 30 s, short-time Fourier transform (power), Mel
filterbank, log10, clamp to (max - 8), scale. Here they run in NumPy (float64) so that every intermediate
array can be looked at; the result matches Whisper's float32 PyTorch version to about 1e-5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import whisper.audio

from .audio import SAMPLE_RATE

N_FFT = whisper.audio.N_FFT  # samples per STFT window: 400 (25 ms at 16 kHz)
HOP_LENGTH = whisper.audio.HOP_LENGTH  # samples between window starts: 160 (10 ms)
N_SAMPLES = whisper.audio.N_SAMPLES  # samples per model input: 480 000 (30 s)
N_FRAMES = whisper.audio.N_FRAMES  # spectrogram frames per model input: 3000 (one every 10 ms)
FRAMES_PER_SECOND = whisper.audio.FRAMES_PER_SECOND  # frames per second: 100
N_FREQUENCIES = N_FFT // 2 + 1  # FFT bins from 0 Hz to 8 kHz (the Nyquist frequency): 201, 40 Hz apart
MEL_SIZES = (80, 128)  # the mel-bin counts Whisper ships filterbanks for (model.dims.n_mels picks one)
POWER_FLOOR = 1e-10  # power below which values are floored before the log (-100 dB)
DYNAMIC_RANGE = 8.0  # log10 units kept below the loudest value: 8 decades = 80 dB
LOG_OFFSET = 4.0  # log10 units added, then divided by LOG_SCALE: (log10 + 4) / 4
LOG_SCALE = 4.0  # so the 8 decades kept span 2, about -0.5 to 1.5 for a clear recording


def frequencies() -> np.ndarray:
    """Centre frequency in Hz of each of the ``N_FREQUENCIES`` FFT bins (0, 40, 80, ... 8000 Hz)."""
    return np.fft.rfftfreq(N_FFT, d=1 / SAMPLE_RATE)


def hann_window(length: int = N_FFT) -> np.ndarray:
    """The periodic Hann window of ``length`` samples (``torch.hann_window``'s default), peak 1."""
    n = np.arange(length)
    return 0.5 - 0.5 * np.cos(2 * np.pi * n / length)


def stft_magnitudes(audio: np.ndarray) -> np.ndarray:
    """Power spectrogram ``|STFT|**2`` (Whisper's ``magnitudes``), shape (``N_FREQUENCIES``, frames): 10 ms frames.

    As ``torch.stft(center=True)`` does: the signal is reflect-padded by ``N_FFT // 2`` samples at both ends,
    cut into windows of ``N_FFT`` samples every ``HOP_LENGTH`` samples, each multiplied by a Hann window and
    Fourier-transformed. Like Whisper, the last frame is dropped, so ``n`` samples give ``n // HOP_LENGTH``
    frames (3000 for 30 s). ``audio`` is mono float samples at 16 kHz.
    """
    audio = _as_samples(audio)
    if len(audio) <= N_FFT // 2:
        raise ValueError(
            f"Need more than {N_FFT // 2} samples ({N_FFT // 2 / SAMPLE_RATE * 1000:.1f} ms) for reflect "
            f"padding, got {len(audio)}. Pad the audio first (whisper.pad_or_trim pads it to 30 s)."
        )
    padded = np.pad(audio.astype(np.float64), N_FFT // 2, mode="reflect")
    n_frames = 1 + (len(padded) - N_FFT) // HOP_LENGTH
    starts = HOP_LENGTH * np.arange(n_frames)
    frames = padded[starts[:, None] + np.arange(N_FFT)]  # (frames, N_FFT)
    spectrum = np.fft.rfft(frames * hann_window(), axis=1)  # (frames, N_FREQUENCIES), complex
    return (np.abs(spectrum) ** 2).T[:, :-1]


def mel_filterbank(n_mels: int = 80) -> np.ndarray:
    """Whisper's Mel filterbank, shape (``n_mels``, ``N_FREQUENCIES``): the weight of each FFT bin in each band.

    These are the filters Whisper ships (``whisper/assets/mel_filters.npz``), which are
    ``librosa.filters.mel(sr=16000, n_fft=400, n_mels=n_mels)``: triangles on the Slaney mel scale, each
    normalised to unit area ("slaney" norm). ``n_mels`` is 80 (most models) or 128 (large-v3, turbo).
    """
    if n_mels not in MEL_SIZES:
        raise ValueError(f"Whisper ships filterbanks for n_mels in {MEL_SIZES}, not {n_mels}: use model.dims.n_mels.")
    return whisper.audio.mel_filters("cpu", n_mels).numpy()


@dataclass(frozen=True)
class LogMelSteps:
    """Every intermediate array of the log-Mel pipeline (see :func:`log_mel_spectrogram_steps`)."""

    padded: np.ndarray  # samples, padded or trimmed to N_SAMPLES (30 s) unless pad=False
    power: np.ndarray  # (N_FREQUENCIES, frames): |STFT|**2
    mel: np.ndarray  # (n_mels, frames): power summed through the Mel filterbank
    log10: np.ndarray  # (n_mels, frames): log10 of max(mel, POWER_FLOOR)
    clamped: np.ndarray  # (n_mels, frames): log10, raised to at least (its max - DYNAMIC_RANGE)
    scaled: np.ndarray  # (n_mels, frames): (clamped + 4) / 4, what the encoder is fed


def log_mel_spectrogram_steps(audio: np.ndarray, n_mels: int = 80, pad: bool = True) -> LogMelSteps:
    """Whisper's log-Mel spectrogram of ``audio`` (mono float samples at 16 kHz), keeping every step.

    ``steps.scaled`` equals ``whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), n_mels)`` to about 1e-5
    (float64 here, float32 there). With ``pad=False`` the audio is used as it is, as
    ``whisper.log_mel_spectrogram(audio)`` does.
    """
    audio = _as_samples(audio)
    padded = whisper.audio.pad_or_trim(audio) if pad else audio
    power = stft_magnitudes(padded)
    mel = mel_filterbank(n_mels).astype(np.float64) @ power
    log10 = np.log10(np.maximum(mel, POWER_FLOOR))
    clamped = np.maximum(log10, log10.max() - DYNAMIC_RANGE)
    scaled = (clamped + LOG_OFFSET) / LOG_SCALE
    return LogMelSteps(padded=padded, power=power, mel=mel, log10=log10, clamped=clamped, scaled=scaled)


def plot_log_mel(mel, title: str = "Log-Mel spectrogram", ax=None, label: str = "scaled log10 power"):
    """Show a (n_mels, frames) spectrogram: time in seconds across, mel bin up, with a colour bar.

    ``mel`` is a NumPy array or a tensor, e.g. ``whisper.log_mel_spectrogram(audio)``. ``label`` names the
    colour bar's values. Returns the matplotlib axes.
    """
    import matplotlib.pyplot as plt

    mel = mel.detach().cpu().numpy() if isinstance(mel, torch.Tensor) else np.asarray(mel)
    if mel.ndim != 2:
        raise ValueError(f"Expected a 2-D (n_mels, frames) spectrogram, got shape {mel.shape}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3), layout="constrained")
    n_mels, n_frames = mel.shape
    image = ax.imshow(
        mel,
        origin="lower",
        aspect="auto",
        interpolation="nearest",
        cmap="magma",
        extent=(0, n_frames / FRAMES_PER_SECOND, 0, n_mels),
    )
    ax.set(title=title, xlabel="time (s)", ylabel=f"mel bin (of {n_mels})")
    ax.figure.colorbar(image, ax=ax, label=label)
    return ax


def plot_mel_filterbank(n_mels: int = 80, ax=None, every: int = 1):
    """Plot the triangles of Whisper's Mel filterbank: weight of each band against frequency in Hz.

    ``every`` draws only every n-th band, which keeps 128 bands readable. Returns the matplotlib axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3), layout="constrained")
    filters = mel_filterbank(n_mels)
    colours = plt.cm.viridis(np.linspace(0, 1, n_mels))
    for band in range(0, n_mels, every):
        ax.plot(frequencies(), filters[band], color=colours[band], linewidth=1)
    shown = "" if every == 1 else f", one band in {every} shown"
    ax.set(
        title=f"Whisper's {n_mels}-band Mel filterbank{shown}",
        xlabel="frequency (Hz)",
        ylabel="weight (slaney norm)",
        xlim=(0, SAMPLE_RATE / 2),
    )
    return ax


def _as_samples(audio) -> np.ndarray:
    audio = audio.detach().cpu().numpy() if isinstance(audio, torch.Tensor) else np.asarray(audio)
    if audio.ndim != 1:
        raise ValueError(f"Expected a 1-D array of 16 kHz samples, got shape {audio.shape} (use cu.load_audio).")
    return audio
