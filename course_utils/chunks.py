"""Put a recording's chunks together at 16 kHz as they arrive: in order, without gaps, duplicates or seams.

A browser records at its own rate (often 44100 or 48000 Hz) and sends chunks of about 0.25 s, each with a sequence
number: the recorder widget of notebooks/01_record_audio.ipynb and the captions server's speaker page
(notebooks/11_live_captions.ipynb) both use :class:`ChunkAssembler`.
"""

from __future__ import annotations

import numpy as np
import soxr

from .audio import SAMPLE_RATE


class ChunkGapError(ValueError):
    """A chunk arrived whose sequence number is past the next one expected: audio was lost on the way."""


class ChunkAssembler:
    """Puts one recording's chunks together at 16 kHz: in order, without gaps or duplicates, without seams.

    ``sample_rate`` is the browser's rate (Hz). Each :meth:`add` takes the chunk numbered ``seq`` (0, 1, 2, ...)
    and returns its samples resampled to ``target_sr`` Hz by one ``soxr.ResampleStream``, which keeps its
    state from chunk to chunk: the result is the same as resampling the whole recording at once. A chunk seen
    before is dropped (counted in ``duplicates``); a chunk past the next one expected raises
    :class:`ChunkGapError` and is not taken. :meth:`finish` flushes the resampler's last samples.
    """

    def __init__(self, sample_rate: int, target_sr: int = SAMPLE_RATE) -> None:
        if not (isinstance(sample_rate, (int, np.integer)) and sample_rate > 0):
            raise ValueError(f"sample_rate must be a positive whole number of Hz, got {sample_rate!r}.")
        self.sample_rate = int(sample_rate)  # Hz, of the chunks that come in
        self.target_sr = int(target_sr)  # Hz, of the chunks kept
        self.chunks: list[np.ndarray] = []  # the non-empty resampled chunks, in order
        self.next_seq = 0  # sequence number of the chunk expected next (= chunks taken so far)
        self.samples_in = 0  # samples taken at sample_rate
        self.duplicates = 0  # chunks dropped because they came twice
        self.finished = False
        same_rate = self.sample_rate == self.target_sr
        self._stream = None if same_rate else soxr.ResampleStream(self.sample_rate, self.target_sr, 1, dtype="float32")

    def add(self, seq: int, samples: np.ndarray, sample_rate: int | None = None) -> np.ndarray | None:
        """Take chunk ``seq``; returns its new samples at ``target_sr`` (maybe empty), or None for a duplicate."""
        if self.finished:
            raise RuntimeError("This recording is finished: start a new ChunkAssembler for the next one.")
        if sample_rate is not None and sample_rate != self.sample_rate:
            raise ValueError(
                f"Chunk {seq} is at {sample_rate} Hz but this recording is at {self.sample_rate} Hz: "
                "the sample rate cannot change within a recording."
            )
        if seq < self.next_seq:
            self.duplicates += 1
            return None
        if seq > self.next_seq:
            lost = f"chunk {self.next_seq}" if seq == self.next_seq + 1 else f"chunks {self.next_seq} to {seq - 1}"
            raise ChunkGapError(f"Chunk {seq} arrived but {lost} never did: the recording has a gap.")
        samples = np.asarray(samples)
        if samples.ndim != 1 or not np.issubdtype(samples.dtype, np.floating):
            raise ValueError(f"Chunk {seq} must be 1-D float samples, got {samples.dtype} of shape {samples.shape}.")
        samples = samples.astype(np.float32, copy=False)
        out = samples.copy() if self._stream is None else self._stream.resample_chunk(samples)
        self.next_seq += 1
        self.samples_in += samples.size
        return self._keep(out)

    def finish(self, total_chunks: int | None = None) -> np.ndarray:
        """End the recording; returns the resampler's last samples. ``total_chunks``: how many were sent."""
        if self.finished:
            return np.zeros(0, np.float32)
        if total_chunks is not None and total_chunks > self.next_seq:
            raise ChunkGapError(
                f"{total_chunks} chunks were sent but only {self.next_seq} arrived: the recording's end is missing."
            )
        self.finished = True
        if self._stream is None:
            return np.zeros(0, np.float32)
        return self._keep(self._stream.resample_chunk(np.zeros(0, np.float32), last=True))

    def _keep(self, out: np.ndarray) -> np.ndarray:
        out = out.astype(np.float32, copy=False)
        if out.size:
            self.chunks.append(out)
        return out

    def audio(self) -> np.ndarray:
        """Everything assembled so far, float32 at ``target_sr`` Hz."""
        return np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.float32)
