"""Record your voice in the notebook: a microphone widget whose audio reaches Python at 16 kHz while you speak.

Taught in notebooks/01_record_audio.ipynb. The browser captures the microphone at its own rate (often 44100 or
48000 Hz); an AudioWorklet in ``recorder.js`` posts the raw float32 samples, which are sent to the kernel in
chunks of about 0.25 s, each with a sequence number. :class:`ChunkAssembler` checks the numbers and resamples
every chunk to 16 kHz with a *streaming* resampler, so chunk borders leave no seams. Works in JupyterLab 4,
Notebook 7 and Colab (anywidget); ``record(backend="ipywebrtc")`` gives the older ipywebrtc recorder instead.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import anywidget
import ipywidgets
import numpy as np
import traitlets

from .audio import SAMPLE_RATE, duration, load_audio
from .chunks import ChunkAssembler, ChunkGapError
from .colab import enable_widgets
from .data import clip

CHUNK_SECONDS = 0.25  # seconds of audio in each chunk the browser sends while recording
MAX_SECONDS = 300.0  # seconds after which the recorder stops by itself
BACKENDS = ("anywidget", "ipywebrtc")
NOTHING_RECORDED = "Nothing was recorded (headless run or no microphone)"

ChunkListener = Callable[[np.ndarray], None]


class Recorder(anywidget.AnyWidget):
    """A microphone recorder for JupyterLab, Notebook 7 and Colab: Record/Stop, level meter, time, sample rate.

    While you record, the browser sends chunks of about ``chunk_seconds`` seconds; each is resampled to 16 kHz
    on arrival and handed to the chunk listeners (see :meth:`add_chunk_listener`). Use the audio in the *next*
    cell: :meth:`audio` returns everything recorded (the last take), float32 at 16 kHz. Problems (denied
    permission, no microphone, a page that is not https or localhost) show in the widget and in ``error``.

    Chunks arrive when the kernel reads its messages: ipykernel 7 does so while a cell runs, but ipykernel 6
    (Colab's) only between cells, so never wait for chunks inside a running cell: it would wait forever there.
    """

    _esm = Path(__file__).with_name("recorder.js")
    _css = Path(__file__).with_name("recorder.css")

    recording = traitlets.Bool(False, help="whether the microphone is being recorded now").tag(sync=True)
    sample_rate = traitlets.Int(0, help="the browser's sample rate in Hz (0 until something is recorded)").tag(
        sync=True
    )
    error = traitlets.Unicode("", help="what went wrong, empty when all is fine").tag(sync=True)
    chunk_seconds = traitlets.Float(CHUNK_SECONDS, help="seconds of audio per chunk sent").tag(sync=True)
    max_seconds = traitlets.Float(MAX_SECONDS, help="the recorder stops by itself after this many seconds").tag(
        sync=True
    )

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._lock = threading.Lock()  # ipykernel 7 can deliver chunks while a cell runs
        self._assembler: ChunkAssembler | None = None
        self._listeners: list[ChunkListener] = []
        self.on_msg(self._handle_message)

    def audio(self) -> np.ndarray:
        """Everything recorded in the last take, float32 at 16 kHz (empty when nothing was recorded)."""
        with self._lock:
            return np.zeros(0, np.float32) if self._assembler is None else self._assembler.audio()

    @property
    def chunks(self) -> list[np.ndarray]:
        """The last take's chunks as they arrived, each resampled to 16 kHz."""
        with self._lock:
            return [] if self._assembler is None else list(self._assembler.chunks)

    @property
    def chunks_received(self) -> int:
        """How many chunks the browser sent in the last take."""
        return 0 if self._assembler is None else self._assembler.next_seq

    @property
    def samples_received(self) -> int:
        """How many samples, at the browser's ``sample_rate``, arrived in the last take."""
        return 0 if self._assembler is None else self._assembler.samples_in

    def add_chunk_listener(self, callback: ChunkListener) -> None:
        """Call ``callback(chunk)`` with each new chunk (float32, 16 kHz) in order, as it arrives."""
        if not callable(callback):
            raise TypeError(f"A chunk listener must be a function taking one array, got {callback!r}.")
        with self._lock:
            if callback not in self._listeners:
                self._listeners.append(callback)

    def remove_chunk_listener(self, callback: ChunkListener) -> None:
        """Stop calling ``callback``; does nothing if it was not listening."""
        with self._lock:
            if callback in self._listeners:
                self._listeners.remove(callback)

    def stop(self) -> None:
        """Ask the browser to stop recording (as the Stop button does)."""
        self.send({"type": "stop"})

    def _handle_message(self, _widget, content: dict, buffers: list) -> None:
        """A message of recorder.js: "start" (a new take), "chunk" (numbered samples) or "stop"."""
        kind = content.get("type")
        if kind == "start":
            with self._lock:
                self._assembler = ChunkAssembler(int(content["sample_rate"]))
            self.error = ""
            self.sample_rate = self._assembler.sample_rate
            self.recording = True
            return
        if kind not in ("chunk", "stop"):
            return
        problem = ""
        with self._lock:
            assembler = self._assembler
            if assembler is None or assembler.finished:
                return  # a late message of a take already ended
            try:
                if kind == "chunk":
                    samples = np.frombuffer(buffers[0], dtype="<f4")
                    new = assembler.add(int(content["seq"]), samples, int(content["sample_rate"]))
                else:
                    new = assembler.finish(int(content["chunks"]))
            except ChunkGapError as gap:
                new = assembler.finish()
                problem = f"{gap} The audio before the gap is kept; click Record to try again."
            listeners = list(self._listeners)
        if new is not None and new.size:  # outside the lock: a listener may call audio()
            for callback in listeners:
                callback(new)
        if problem:
            self.error = problem
            self.send({"type": "stop"})
        if assembler.finished:  # after the last chunk went to the listeners
            self.recording = False

    def __repr__(self) -> str:
        state = "recording" if self.recording else "stopped"
        chunks = f"{self.chunks_received} chunks"
        return f"Recorder({state}, sample_rate={self.sample_rate} Hz, {chunks}, error={self.error!r})"


class WebRTCRecorder(ipywidgets.VBox):
    """The ipywebrtc alternative: its AudioRecorder (a button, then a player) on an audio-only CameraStream.

    It still records in JupyterLab 4 and Notebook 7, but gives WebM/Opus at the end only (no chunks while you
    speak), decoded with ffmpeg by :meth:`audio`. Opus always decodes at 48000 Hz.
    """

    def __init__(self) -> None:
        from ipywebrtc import AudioRecorder, CameraStream

        constraints = {"audio": {"echoCancellation": False, "noiseSuppression": False, "autoGainControl": False}}
        self.stream = CameraStream(constraints={**constraints, "video": False})
        self.recorder = AudioRecorder(stream=self.stream)
        super().__init__([self.recorder])

    error = ""  # ipywebrtc reports microphone problems in its own widget, not to Python
    sample_rate = 48_000  # Hz: Opus in WebM always decodes at this rate

    @property
    def recording(self) -> bool:
        """Whether the microphone is being recorded now."""
        return bool(self.recorder.recording)

    def audio(self) -> np.ndarray:
        """The recording, float32 at 16 kHz (empty when nothing was recorded)."""
        return _decode(bytes(self.recorder.audio.value or b""), ".webm")


class AudioUpload(ipywidgets.FileUpload):
    """A button to upload one audio file; :meth:`audio` decodes it to float32 at 16 kHz."""

    def __init__(self, **kwargs) -> None:
        kwargs = {"accept": "audio/*,video/*", "multiple": False, "description": "Upload audio", **kwargs}
        super().__init__(**kwargs)

    @property
    def filename(self) -> str:
        """The uploaded file's name ("" when nothing was uploaded)."""
        return _first_upload(self.value)[0]

    def audio(self) -> np.ndarray:
        """The uploaded file, float32 at 16 kHz (empty when nothing was uploaded)."""
        name, content = _first_upload(self.value)
        return _decode(content, Path(name).suffix)


def _first_upload(value: tuple | dict) -> tuple[str, bytes]:
    """The name and contents of the first file in a FileUpload's ``value`` ("" and b"" when there is none).

    ipywidgets 8 gives a tuple of dicts with "name" and "content"; ipywidgets 7 (Colab's) a dict from each
    file's name to {"metadata": ..., "content": ...}.
    """
    if not value:
        return "", b""
    if isinstance(value, dict):
        name, upload = next(iter(value.items()))
    else:
        name, upload = value[0]["name"], value[0]
    return name, bytes(upload["content"])


def _decode(data: bytes, suffix: str) -> np.ndarray:
    """Audio file contents (any format ffmpeg reads), float32 at 16 kHz; empty for no data."""
    if not data:
        return np.zeros(0, np.float32)
    with tempfile.TemporaryDirectory(prefix="whisper-lab-") as folder:
        path = Path(folder) / f"audio{suffix}"
        path.write_bytes(data)
        return load_audio(path)


def record(backend: str = "anywidget") -> Recorder | WebRTCRecorder:
    """A microphone recorder to display in the notebook; use its ``audio()`` in the next cell.

    ``backend="anywidget"`` (the default) is :class:`Recorder`, which works in JupyterLab, Notebook 7 and
    Colab and streams chunks while you speak. ``backend="ipywebrtc"`` is :class:`WebRTCRecorder`.
    """
    if backend not in BACKENDS:
        raise ValueError(f"Unknown recorder backend {backend!r}: use one of {', '.join(map(repr, BACKENDS))}.")
    enable_widgets()
    return Recorder() if backend == "anywidget" else WebRTCRecorder()


def upload_audio() -> AudioUpload:
    """A file-upload button for one audio file (WAV, MP3, M4A, WebM, ...); use its ``audio()`` afterwards."""
    enable_widgets()
    return AudioUpload()


AudioSource = Recorder | WebRTCRecorder | AudioUpload | str | os.PathLike | np.ndarray | None


def recorded_or_fallback(
    recorder_or_upload: AudioSource | Sequence[AudioSource], fallback_clip_id: str = "jfk"
) -> tuple[np.ndarray, str]:
    """The audio to work on, float32 at 16 kHz, and a sentence saying where it came from (also printed).

    ``recorder_or_upload`` is a recorder, an upload button, a file path, an array at 16 kHz, or a list of
    them tried in order (None entries are skipped). When none holds audio, as in a headless run, the
    bundled clip ``fallback_clip_id`` is used and the sentence says why.
    """
    sources = list(recorder_or_upload) if isinstance(recorder_or_upload, (list, tuple)) else [recorder_or_upload]
    problems = []
    for source in sources:
        if source is None:
            continue
        audio, description = _audio_of(source)
        if audio.size:
            print(description)
            return audio, description
        if getattr(source, "error", ""):
            problems.append(source.error)
    reason = f"Nothing was recorded ({' '.join(problems)})" if problems else NOTHING_RECORDED
    description = f"{reason}: using the bundled clip {fallback_clip_id}"
    print(description)
    return load_audio(clip(fallback_clip_id).path), description


def _audio_of(source) -> tuple[np.ndarray, str]:
    if isinstance(source, (str, os.PathLike)):
        audio = load_audio(source)
        return audio, f"Using the file {Path(source).name}: {duration(audio):.1f} s."
    if isinstance(source, np.ndarray):
        audio = load_audio(source)
        return audio, f"Using the array you gave: {duration(audio):.1f} s at {SAMPLE_RATE} Hz."
    if not callable(getattr(source, "audio", None)):
        raise TypeError(
            f"Cannot get audio from {type(source).__name__}: pass a recorder (record()), an upload button "
            "(upload_audio()), a file path, or an array of samples at 16 kHz."
        )
    audio = source.audio()
    if isinstance(source, AudioUpload):
        return audio, f"Using the uploaded file {source.filename}: {duration(audio):.1f} s."
    still = " (still recording: this is what arrived so far)" if getattr(source, "recording", False) else ""
    return audio, (
        f"Using your recording{still}: {duration(audio):.1f} s, recorded at {source.sample_rate} Hz "
        f"and resampled to {SAMPLE_RATE} Hz."
    )
