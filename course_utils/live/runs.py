"""One live run from start to end, measured the same way whatever runs the loops: threads and a queue
(:func:`run_live`) or a child process (:func:`run_live_in_process`).

Taught in notebooks/06_threads_asyncio_processes.ipynb.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from dataclasses import dataclass, field

import numpy as np
import whisper

from ..audio import SAMPLE_RATE
from .policies import CommitPolicy
from .registry import DEFAULT_POLICY
from .sources import CHUNK_S, STOP_TIMEOUT_S, QueueSource, SimulatedMicrophone
from .transcriber import LiveTranscriber, Pass
from .whisper_pass import warm_up
from .words import Word, join_words


@dataclass
class LiveRun:
    """What one live run did, measured the same way for threads, asyncio and processes (notebook 06)."""

    committed: list[Word]
    samples_recorded: int  # by the sound card
    samples_received: int  # by the transcriber's buffer
    lateness_s: list[float]  # of the recording loop, wall seconds per read
    busy_s: float  # wall seconds spent transcribing
    max_buffer_s: float
    passes: int
    trace: list[Pass] = field(default_factory=list)  # every pass, for bench-live --trace (threads only)

    @classmethod
    def of(cls, microphone: SimulatedMicrophone, transcriber: LiveTranscriber) -> LiveRun:
        """Measure a finished run of ``transcriber`` fed by ``microphone``."""
        return cls(
            list(transcriber.committed),
            microphone.samples_recorded,
            transcriber.samples_received,
            list(microphone.lateness_s),
            transcriber.busy_s,
            transcriber.max_buffer_s,
            len(transcriber.passes),
            list(transcriber.passes),
        )

    @property
    def text(self) -> str:
        return join_words(self.committed)

    @property
    def dropped_samples(self) -> int:
        """Samples recorded that never reached the buffer: must be 0."""
        return self.samples_recorded - self.samples_received

    @property
    def rtf(self) -> float:
        """Real-time factor of the transcribing loop: wall seconds transcribing per source second received."""
        audio_s = self.samples_received / SAMPLE_RATE
        return self.busy_s / audio_s if audio_s else 0.0

    def lateness_ms(self, percentile: float = 95) -> float:
        """How late the recording loop read its sound card, in wall milliseconds (95th percentile by default)."""
        return 1000 * float(np.percentile(self.lateness_s, percentile)) if self.lateness_s else 0.0

    def summary(self) -> dict:
        """The measurements as one dictionary of rounded numbers."""
        return {
            "dropped_samples": self.dropped_samples,
            "recording_late_p95_ms": round(self.lateness_ms(95), 1),
            "recording_late_max_ms": round(self.lateness_ms(100), 1),
            "rtf": round(self.rtf, 2),
            "max_buffer_s": round(self.max_buffer_s, 1),
            "passes": self.passes,
        }


def run_live(
    model: whisper.Whisper,
    audio: str | np.ndarray,
    *,
    speed: float = 1.0,
    chunk_s: float = CHUNK_S,
    policy: CommitPolicy | str | None = None,
    language: str | None = None,
) -> LiveRun:
    """Play ``audio`` through a :class:`SimulatedMicrophone` into a :class:`LiveTranscriber`, threads and a
    queue, until the audio is over; returns the measured :class:`LiveRun`."""
    microphone = SimulatedMicrophone(audio, chunk_s=chunk_s, speed=speed)
    transcriber = LiveTranscriber(model, microphone, policy, language=language).run()
    return LiveRun.of(microphone, transcriber)


def transcribe_in_child(model_name: str, chunks, results, policy: str, language: str | None) -> None:
    """The child process of :func:`run_live_in_process`: load the model and warm it up, put "ready" on
    ``results``, run the transcribing loop on the ``chunks`` queue until its ``None``, then put a dictionary of
    what it did (committed words, samples received, busy seconds, longest buffer, passes) on ``results``.

    A ``spawn`` child imports its target by name, so this lives in a module: a function defined in a notebook
    cannot be one."""
    from ..models import load_model

    model = load_model(model_name)
    warm_up(model)
    results.put("ready")
    transcriber = LiveTranscriber(model, QueueSource(chunks), policy, language=language)
    transcriber.loop()
    results.put(
        {
            "committed": transcriber.committed,
            "received": transcriber.samples_received,
            "busy_s": transcriber.busy_s,
            "max_buffer_s": transcriber.max_buffer_s,
            "passes": len(transcriber.passes),
        }
    )


def _receive(results, child, timeout: float):
    """The child's next message, waiting at most ``timeout`` seconds; a clear error as soon as the child dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return results.get(timeout=0.5)
        except queue.Empty:
            if not child.is_alive():
                raise RuntimeError(
                    f"The transcribing process ended (exit code {child.exitcode}) before it sent its result: "
                    "its error is printed above."
                ) from None
    raise TimeoutError(f"The transcribing process sent nothing for {timeout:.0f} s.")


def run_live_in_process(
    model_name: str,
    audio: str | np.ndarray,
    *,
    speed: float = 1.0,
    chunk_s: float = CHUNK_S,
    policy: str = DEFAULT_POLICY,
    language: str | None = None,
    timeout: float = 300.0,
) -> LiveRun:
    """As :func:`run_live`, but the transcribing loop runs in a child process (``spawn``: it loads its own
    copy of the model, named ``model_name``); the recording loop stays in this one."""
    context = multiprocessing.get_context("spawn")
    chunks, results = context.Queue(), context.Queue()
    child = context.Process(target=transcribe_in_child, args=(model_name, chunks, results, policy, language))
    child.start()
    microphone = SimulatedMicrophone(audio, chunk_s=chunk_s, speed=speed, queue=chunks)
    try:
        if _receive(results, child, timeout) != "ready":
            raise RuntimeError("The transcribing process did not start.")
        microphone.start()
        done = _receive(results, child, timeout)
    finally:
        microphone.stop()
        child.join(STOP_TIMEOUT_S)
        if child.is_alive():
            child.terminate()
            child.join(STOP_TIMEOUT_S)
        for q in (chunks, results):  # close the queues and wait for their feeder threads
            q.close()
            q.join_thread()
    return LiveRun(
        done["committed"],
        microphone.samples_recorded,
        done["received"],
        list(microphone.lateness_s),
        done["busy_s"],
        done["max_buffer_s"],
        done["passes"],
    )
