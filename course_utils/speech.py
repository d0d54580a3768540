"""Where is somebody speaking? Silero VAD, a small trained voice activity detector shipped in the ``silero-vad`` pip
package (no download), finds the speech before Whisper hears it.

Taught in notebooks/08_hallucinations.ipynb: Whisper writes "you" over silence and "Thank you." over applause, so
the kit gives it only the stretches :func:`find_speech` finds (``cu.transcribe``, ``transcribe-batch``), and the
live loop (notebooks/05_live_transcription.ipynb) skips a pass when :class:`VoiceDetector` heard no speech.
"""

from __future__ import annotations

import bisect
import math

import numpy as np
import torch
from whisper.audio import FRAMES_PER_SECOND, HOP_LENGTH

from .audio import SAMPLE_RATE

VAD_FRAME = 512  # samples (32 ms at 16 kHz) that Silero VAD scores at a time
VAD_THRESHOLD = 0.5  # Silero VAD's own default: a frame whose speech probability is above this holds speech
VAD_PAD_S = 0.2  # seconds kept either side of what Silero VAD calls speech (a word's soft start and end)
VAD_JOIN_S = 3.0  # seconds: speech closer than this is one region (a pause between sentences keeps its context)
VAD_EDGE_S = 2.0  # seconds: speech this near the start (end) of the audio is taken from the start (to the end)

_VAD = None  # the detector find_speech uses, loaded once


def load_vad():
    """A fresh Silero VAD (its ONNX model, shipped inside the ``silero-vad`` pip package: no download).

    Each one keeps the state of the audio it scored, so a stream needs its own.
    """
    threads = torch.get_num_threads()  # importing silero_vad sets torch to one thread: keep the caller's setting
    from silero_vad import load_silero_vad

    model = load_silero_vad(onnx=True)
    torch.set_num_threads(threads)
    return model


def find_speech(audio: np.ndarray, pad_s: float = VAD_PAD_S, join_s: float = VAD_JOIN_S) -> list[tuple[float, float]]:
    """(start, end) in seconds of each stretch of ``audio`` (16 kHz float32) that Silero VAD calls speech.

    Each stretch is widened by ``pad_s`` on either side, stretches less than ``join_s`` apart are joined, and speech
    within ``VAD_EDGE_S`` of either end of the audio is taken to that end. Ends fall on whole mel frames (10 ms),
    never past the audio's last one: Whisper's ``clip_timestamps`` would loop forever on an empty window.
    """
    global _VAD
    if _VAD is None:
        _VAD = load_vad()  # imports silero_vad first, keeping torch's threads (the import below is then a lookup)
    from silero_vad import get_speech_timestamps

    samples = torch.from_numpy(np.ascontiguousarray(audio, np.float32))
    found = get_speech_timestamps(samples, _VAD, sampling_rate=SAMPLE_RATE)
    total_s = len(audio) // HOP_LENGTH / FRAMES_PER_SECOND
    regions: list[list[float]] = []
    for stretch in found:
        start = max(0.0, stretch["start"] / SAMPLE_RATE - pad_s)
        end = min(total_s, stretch["end"] / SAMPLE_RATE + pad_s)
        if regions and start - regions[-1][1] < join_s:
            regions[-1][1] = end
        else:
            regions.append([start, end])
    if regions and regions[0][0] < VAD_EDGE_S:
        regions[0][0] = 0.0  # Whisper then hears the same first frames as without VAD (the same words)
    if regions and total_s - regions[-1][1] < VAD_EDGE_S:
        regions[-1][1] = total_s
    return [(round(a, 2), math.floor(b * FRAMES_PER_SECOND) / FRAMES_PER_SECOND) for a, b in regions]


class VoiceDetector:
    """Silero VAD on audio as it arrives (the live pipeline's check, notebooks 05 and 08): :meth:`feed` it every
    chunk, then ask :meth:`heard_speech_since` whether speech came after a given sample. It scores each
    ``VAD_FRAME`` samples once, as they arrive, so a pass costs only the new audio's frames; :meth:`speech_from`
    says where speech began after a given sample."""

    def __init__(self, threshold: float = VAD_THRESHOLD) -> None:
        self.threshold = threshold
        self._model = load_vad()
        self._pending = np.zeros(0, np.float32)  # samples not yet scored (less than a frame)
        self.scored = 0  # samples scored so far
        self._speech_ends: list[int] = []  # samples: the end of every frame that held speech, in order

    def feed(self, chunk: np.ndarray) -> None:
        """Score the frames completed by ``chunk`` (16 kHz float32, the next samples of the stream)."""
        self._pending = np.concatenate([self._pending, np.asarray(chunk, np.float32)])
        frames = len(self._pending) // VAD_FRAME
        for i in range(frames):
            frame = torch.from_numpy(self._pending[i * VAD_FRAME : (i + 1) * VAD_FRAME])
            self.scored += VAD_FRAME
            if self._model(frame, SAMPLE_RATE).item() > self.threshold:
                self._speech_ends.append(self.scored)
        self._pending = self._pending[frames * VAD_FRAME :]

    @property
    def speech_until(self) -> int:
        """Sample (from the start of the stream) where the last frame that held speech ends; 0: none yet."""
        return self._speech_ends[-1] if self._speech_ends else 0

    def heard_speech_since(self, sample: int) -> bool:
        """Whether a frame ending after ``sample`` (counted from the start of the stream) held speech."""
        return self.speech_until > sample

    def speech_from(self, sample: int) -> int | None:
        """Where the first frame that held speech and ends after ``sample`` begins (a sample from the start of the
        stream; ``sample`` itself when speech was going on there), or None: no speech since."""
        i = bisect.bisect_right(self._speech_ends, sample)
        return max(self._speech_ends[i] - VAD_FRAME, sample) if i < len(self._speech_ends) else None
