"""Transcribe with the kit's defaults: fp16 only on a GPU, clear errors for bad audio.

Taught in notebooks/00_first_transcript.ipynb, where ``model.transcribe`` is first called by hand.
"""

from __future__ import annotations

import os

import numpy as np
import whisper

from .audio import load_audio
from .models import use_fp16


def transcribe(model: whisper.Whisper, audio: str | os.PathLike | np.ndarray, **options) -> dict:
    """``model.transcribe(audio, **options)``, with half precision only on a GPU and audio via :func:`load_audio`.

    Returns Whisper's result: ``text``, ``segments`` (start and end in seconds) and ``language``.
    """
    options.setdefault("fp16", use_fp16(model))
    return model.transcribe(load_audio(audio), **options)
