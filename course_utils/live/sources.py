"""Where live audio comes from: a simulated microphone that replays a file, the browser's recorder, or a queue.

Each source has a ``queue`` of float32 chunks at 16 kHz that ends with ``None``. Taught in
notebooks/05_live_transcription.ipynb ("A microphone you can replay" and "Your microphone"); the sound card's
limit, and what a late recording loop loses, in notebooks/06_threads_asyncio_processes.ipynb.
"""

from __future__ import annotations

import queue as queue_module
import threading
import time
from typing import Protocol

import numpy as np

from ..audio import SAMPLE_RATE, load_audio

CHUNK_S = 1.0  # seconds of audio the recording loop hands over at a time
BROWSER_CHUNK_S = 0.25  # seconds per chunk the browser's recorder sends (course_utils.recorder.CHUNK_SECONDS)
DEVICE_BUFFER_S = 2.0  # seconds of audio a (simulated) sound card holds before it overwrites the oldest
STOP_TIMEOUT_S = 30.0  # seconds to wait for a loop to finish its last pass when stopping


class Source(Protocol):
    """Where the live loop's audio comes from: a ``queue`` of 16 kHz float32 chunks that ends with ``None``, a
    recording loop started by :meth:`start` and stopped by :meth:`stop`. A source may also have ``clock()``: the
    source seconds recorded so far (for latencies)."""

    queue: queue_module.Queue

    def start(self) -> object: ...

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None: ...


class SimulatedMicrophone:
    """A microphone that plays ``audio`` (a file or 16 kHz samples) in real time, or ``speed`` times faster.

    Its recording loop runs in its own thread (:meth:`start`): every ``chunk_s`` seconds of audio it reads what
    the simulated sound card captured since the last read and puts it on ``queue``, then ``None`` once the
    audio is over (or after :meth:`stop`). Like a real sound card it holds at most ``device_buffer_s`` seconds:
    a loop that comes back later than that finds the oldest samples overwritten, counted in
    ``dropped_samples``. Without the thread, :meth:`open` then :meth:`tick` every :meth:`seconds_to_next_tick`
    drive the same loop from elsewhere (an asyncio task, in notebook 06).
    """

    def __init__(
        self,
        audio: str | np.ndarray,
        chunk_s: float = CHUNK_S,
        speed: float = 1.0,
        device_buffer_s: float = DEVICE_BUFFER_S,
        queue: queue_module.Queue | None = None,
    ) -> None:
        if chunk_s <= 0 or speed <= 0:
            raise ValueError(f"chunk_s and speed must be positive, got chunk_s={chunk_s}, speed={speed}.")
        if device_buffer_s < chunk_s:
            raise ValueError(f"device_buffer_s ({device_buffer_s}) must hold at least one chunk ({chunk_s} s).")
        self.audio = load_audio(audio)
        self.chunk_s, self.speed = chunk_s, speed
        self.capacity = round(device_buffer_s * SAMPLE_RATE)  # samples the sound card holds
        self.queue = queue if queue is not None else queue_module.Queue()  # chunks, then None
        self.samples_recorded = 0  # samples the sound card captured: put on the queue + dropped
        self.dropped_samples = 0  # samples overwritten before the loop came to read them
        self.lateness_s: list[float] = []  # for each read, wall seconds it came later than one chunk after the last
        self.started_at: float | None = None  # time.monotonic() when the audio started playing
        self._next_tick = 0.0
        self._finished = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def duration_s(self) -> float:
        """Length of the audio in source seconds."""
        return len(self.audio) / SAMPLE_RATE

    def open(self) -> None:
        """Start playing: the sound card captures from now on (no thread; see :meth:`start`)."""
        self.started_at = time.monotonic()
        self._next_tick = self.started_at + self.chunk_s / self.speed

    def start(self) -> SimulatedMicrophone:
        """Start playing, with the recording loop in its own thread."""
        self.open()
        self._thread = threading.Thread(target=self._run, name="simulated-microphone")
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.seconds_to_next_tick()):
            if not self.tick():
                return
        self._finish()

    def seconds_to_next_tick(self) -> float:
        """Wall seconds until the next read is due (0 when it is overdue)."""
        return max(0.0, self._next_tick - time.monotonic())

    def clock(self) -> float:
        """Source seconds played so far."""
        if self.started_at is None:
            return 0.0
        return min(self.duration_s, (time.monotonic() - self.started_at) * self.speed)

    def tick(self) -> bool:
        """One pass of the recording loop: read the sound card, queue the chunk. False once the audio is over."""
        if self.started_at is None:
            raise RuntimeError("Call open() (or start()) before tick().")
        now = time.monotonic()
        self.lateness_s.append(max(0.0, now - self._next_tick))
        self._next_tick = now + self.chunk_s / self.speed  # the next read is due one chunk after this one
        captured = min(len(self.audio), int((now - self.started_at) * self.speed * SAMPLE_RATE))
        first_kept = max(self.samples_recorded, captured - self.capacity)  # older samples were overwritten
        self.dropped_samples += first_kept - self.samples_recorded
        chunk = self.audio[first_kept:captured]
        self.samples_recorded = captured
        if len(chunk):
            self.queue.put(chunk)
        if captured == len(self.audio):
            self._finish()
            return False
        return True

    def _finish(self) -> None:
        if not self._finished:
            self._finished = True
            self.queue.put(None)

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop playing (the queue then gets its ``None``) and wait for the recording thread to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._finish()

    def __repr__(self) -> str:
        return f"SimulatedMicrophone({self.duration_s:.1f} s, chunk_s={self.chunk_s}, speed={self.speed})"


class MicrophoneSource:
    """The browser microphone as a source: each chunk a :class:`course_utils.recorder.Recorder` streams goes on
    ``queue`` (float32, 16 kHz), then ``None`` when the recorder stops or :meth:`stop` is called.

    The recorder's chunks arrive in the kernel's main thread, so the cell that starts a live demo must return
    (see :meth:`LiveDemo.start`); the recording loop here is the browser's own.
    """

    def __init__(self, recorder) -> None:
        self.recorder = recorder
        self.queue: queue_module.Queue = queue_module.Queue()
        self.samples_recorded = 0  # samples received from the recorder and put on the queue
        self._ended = False
        self._lock = threading.Lock()

    def start(self) -> MicrophoneSource:
        """Listen to the recorder's chunks (click its Record button to start speaking)."""
        self.recorder.add_chunk_listener(self._on_chunk)
        self.recorder.observe(self._on_recording, names="recording")
        return self

    def _on_chunk(self, chunk: np.ndarray) -> None:
        with self._lock:
            if self._ended:
                return
            self.queue.put(np.asarray(chunk, np.float32).copy())
            self.samples_recorded += len(chunk)

    def _on_recording(self, change: dict) -> None:
        if change["old"] and not change["new"]:  # the recorder's Stop button: this take is over
            self._end()

    def _end(self) -> None:
        with self._lock:
            if not self._ended:
                self._ended = True
                self.queue.put(None)

    def clock(self) -> float:
        """Source seconds received so far."""
        return self.samples_recorded / SAMPLE_RATE

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop listening (the queue then gets its ``None``); the recorder itself keeps its recording."""
        self._end()
        self.recorder.remove_chunk_listener(self._on_chunk)
        try:
            self.recorder.unobserve(self._on_recording, names="recording")
        except ValueError:  # not observing (never started)
            pass


class QueueSource:
    """Chunks that arrive on an existing ``queue`` (e.g. a ``multiprocessing`` queue), ``None`` at the end."""

    def __init__(self, queue) -> None:
        self.queue = queue

    def start(self) -> QueueSource:
        return self

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Nothing to stop: whoever fills the queue ends it with ``None``."""
