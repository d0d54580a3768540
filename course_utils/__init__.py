"""Whisper Lab's helpers: small functions that keep the course's notebooks short.

Each function is taught inline in one notebook first (its docstring says which), then used from here.
"""

from .audio import SAMPLE_RATE, duration, ensure_ffmpeg_on_path, load_audio, play, plot_waveform, resample, save_wav
from .data import Clip, clip, clips, read_manifest
from .models import OfflineModelError, default_device, is_online, load_model, use_fp16
from .transcribe import transcribe

SPEAKER_NAMES = ("Turn", "label_words", "who_spoke")  # notebook 12's, from course_utils.speakers when first used


def __getattr__(name: str):
    """``cu.who_spoke``, ``cu.label_words`` and ``cu.Turn`` (course_utils.speakers), imported when first used, so
    that ``import course_utils`` still loads the core alone."""
    if name in SPEAKER_NAMES:
        from . import speakers

        return getattr(speakers, name)
    raise AttributeError(f"module 'course_utils' has no attribute '{name}'")


ensure_ffmpeg_on_path()  # so that whisper's own load_audio and the `whisper` command work without a system ffmpeg

__all__ = [
    "SAMPLE_RATE",
    "Clip",
    "OfflineModelError",
    "clip",
    "clips",
    "default_device",
    "duration",
    "ensure_ffmpeg_on_path",
    "is_online",
    "load_audio",
    "load_model",
    "play",
    "plot_waveform",
    "read_manifest",
    "resample",
    "save_wav",
    "transcribe",
    "use_fp16",
]
