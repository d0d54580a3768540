"""What the captions server listens to: takes of live audio (a file played in real time, or the speaker page's
microphone), each transcribed or translated by the kit's live pipeline (notebook 05) in its own thread.

Taught in notebooks/11_live_captions.ipynb. A *take* is one stretch of audio: the whole ``--audio`` file, or the
speaker page from Record to Stop. The committed text of earlier takes is kept, so the captions read on.
"""

from __future__ import annotations

import queue as queue_module
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import whisper

from ..audio import SAMPLE_RATE
from ..live import (
    DEFAULT_POLICY,
    DecodingPolicy,
    LiveTranscriber,
    SimulatedMicrophone,
    make_policy,
    transcribe_buffer,
    warm_up,
)
from ..models import use_fp16

TASKS = ("transcribe", "translate")


@dataclass(frozen=True)
class Captions:
    """The captions so far: what every viewer is shown. Times are wall seconds (``time.time()``)."""

    committed: str  # final text, black on the page
    tentative: str  # may still change, grey
    language: str  # language Whisper heard in the latest pass ("" before the first)
    listening: bool  # a take is running and has not heard all its audio yet
    finished: bool = False  # the file (--audio) has been played to its end and transcribed: nothing more will come
    version: int = 0  # counts the changes; viewers skip versions they were too slow to see
    posted_at: float = 0.0  # when this version was posted: the start of its delay to a screen

    def as_json(self) -> dict:
        return {
            "committed": self.committed,
            "tentative": self.tentative,
            "language": self.language,
            "listening": self.listening,
            "finished": self.finished,
            "version": self.version,
            "posted_at": self.posted_at,
        }


def pass_function(
    model: whisper.Whisper, task: str = "transcribe", language: str | None = None
) -> Callable[[np.ndarray, str], dict]:
    """One live pass, ``fn(audio, prompt) -> result``: :func:`course_utils.live.transcribe_buffer` to transcribe;
    to translate, Whisper's ``model.transcribe(task="translate")`` (greedy, word timestamps). ``language=None``
    detects the language in every pass, so a speaker may switch languages; the result's ``language`` says which."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}.")
    if task == "translate" and not model.is_multilingual:
        raise ValueError("task='translate' needs a multilingual model (e.g. base), not an English-only .en one.")
    if task == "transcribe":
        return lambda audio, prompt: transcribe_buffer(model, audio, prompt, language)

    def translate(audio: np.ndarray, prompt: str) -> dict:
        with warnings.catch_warnings():  # Whisper warns that word times of a translation are approximate
            warnings.filterwarnings("ignore", message="Word-level timestamps on translations")
            return model.transcribe(
                audio,
                task="translate",
                language=language,
                temperature=0.0,
                word_timestamps=True,
                initial_prompt=prompt or None,
                condition_on_previous_text=False,
                fp16=use_fp16(model),
                verbose=None,
            )

    return translate


class SpeakerSource:
    """The speaker page's microphone as a live source: :meth:`put` 16 kHz float32 chunks, then :meth:`end`.

    Only the server's event loop puts chunks. The end may come twice (the connection's end, then the transcriber's
    stop): the transcriber reads up to the first ``None``, so the second changes nothing."""

    def __init__(self) -> None:
        self.queue: queue_module.Queue = queue_module.Queue()
        self.samples_recorded = 0  # samples put on the queue

    def start(self) -> SpeakerSource:
        return self

    def put(self, chunk: np.ndarray) -> None:
        if len(chunk):
            self.queue.put(np.asarray(chunk, np.float32))
            self.samples_recorded += len(chunk)

    def end(self) -> None:
        """No more audio in this take: the transcriber's last pass commits every word."""
        self.queue.put(None)

    def clock(self) -> float:
        """Source seconds received so far."""
        return self.samples_recorded / SAMPLE_RATE

    def stop(self, timeout: float = 0.0) -> None:
        self.end()


class Listener:
    """Runs takes one after another and posts the :class:`Captions` after every pass to ``post(captions)``
    (called from the transcribing thread). Blocking methods (:meth:`begin`, :meth:`finish`, :meth:`stop`)
    belong outside an event loop: the server calls them with ``run_in_executor``. ``policy``: the commit policy's
    name (default ``DEFAULT_POLICY``: AlignAtt, which decodes, and translates, itself; "agreement" or "segment"
    judge the words of :func:`pass_function`)."""

    def __init__(
        self,
        model: whisper.Whisper,
        post: Callable[[Captions], None],
        task: str = "transcribe",
        language: str | None = None,
        policy: str = DEFAULT_POLICY,
    ):
        self.model, self.post, self.task = model, post, task
        self.policy_name, self.language_code = policy, language
        self.transcribe_fn = self._remembering_language(pass_function(model, task, language))
        self.language = ""  # heard in the latest pass
        self.earlier = ""  # committed text of the finished takes
        self.transcriber: LiveTranscriber | None = None
        self.source: SimulatedMicrophone | SpeakerSource | None = None
        self._lock = threading.Lock()

    def _remembering_language(self, fn: Callable[[np.ndarray, str], dict]) -> Callable[[np.ndarray, str], dict]:
        def remembering(audio: np.ndarray, prompt: str) -> dict:
            result = fn(audio, prompt)
            self.language = result.get("language") or self.language
            return result

        return remembering

    def captions(self) -> Captions:
        """The captions now: earlier takes' text, then this take's committed and tentative words."""
        with self._lock:
            transcriber, earlier, source = self.transcriber, self.earlier, self.source
        file_take = isinstance(source, SimulatedMicrophone)  # a file has one take: once it has ended, all is said
        if transcriber is None:
            return Captions(earlier, "", self.language, False, finished=file_take)
        state = transcriber.state()
        committed = " ".join(t for t in (earlier, state.committed_text) if t)
        listening = state.running and not transcriber.ended
        return Captions(committed, state.tentative_text, self.language, listening, finished=file_take and not listening)

    def _posted(self) -> None:
        transcriber = self.transcriber
        last = getattr(transcriber.policy, "last", None) if transcriber is not None else None
        if last is not None:  # AlignAtt decodes itself: the language it heard is in its latest pass
            self.language = last.language
        self.post(self.captions())

    def warm_up(self) -> None:
        """Pay Whisper's one-time costs (:func:`course_utils.live.warm_up`) before any audio arrives (blocking)."""
        warm_up(self.model)

    def begin(self, source: SimulatedMicrophone | SpeakerSource) -> None:
        """Finish the take in progress, then start transcribing ``source`` (blocking while the last take ends)."""
        self.finish()
        policy = make_policy(self.policy_name, self.task, self.language_code)
        transcribe_fn = None if isinstance(policy, DecodingPolicy) else self.transcribe_fn  # AlignAtt decodes itself
        transcriber = LiveTranscriber(self.model, source, policy, transcribe_fn=transcribe_fn, on_pass=self._posted)
        with self._lock:
            self.source, self.transcriber = source, transcriber
        transcriber.start()
        self._posted()

    def finish(self) -> None:
        """End the take in progress (its last pass commits every word) and keep its text (blocking)."""
        transcriber = self.transcriber
        if transcriber is None:
            return
        transcriber.stop()  # its captions stay on show until its text has joined the earlier takes'
        with self._lock:
            self.earlier = " ".join(t for t in (self.earlier, transcriber.text) if t)
            self.transcriber = None
        self._posted()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the take in progress has heard all its audio; True if it has (or there is none)."""
        transcriber = self.transcriber
        return transcriber is None or transcriber.wait(timeout)

    @property
    def dropped_samples(self) -> int:
        """Samples the take in progress recorded that never reached Whisper's buffer (0 when all is well)."""
        transcriber, source = self.transcriber, self.source
        if transcriber is None or source is None:
            return 0
        return source.samples_recorded - transcriber.samples_received

    def stop(self) -> None:
        self.finish()
