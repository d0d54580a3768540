"""Audio in and out: decode any file the way Whisper does, resample, play, plot, save.

Taught in notebooks/00_first_transcript.ipynb (loading and playing) and 01_record_audio.ipynb (recording).
"""

from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import subprocess
import sys
import warnings
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .models import CACHE_ENV, offline_cache_dir

SAMPLE_RATE = 16_000  # Hz: the rate every Whisper model expects
SUPPORTED_HINT = "Use a WAV, FLAC, MP3, OGG, M4A or WebM file."


def ffmpeg_exe() -> str:
    """Path of an ffmpeg binary: the system's if installed, else the one the pip package imageio-ffmpeg ships."""
    system = shutil.which("ffmpeg")
    if system and Path(system).parent != ffmpeg_link_folder():  # the course's own link is not the system's
        return system
    try:
        import imageio_ffmpeg
    except ImportError:
        raise RuntimeError(
            "ffmpeg was not found. Install it (`pip install imageio-ffmpeg`, or your system's ffmpeg package: "
            "`apt-get install ffmpeg`, `brew install ffmpeg`, `winget install ffmpeg`)."
        ) from None
    return imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg_link_folder() -> Path:
    """The folder of this Python environment's ``ffmpeg`` link: one per environment in the course's cache
    (``WHISPER_LAB_CACHE``), so that two environments never point each other's link at their own binary."""
    environment = hashlib.sha256(os.path.realpath(sys.prefix).encode()).hexdigest()[:12]
    return offline_cache_dir() / "bin" / environment


def ensure_ffmpeg_on_path() -> str:
    """Make ``ffmpeg`` callable by name, as ``whisper.load_audio`` and the ``whisper`` command need.

    Without a system ffmpeg, a link named ``ffmpeg`` to imageio-ffmpeg's binary is put in
    :func:`ffmpeg_link_folder`, which is added to ``PATH`` for this process and the programs it starts. A link
    that is broken or points at another binary (an old environment, an upgraded imageio-ffmpeg) is replaced.
    When the cache cannot be written, a warning says so and nothing is linked. Returns the binary's path.
    """
    exe = ffmpeg_exe()
    if exe == shutil.which("ffmpeg"):  # the system's ffmpeg
        return exe
    folder = ffmpeg_link_folder()
    link = folder / ("ffmpeg.exe" if os.name == "nt" else "ffmpeg")
    try:
        if not _is_link_to(link, exe):
            folder.mkdir(parents=True, exist_ok=True)
            _replace_link(link, exe)
    except OSError as error:
        warnings.warn(
            f"Could not link ffmpeg into {folder} ({error}): `whisper` may not find ffmpeg. Set "
            f"{CACHE_ENV} to a writable folder, or install your system's ffmpeg.",
            stacklevel=2,
        )
        return exe
    if str(folder) not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"
    return exe


def _is_link_to(link: Path, exe: str) -> bool:
    """Whether ``link`` is a working link to ``exe`` (or, where symlinks are not allowed, a copy of it)."""
    try:
        return os.path.samefile(link, exe) if link.is_symlink() else filecmp.cmp(link, exe)
    except OSError:  # no link yet, or one whose target is gone
        return False


def _replace_link(link: Path, exe: str) -> None:
    """Point ``link`` at ``exe`` in one step, so that kernels starting at the same time never see it half made."""
    new = link.with_name(f"{link.name}.{os.getpid()}.new")
    new.unlink(missing_ok=True)
    try:
        new.symlink_to(exe)
    except OSError:  # no symlinks allowed (Windows without developer mode)
        shutil.copy2(exe, new)
    os.replace(new, link)


def load_audio(source: str | os.PathLike | np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Mono float32 samples in [-1, 1] at ``sr`` Hz, from an audio file or an array.

    A file is decoded by ffmpeg exactly as ``whisper.load_audio`` does (16-bit, downmixed, resampled). An
    array is taken to be at ``sr`` already (see :func:`resample` otherwise); int16 arrays are scaled.
    """
    if isinstance(source, np.ndarray):
        return _as_float_mono(source)
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"No such audio file: {path}. Check the path (bundled clips: course_utils.clips()).")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not an audio file.")
    if path.stat().st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes): record or download it again.")
    result = _run_ffmpeg(path, sr)
    if result.returncode != 0:
        reason = result.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no reason given"]
        raise ValueError(f"{path} is not audio that ffmpeg can decode (ffmpeg: {reason[0]}). {SUPPORTED_HINT}")
    audio = _samples(result)
    if audio.size == 0:
        raise ValueError(f"{path} holds no audio samples (a video without sound?). {SUPPORTED_HINT}")
    return audio


def _as_float_mono(audio: np.ndarray) -> np.ndarray:
    if audio.ndim == 2:  # (samples, channels) or (channels, samples): average the channels
        audio = audio.mean(axis=int(np.argmin(audio.shape)))
    if audio.ndim != 1:
        raise ValueError(f"Expected a 1-D array of samples, got shape {audio.shape}.")
    if audio.dtype == np.int16:
        return audio.astype(np.float32) / 32768.0
    if not np.issubdtype(audio.dtype, np.floating):
        raise ValueError(f"Expected float or int16 samples, got {audio.dtype}.")
    if audio.size and not np.isfinite(audio).all():
        raise ValueError("The array holds NaN or infinite samples.")
    return audio.astype(np.float32, copy=False)


def resample(audio: np.ndarray, orig_sr: int, target_sr: int = SAMPLE_RATE) -> np.ndarray:
    """``audio`` sampled at ``orig_sr`` Hz, resampled to ``target_sr`` Hz (high-quality soxr resampler)."""
    import soxr

    audio = _as_float_mono(audio)
    if orig_sr == target_sr:
        return audio
    return soxr.resample(audio, orig_sr, target_sr).astype(np.float32)


def duration(audio: np.ndarray, sr: int = SAMPLE_RATE) -> float:
    """Length of ``audio`` in seconds."""
    return len(audio) / sr


PLAYER_BITRATE = "32k"  # bits per second of the MP3 a notebook's player embeds: speech stays clear, 4 KB a second


def play(audio: np.ndarray, sr: int = SAMPLE_RATE):
    """A player for the notebook (an ``IPython.display.Audio``), at the clip's own loudness.

    ``audio`` is float samples in [-1, 1] at ``sr`` Hz. The player embeds an MP3 at ``PLAYER_BITRATE`` made by
    ffmpeg: at 16 kHz, an eighth of the 16-bit WAV a plain ``IPython.display.Audio`` keeps in the saved notebook.
    """
    from IPython.display import Audio

    pcm = (np.clip(_as_float_mono(audio), -1, 1) * 32767).astype("<i2").tobytes()
    command = [
        ffmpeg_exe(),
        "-nostdin",
        "-f",
        "s16le",
        "-ar",
        str(sr),
        "-ac",
        "1",
        "-i",
        "-",
        "-b:a",
        PLAYER_BITRATE,
        "-f",
        "mp3",
        "-",
    ]
    mp3 = subprocess.run(command, input=pcm, capture_output=True, check=True).stdout
    player = Audio(data=mp3)
    player.mimetype = "audio/mpeg"  # IPython takes bytes for WAV
    return player


def plot_waveform(audio: np.ndarray, sr: int = SAMPLE_RATE, title: str = "Waveform", ax=None):
    """Plot amplitude against time in seconds; returns the matplotlib axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 2.5), layout="constrained")
    ax.plot(np.arange(len(audio)) / sr, audio, linewidth=0.5)
    ax.set(title=title, xlabel="time (s)", ylabel="amplitude", xlim=(0, max(len(audio) / sr, 1 / sr)), ylim=(-1, 1))
    return ax


def save_wav(path: str | os.PathLike, audio: np.ndarray, sr: int = SAMPLE_RATE) -> Path:
    """Write ``audio`` (float in [-1, 1]) as a 16-bit mono WAV file; returns the path."""
    samples = (np.clip(_as_float_mono(audio), -1, 1) * 32767).astype("<i2")
    path = Path(path)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sr)
        out.writeframes(samples.tobytes())
    return path


def load_audio_piece(path: str | os.PathLike, start_s: float, duration_s: float, sr: int = SAMPLE_RATE) -> np.ndarray:
    """``duration_s`` seconds of the audio file ``path`` from ``start_s`` seconds on, decoded as :func:`load_audio`
    does: fewer samples where the file ends sooner, none past its end.

    Reading a long recording piece by piece keeps memory small: ``course_utils.transcribe`` does this for audio
    over 10 minutes (taught with ``load_audio`` in notebooks/00_first_transcript.ipynb).
    """
    seek = ["-ss", str(start_s)] if start_s else []  # before -i: seek in the file, not decode all that comes before
    result = _run_ffmpeg(path, sr, [*seek, "-t", str(duration_s)])
    if result.returncode != 0:
        load_audio(path)  # raises load_audio's clear error: no such file, a folder, 0 bytes, not audio
        raise ValueError(f"ffmpeg could not read {path} from {start_s} s on. {SUPPORTED_HINT}")
    return _samples(result)


def _run_ffmpeg(path: str | os.PathLike, sr: int, before_input: Sequence[str] = ()) -> subprocess.CompletedProcess:
    """Decode ``path`` with ffmpeg as ``whisper.load_audio`` does: 16-bit mono PCM at ``sr`` Hz on stdout."""
    command = [
        ffmpeg_exe(),
        "-nostdin",
        "-threads",
        "0",
        *before_input,
        "-i",
        str(path),
        "-f",
        "s16le",
        "-ac",
        "1",
        "-acodec",
        "pcm_s16le",
        "-ar",
        str(sr),
        "-",
    ]
    return subprocess.run(command, capture_output=True)


def _samples(result: subprocess.CompletedProcess) -> np.ndarray:
    """ffmpeg's 16-bit PCM output as float32 samples in [-1, 1]."""
    return np.frombuffer(result.stdout, np.int16).astype(np.float32) / 32768.0
