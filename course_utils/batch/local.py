"""Batched decoding on this machine: windows from many recordings go through Whisper's encoder and decoder together.

Taught in notebooks/09_batch_transcription.ipynb. ``whisper.decode`` takes a batch of log-Mel windows of shape
(batch, n_mels, 3000); ``model.transcribe`` gives it one at a time. Here recordings are cut into windows
(:mod:`.windows`), ``batch_size`` windows at a time are encoded then decoded greedily with timestamps, and each
recording's result is given as soon as its last window is decoded, so memory holds about one batch and one
recording at a time.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import whisper

from ..audio import load_audio
from ..models import use_fp16
from .windows import Stitcher, Window, cut_windows, log_mel, segments_of


@dataclass(frozen=True)
class Job:
    """One recording to transcribe, and the name its outputs get (``name``.json, ``name``.srt)."""

    name: str
    path: Path


@dataclass(frozen=True)
class Outcome:
    """What came of one job: Whisper's ``result``, or the one-line ``error`` that says why not."""

    job: Job
    result: dict | None
    audio_s: float  # seconds of audio in the recording (0 when it could not be read)
    error: str = ""


@dataclass
class Timings:
    """Wall seconds spent in Whisper's encoder and in its decoder, summed over batches, and windows decoded."""

    encoder_s: float = 0.0
    decoder_s: float = 0.0
    windows: int = 0


def decoding_options(model: whisper.Whisper, language: str | None = None) -> whisper.DecodingOptions:
    """Greedy decoding (temperature 0) with timestamps, fp16 only on a GPU; ``language`` None detects it in
    each window (English for an English-only model)."""
    language = language or (None if model.is_multilingual else "en")
    return whisper.DecodingOptions(language=language, temperature=0.0, without_timestamps=False, fp16=use_fp16(model))


def decode_batch(
    model: whisper.Whisper, mels: np.ndarray, language: str | None = None, timings: Timings | None = None
) -> list[whisper.DecodingResult]:
    """Decode a batch of log-Mel windows, shape (batch, n_mels, 3000): the encoder runs once on the whole batch,
    then ``whisper.decode`` decodes every window's tokens together (given the encoded audio, it skips the
    encoder). Adds the encoder's and the decoder's wall seconds to ``timings``."""
    options = decoding_options(model, language)
    mel = torch.from_numpy(np.ascontiguousarray(mels)).to(model.device)
    with torch.no_grad():
        started = time.perf_counter()
        features = model.embed_audio(mel.half() if options.fp16 else mel)
        encoded = time.perf_counter()
        results = whisper.decode(model, features, options)
    if timings is not None:
        timings.encoder_s += encoded - started
        timings.decoder_s += time.perf_counter() - encoded
        timings.windows += len(results)
    return results


def decode_windows(
    model: whisper.Whisper, windows: list[Window], language: str | None = None, timings: Timings | None = None
) -> list[tuple[list[dict], str]]:
    """Each window's segments (times from the start of its recording) and language, decoded as one batch."""
    mels = np.stack([log_mel(w.samples, model.dims.n_mels) for w in windows])
    tokenizer = whisper.tokenizer.get_tokenizer(model.is_multilingual, num_languages=model.num_languages)
    results = decode_batch(model, mels, language, timings)
    return [(segments_of(r, tokenizer, w.start_s, w.end_s), r.language) for w, r in zip(windows, results)]


def transcribe_files(
    model: whisper.Whisper,
    jobs: Iterable[Job],
    batch_size: int = 8,
    language: str | None = None,
    timings: Timings | None = None,
) -> Iterator[Outcome]:
    """Transcribe recordings ``batch_size`` windows at a time; yields each job's Outcome as soon as it is known.

    A recording that cannot be read (not audio, empty, unreadable) yields its error and the others go on.
    """
    stitcher, waiting, by_name = Stitcher(), [], {}
    for job in jobs:
        try:
            audio = load_audio(job.path)
        except (OSError, ValueError) as error:
            yield Outcome(job, None, 0.0, str(error))
            continue
        by_name[job.name] = (job, len(audio) / whisper.audio.SAMPLE_RATE)
        waiting.extend(cut_windows(job.name, audio))
        while len(waiting) >= batch_size:
            yield from _decoded(model, waiting[:batch_size], language, timings, stitcher, by_name)
            del waiting[:batch_size]
    if waiting:
        yield from _decoded(model, waiting, language, timings, stitcher, by_name)


def _decoded(model, windows, language, timings, stitcher, by_name) -> Iterator[Outcome]:
    """Decode one batch of windows; yield the Outcome of each recording whose last window it held."""
    for window, (segments, found) in zip(windows, decode_windows(model, windows, language, timings)):
        result = stitcher.add(window.file, window.index, window.count, segments, found)
        if result is not None:
            job, audio_s = by_name.pop(window.file)
            yield Outcome(job, result, audio_s)
