"""Batched transcription on this machine: the recordings of a job through the kit's one pipeline, batched.

Taught in notebooks/09_batch_transcription.ipynb. Each recording is read a piece at a time, its speech found and cut
into stretches, and ``batch_size`` windows at a time go through Whisper's encoder and decoder together
(:func:`course_utils.transcribe.transcribe_batch`); each recording's result is given as soon as its last window is
decoded, so memory holds about one batch and the recordings under way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import whisper

from ..transcribe import transcribe_batch


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


def transcribe_files(
    model: whisper.Whisper, jobs: Iterable[Job], batch_size: int = 8, language: str | None = None
) -> Iterator[Outcome]:
    """Transcribe recordings ``batch_size`` windows at a time; yields each job's Outcome as soon as it is known.

    Each file is read a piece at a time (:func:`course_utils.transcribe.transcribe_batch`), so memory does not grow
    with a recording's length. A recording that cannot be read (not audio, empty, unreadable) yields its error and
    the others go on.
    """
    failed: list[Outcome] = []
    by_name: dict[str, Job] = {}

    def recordings() -> Iterator[tuple[str, Path]]:
        for job in jobs:
            by_name[job.name] = job
            yield job.name, job.path

    def fail(name: str, error: Exception) -> None:
        failed.append(Outcome(by_name.pop(name), None, 0.0, str(error)))

    for name, result in transcribe_batch(model, recordings(), batch_size, language=language, on_error=fail):
        yield from _drain(failed)
        yield Outcome(by_name.pop(name), result, result["duration"])
    yield from _drain(failed)


def _drain(outcomes: list[Outcome]) -> Iterator[Outcome]:
    while outcomes:
        yield outcomes.pop(0)
