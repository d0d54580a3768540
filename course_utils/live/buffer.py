"""The live transcriber's audio buffer: trimmed as words are committed, with absolute sample offsets.

Taught in notebooks/05_live_transcription.ipynb ("A buffer that remembers where it is").
"""

from __future__ import annotations

import numpy as np

from ..audio import SAMPLE_RATE


class AudioBuffer:
    """The audio not yet committed, with absolute sample offsets so that trimming keeps exact accounting.

    ``start`` is the absolute index of the first sample held (how many were trimmed off the front), ``end``
    the absolute index one past the last (how many were ever received). Always ``end == start + len(held)``.
    """

    def __init__(self, sr: int = SAMPLE_RATE) -> None:
        self.sr = sr  # Hz
        self.start = 0  # samples trimmed so far = absolute index of the first sample held
        self._samples = np.zeros(0, np.float32)

    @property
    def end(self) -> int:
        """Samples received so far (absolute index one past the last sample held)."""
        return self.start + len(self._samples)

    @property
    def samples(self) -> np.ndarray:
        """The samples held, float32 (a read-only view)."""
        view = self._samples.view()
        view.flags.writeable = False
        return view

    @property
    def duration_s(self) -> float:
        """Seconds of audio held."""
        return len(self._samples) / self.sr

    @property
    def start_s(self) -> float:
        """Source time of the first sample held, in seconds."""
        return self.start / self.sr

    @property
    def end_s(self) -> float:
        """Source time one past the last sample held, in seconds."""
        return self.end / self.sr

    def append(self, chunk: np.ndarray) -> None:
        """Add ``chunk`` (1-D float samples at ``sr`` Hz) at the end."""
        chunk = np.asarray(chunk, dtype=np.float32)
        if chunk.ndim != 1:
            raise ValueError(f"A chunk must be 1-D samples, got shape {chunk.shape}.")
        self._samples = np.concatenate([self._samples, chunk])

    def trim_to(self, sample: int) -> int:
        """Drop the samples before absolute index ``sample``; returns how many were dropped.

        ``sample`` must lie within the buffer (``start <= sample <= end``): trimming never invents or skips audio.
        """
        if not self.start <= sample <= self.end:
            raise ValueError(
                f"Cannot trim to sample {sample}: the buffer holds samples {self.start} to {self.end}. "
                "Trim to a time inside the buffer."
            )
        dropped = sample - self.start
        self._samples = self._samples[dropped:]
        self.start = sample
        return dropped

    def trim_to_time(self, seconds: float) -> int:
        """Drop the audio before source time ``seconds``, clamped to the buffer; returns samples dropped."""
        return self.trim_to(min(max(round(seconds * self.sr), self.start), self.end))

    def __len__(self) -> int:
        return len(self._samples)

    def __repr__(self) -> str:
        return f"AudioBuffer(start={self.start}, end={self.end}, {self.duration_s:.2f} s held)"
