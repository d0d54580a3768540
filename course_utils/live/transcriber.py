"""The transcribing loop: takes the audio that arrived, transcribes the buffer, commits, trims, publishes.

Taught in notebooks/05_live_transcription.ipynb ("The transcribing loop, one pass at a time" and "Live, with a
thread for each loop"); notebooks/06_threads_asyncio_processes.ipynb drives :meth:`LiveTranscriber.pull` and
:meth:`LiveTranscriber.step` from asyncio, and :meth:`LiveTranscriber.loop` from a thread or a child process.
"""

from __future__ import annotations

import queue as queue_module
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import whisper

from ..audio import SAMPLE_RATE
from ..speech import VoiceDetector
from .buffer import AudioBuffer
from .gate import SpeechGate
from .policies import CommitPolicy, Decision, DecodingPolicy
from .registry import DEFAULT_POLICY, WORDS_POLICY, make_policy
from .sources import BROWSER_CHUNK_S, STOP_TIMEOUT_S, Source
from .whisper_pass import transcribe_buffer, warm_up
from .words import Word, join_words, segments_to_words

PassFunction = Callable[[np.ndarray, str], dict]  # (16 kHz audio, prompt) -> a result shaped like Whisper's
MIN_NEW_AUDIO_S = BROWSER_CHUNK_S  # seconds of new audio the transcribing loop waits for before its next pass
CLOCK_SLACK_S = 0.02  # seconds a chunk may fall short of its length: a microphone hands over what its clock says
# arrived, so a 0.5 s chunk can hold 0.498 s; without this slack such a chunk would wait for the next one
PROMPT_CHARS = 200  # characters of committed text given to Whisper as its prompt


@dataclass(frozen=True)
class Pass:
    """One transcription pass of the live loop: what it heard and decided, and when (``bench-live --trace``)."""

    start_s: float  # source time of the buffer's first sample
    audio_s: float  # seconds of audio transcribed
    compute_s: float  # wall seconds it took (0 when skipped: silent, or no speech for the VAD)
    committed: int  # words committed after it
    began_at_s: float | None = None  # source seconds played when the pass began (None: the source has no clock)
    ended_at_s: float | None = None  # source seconds played when its words were committed
    heard: tuple[Word, ...] = ()  # every word the pass heard in the buffer, in source time
    commit: tuple[Word, ...] = ()  # the words it committed
    tentative: tuple[Word, ...] = ()  # the words left tentative
    forced: int = 0  # of the committed words, those committed because the buffer grew too long, not agreed on
    trim_to_s: float | None = None  # where the buffer was trimmed after it (source seconds; None: not trimmed)
    prompt: str = ""  # the committed text given to Whisper as its prompt

    @property
    def end_s(self) -> float:
        """Source time one past the buffer's last sample."""
        return self.start_s + self.audio_s


@dataclass(frozen=True)
class LiveState:
    """A snapshot of a live transcription, safe to read from another thread."""

    committed: tuple[Word, ...]
    tentative: tuple[Word, ...]
    buffer_s: float  # seconds in the buffer
    received_s: float  # source seconds received
    running: bool
    error: str = ""

    @property
    def committed_text(self) -> str:
        return join_words(self.committed)

    @property
    def tentative_text(self) -> str:
        return join_words(self.tentative)


class LiveTranscriber:
    """The transcribing loop: takes the audio that arrived, transcribes the buffer, commits, trims, publishes.

    ``source`` has a ``queue`` of chunks ending with ``None`` (:class:`SimulatedMicrophone`,
    :class:`MicrophoneSource`, :class:`QueueSource`). :meth:`start` runs the loop in its own thread (and starts
    the source); :meth:`pull` and :meth:`step` are its two halves, for driving it from elsewhere. Decoding is
    greedy (temperature 0) with word timestamps (:func:`transcribe_buffer`), the committed text as the prompt.
    A pass is skipped when the buffer is silent (``gate``) or, with ``vad``, holds nothing that Silero VAD calls
    speech (:class:`VoiceDetector`: applause, music and noise stay silent, notebook 08).
    ``policy``: a commit policy or its name; by default ``DEFAULT_POLICY`` (AlignAtt, which decodes the buffer
    itself: :class:`AlignAttPolicy`), or ``WORDS_POLICY`` (LocalAgreement) with a ``transcribe_fn``.
    ``transcribe_fn(audio, prompt) -> result`` replaces Whisper's pass (tests use scripted results) for a policy
    that judges a pass's words; ``on_pass()`` is called after every pass (the captions server posts the captions then).
    """

    def __init__(
        self,
        model: whisper.Whisper | None,
        source: Source,
        policy: CommitPolicy | str | None = None,
        gate: SpeechGate | None = None,
        *,
        min_new_audio_s: float = MIN_NEW_AUDIO_S,
        language: str | None = None,
        transcribe_fn: PassFunction | None = None,
        on_pass: Callable[[], None] | None = None,
        vad: bool = True,
    ) -> None:
        self.model, self.source = model, source
        policy = policy or (DEFAULT_POLICY if transcribe_fn is None else WORDS_POLICY)
        self.policy = make_policy(policy, language=language) if isinstance(policy, str) else policy
        if transcribe_fn is not None and isinstance(self.policy, DecodingPolicy):
            raise ValueError(f"The {self.policy.name} policy decodes the buffer itself: give it no transcribe_fn.")
        self.gate = gate if gate is not None else SpeechGate()
        self.voice = VoiceDetector() if vad else None
        self.min_new_audio_s, self.language = min_new_audio_s, language
        self._transcribe_fn = transcribe_fn or self._whisper
        self._on_pass = on_pass
        self.buffer = AudioBuffer()
        self.committed: list[Word] = []
        self.tentative: list[Word] = []
        self.passes: list[Pass] = []
        self.max_buffer_s = 0.0  # longest buffer transcribed, in seconds
        self.ended = False  # the source's None has arrived
        self.error: Exception | None = None
        self._transcribed_to = 0  # absolute sample: the buffer's end at the last pass
        self._lock = threading.Lock()
        self._abort = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the two halves of the loop --------------------------------------------------------------------------

    def pull(self, wait_s: float = 0.0) -> bool:
        """Move every chunk that arrived into the buffer, waiting up to ``wait_s`` for the first; True once the
        source has ended."""
        while not self.ended:
            try:
                chunk = self.source.queue.get(timeout=wait_s) if wait_s > 0 else self.source.queue.get_nowait()
            except queue_module.Empty:
                break
            wait_s = 0.0
            if chunk is None:
                self.ended = True
            else:
                self.buffer.append(chunk)
                if self.voice is not None:
                    self.voice.feed(chunk)
        return self.ended

    @property
    def new_audio_s(self) -> float:
        """Seconds of audio that arrived since the last pass."""
        return (self.buffer.end - self._transcribed_to) / SAMPLE_RATE

    def step(self, final: bool = False) -> Decision:
        """One pass: transcribe the buffer, let the policy commit, trim the buffer. ``final``: commit everything."""
        audio, start_s, end_s = self.buffer.samples, self.buffer.start_s, self.buffer.end_s
        self._transcribed_to = self.buffer.end
        self.max_buffer_s = max(self.max_buffer_s, self.buffer.duration_s)
        began_at, prompt = self._clock(), self.prompt()
        started = time.monotonic()
        no_voice = self.voice is not None and not self.voice.heard_speech_since(self.buffer.start)
        if no_voice or self.gate.is_silent(audio):
            segments, compute_s = [], 0.0
            decision = self.policy.decide(segments, start_s, end_s, final=final)
        elif isinstance(self.policy, DecodingPolicy):  # AlignAtt: the policy decodes the buffer itself
            speech_until_s = speech_from_s = None
            if self.voice is not None:
                speech_until_s = self.voice.speech_until / SAMPLE_RATE
                speech_from_s = self.voice.speech_from(self.buffer.start) / SAMPLE_RATE  # heard since: not None
            heard, decision = self.policy.pass_over(
                self.model, np.array(audio), start_s, end_s, prompt, final, self.language, speech_until_s, speech_from_s
            )
            segments, compute_s = [heard], time.monotonic() - started
        else:
            result = self._transcribe_fn(np.array(audio), prompt)
            segments, compute_s = segments_to_words(result, start_s, self.gate), time.monotonic() - started
            decision = self.policy.decide(segments, start_s, end_s, final=final)
        clock = self._clock()
        commit = tuple(replace(w, committed_at=clock) for w in decision.commit)
        with self._lock:
            self.committed += commit
            self.tentative = list(decision.tentative)
            if decision.trim_to_s is not None:
                self.buffer.trim_to_time(decision.trim_to_s)
            heard = tuple(w for segment in segments for w in segment)
            self.passes.append(
                Pass(
                    start_s,
                    end_s - start_s,
                    compute_s,
                    len(commit),
                    began_at,
                    clock,
                    heard,
                    commit,
                    tuple(decision.tentative),
                    decision.forced,
                    decision.trim_to_s,
                    prompt,
                )
            )
        if self._on_pass is not None:
            self._on_pass()
        return decision

    def _clock(self) -> float | None:
        """Source seconds played so far, if the source has a clock."""
        return self.source.clock() if hasattr(self.source, "clock") else None

    def prompt(self) -> str:
        """The last ``PROMPT_CHARS`` characters of the committed text that lies before the buffer."""
        before = [w for w in self.committed if w.end <= self.buffer.start_s + 0.1]
        return join_words(before)[-PROMPT_CHARS:]

    def _whisper(self, audio: np.ndarray, prompt: str) -> dict:
        return transcribe_buffer(self.model, audio, prompt, self.language)

    # -- running it in a thread ------------------------------------------------------------------------------

    def start(self) -> LiveTranscriber:
        """Warm Whisper up, then start the transcribing loop (in a thread) and the source; returns at once."""
        if self._thread is not None:
            raise RuntimeError("This LiveTranscriber was started already: make a new one for a new run.")
        if self._transcribe_fn == self._whisper:
            warm_up(self.model)
        self._thread = threading.Thread(target=self._run, name="live-transcriber")
        self._thread.start()
        self.source.start()
        return self

    def loop(self) -> None:
        """The transcribing loop, in the calling thread: whenever at least ``min_new_audio_s`` of new audio has
        arrived, one pass; after the source's end, one last pass that commits everything."""
        while not self._abort.is_set():
            ended = self.pull(wait_s=0.1)
            if ended or self.new_audio_s >= self.min_new_audio_s - CLOCK_SLACK_S:
                self.step(final=ended)
            if ended:
                return

    def _run(self) -> None:
        try:
            self.loop()
        except Exception as error:  # shown by the display and raised again by wait()
            self.error = error
        finally:
            self.source.stop()

    @property
    def running(self) -> bool:
        """Whether the transcribing thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the audio is over and the last pass done; True if it is. Raises the loop's error, if any."""
        if self._thread is not None:
            self._thread.join(timeout)
        if self.error is not None:
            raise RuntimeError(f"The transcribing loop failed: {self.error!r}") from self.error
        return not self.running

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop the source, let the loop commit what it heard in one last pass, and wait for every thread."""
        self.source.stop(timeout)
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():  # the last pass takes too long: give it up
                self._abort.set()
                self._thread.join(timeout)
            if self._thread.is_alive():
                raise RuntimeError(f"The transcribing thread did not stop within {2 * timeout:.0f} s.")

    def run(self) -> LiveTranscriber:
        """Start, wait until the audio is over, stop: the blocking way."""
        self.start()
        try:
            self.wait()
        finally:
            self.stop()
        return self

    # -- what it has done so far -----------------------------------------------------------------------------

    def state(self) -> LiveState:
        """A consistent snapshot of the committed and tentative words."""
        with self._lock:
            return LiveState(
                tuple(self.committed),
                tuple(self.tentative),
                self.buffer.duration_s,
                self.buffer.end_s,
                self.running,
                "" if self.error is None else repr(self.error),
            )

    @property
    def text(self) -> str:
        """The committed transcript."""
        return join_words(self.committed)

    @property
    def samples_received(self) -> int:
        """Samples that reached the buffer (trimmed or still held)."""
        return self.buffer.end

    @property
    def busy_s(self) -> float:
        """Wall seconds spent transcribing."""
        return sum(p.compute_s for p in self.passes)
