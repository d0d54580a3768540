"""Whisper's own window-by-window loop, run on many stretches of speech at once: one batch through the encoder and
the decoder per step.

``model.transcribe`` decodes one 30 s window, keeps the segments it closed, and starts the next window where the
last closed segment ended (:func:`course_utils.segments.to_segments`); a window that fails its compression or
log-probability test is decoded again at the next temperature, and a silent one gives nothing. A batch needs windows
that do not wait on each other, so each recording is first cut into *streams*: stretches of speech (found by
Silero VAD) of at most ``STREAM_S`` seconds, cut at their quietest point (a pause). Every stream then runs Whisper's
loop, and each step decodes the next window of up to ``batch_size`` streams together. What a batch cannot keep is
the text of the window before as the next one's prompt (``whisper.decode`` takes one prompt for the whole batch).

Taught in notebooks/09_batch_transcription.ipynb; :func:`course_utils.transcribe.transcribe_batch` uses it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import whisper
from whisper.audio import FRAMES_PER_SECOND, HOP_LENGTH, N_FRAMES, N_SAMPLES

from .audio import SAMPLE_RATE
from .segments import TEMPERATURES, decoding_options, is_silent, needs_fallback, to_segments

STREAM_S = 600  # seconds: longer speech is cut at a pause into streams of at most this (memory, and batching)
SEARCH_S = 5.0  # seconds at the end of a full window searched for the quietest point to cut at
FRAME_S = 0.02  # seconds: the loudness of a frame this long decides where to cut
SAMPLING_SEED = 0  # each window sampled at a temperature above 0 starts from this seed: the same audio, the same text


def cut_points(audio: np.ndarray, longest: int = N_SAMPLES) -> list[int]:
    """The samples where pieces of ``audio`` of at most ``longest`` samples (30 s) start: 0, then each at the
    quietest ``FRAME_S`` frame of the last ``SEARCH_S`` seconds of a full piece, until what is left fits in one."""
    frame, search, starts = round(FRAME_S * SAMPLE_RATE), round(SEARCH_S * SAMPLE_RATE), [0]
    while len(audio) - starts[-1] > longest:
        end = starts[-1] + longest
        tail = audio[end - search : end]
        loudness = np.square(tail[: len(tail) // frame * frame].reshape(-1, frame)).mean(axis=1)
        starts.append(end - search + int(np.argmin(loudness)) * frame)
    return starts


@dataclass
class Stream:
    """One stretch of a recording decoded with Whisper's loop: ``mel`` is its log-Mel (30 s of zeros after it, as
    ``model.transcribe`` pads), ``frames`` its length in mel frames (10 ms), ``offset_s`` where it starts."""

    recording: str
    index: int  # the stream's place among its recording's streams
    offset_s: float
    mel: torch.Tensor
    frames: int
    language: str | None
    seek: int = 0  # frames decoded so far
    segments: list[dict] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.seek >= self.frames

    def window(self) -> torch.Tensor:
        """The next 30 s window of the log-Mel, from ``seek`` on."""
        return whisper.pad_or_trim(self.mel[:, self.seek : self.seek + self.window_frames], N_FRAMES)

    @property
    def window_frames(self) -> int:
        return min(N_FRAMES, self.frames - self.seek)


def cut_streams(recording: str, audio: np.ndarray, regions: list[tuple[float, float]], n_mels: int) -> list[Stream]:
    """The streams of ``audio`` (16 kHz): each region of speech ((start, end) in seconds), cut at its pauses into
    pieces of at most ``STREAM_S`` seconds (:func:`cut_points`)."""
    streams = []
    for start_s, end_s in regions:
        first, last = round(start_s * SAMPLE_RATE), round(end_s * SAMPLE_RATE)
        speech = audio[first:last]
        starts = cut_points(speech, STREAM_S * SAMPLE_RATE)
        for a, b in zip(starts, [*starts[1:], len(speech)]):
            mel = whisper.log_mel_spectrogram(torch.from_numpy(speech[a:b]), n_mels, padding=N_SAMPLES)
            offset_s = (first + a) / SAMPLE_RATE
            frames = min(round((b - a) / HOP_LENGTH), mel.shape[-1] - N_FRAMES)
            if frames > 0:
                streams.append(Stream(recording, len(streams), offset_s, mel, frames, None))
    return streams


def decode_with_fallback(
    model: whisper.Whisper, mels: torch.Tensor, language: str | None, task: str = "transcribe"
) -> list[whisper.DecodingResult]:
    """Decode a batch of windows (batch, n_mels, 3000) as ``model.transcribe`` decodes one: greedily, then each
    window that :func:`needs_fallback` again at the next of ``TEMPERATURES`` (sampling ``BEST_OF`` candidates)."""
    results: list[whisper.DecodingResult | None] = [None] * len(mels)
    todo = list(range(len(mels)))
    for temperature in TEMPERATURES:
        options = decoding_options(model, language, temperature, task)
        batch = mels[todo].to(model.device, torch.float16 if options.fp16 else torch.float32)
        with torch.no_grad():
            if temperature == 0:
                decoded = whisper.decode(model, batch, options)
            else:  # whisper.decode samples BEST_OF candidates of one window only: a batch of one
                decoded = [sample(model, window, options) for window in batch.split(1)]
        for i, result in zip(todo, decoded):
            results[i] = result
        todo = [i for i, result in zip(todo, decoded) if needs_fallback(result)]
        if not todo:
            break
    return results


def sample(model: whisper.Whisper, window: torch.Tensor, options: whisper.DecodingOptions) -> whisper.DecodingResult:
    """Decode one window (1, n_mels, 3000) at a temperature above 0, the random numbers seeded with
    ``SAMPLING_SEED`` (and the caller's random state given back after), so that a window's text does not depend on
    what was decoded before it."""
    devices = [window.device] if window.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(SAMPLING_SEED)
        return whisper.decode(model, window, options)[0]


def step(model: whisper.Whisper, streams: list[Stream], task: str = "transcribe") -> None:
    """Decode the next window of each of ``streams`` (all of one language) together, and move each on as
    ``model.transcribe`` would: past a silent window, or to the end of its last closed segment."""
    tokenizer = whisper.tokenizer.get_tokenizer(
        model.is_multilingual, num_languages=model.num_languages, language=streams[0].language, task=task
    )
    mels = torch.stack([s.window() for s in streams])
    for stream, result in zip(streams, decode_with_fallback(model, mels, streams[0].language, task)):
        frames = stream.window_frames
        if is_silent(result.no_speech_prob, result.avg_logprob):
            stream.seek += frames
            continue
        offset_s = stream.offset_s + stream.seek / FRAMES_PER_SECOND
        segments, used = to_segments(result, tokenizer, offset_s, frames)
        stream.segments += [s for s in segments if s["text"].strip() and s["end"] > s["start"]]
        stream.seek += max(used, 1)


def run_streams(
    model: whisper.Whisper, streams: Iterable[Stream], batch_size: int, task: str = "transcribe"
) -> Iterator[Stream]:
    """Run Whisper's loop on every stream, ``batch_size`` windows of one language per step; yields each stream once
    it is done. Takes streams from ``streams`` only as places in the batch free up, so memory holds about a batch."""
    waiting, active = iter(streams), []
    while True:
        while len(active) < batch_size and (stream := next(waiting, None)) is not None:
            active.append(stream)
        if not active:
            return
        language = active[0].language
        step(model, [s for s in active if s.language == language][:batch_size], task)
        yield from (s for s in active if s.done)
        active = [s for s in active if not s.done]
