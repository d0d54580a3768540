"""Cut recordings into Whisper's 30 s windows, and stitch decoded windows back into one result per recording.

Taught in notebooks/09_batch_transcription.ipynb. ``model.transcribe`` decodes one 30 s window at a time and
chooses the next window from what it decoded; a batch needs its windows known in advance. So a recording is cut
before decoding: a window of at most ``WINDOW_S`` seconds ends at the quietest ``FRAME_S`` frame of its last
``SEARCH_S`` seconds (a pause between words), and the next window starts there. Each window is decoded with
timestamps on its own, and its segments' times are shifted by where the window starts in the recording.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import whisper
from whisper.audio import N_SAMPLES
from whisper.tokenizer import Tokenizer

from ..audio import SAMPLE_RATE

WINDOW_S = N_SAMPLES // SAMPLE_RATE  # 30 s: what Whisper hears at once
SEARCH_S = 5.0  # seconds at the end of a full window searched for the quietest point to cut at
FRAME_S = 0.02  # seconds: the loudness of a frame this long decides where to cut
TIME_PRECISION_S = 0.02  # seconds between two of Whisper's timestamp tokens
NO_SPEECH_THRESHOLD = 0.6  # as model.transcribe: a window this sure to be silent, and ...
LOGPROB_THRESHOLD = -1.0  # ... decoded with a mean log-probability below this, gives no segments


@dataclass(frozen=True)
class Window:
    """One window of a recording: ``samples`` (at most 30 s at 16 kHz) starting ``start_s`` seconds in."""

    file: str  # name of the recording
    index: int  # position among the recording's windows, from 0
    count: int  # how many windows the recording was cut into
    start_s: float
    samples: np.ndarray

    @property
    def end_s(self) -> float:
        return self.start_s + len(self.samples) / SAMPLE_RATE


def cut_points(audio: np.ndarray) -> list[int]:
    """The samples where windows start: 0, then each at the quietest frame of the last ``SEARCH_S`` seconds of
    a full window, until what is left fits in one window."""
    frame, search, starts = round(FRAME_S * SAMPLE_RATE), round(SEARCH_S * SAMPLE_RATE), [0]
    while len(audio) - starts[-1] > N_SAMPLES:
        end = starts[-1] + N_SAMPLES
        tail = audio[end - search : end]
        loudness = np.square(tail[: len(tail) // frame * frame].reshape(-1, frame)).mean(axis=1)
        starts.append(end - search + int(np.argmin(loudness)) * frame)
    return starts


def cut_windows(file: str, audio: np.ndarray) -> list[Window]:
    """``audio`` (16 kHz samples) cut into windows of at most 30 s at its quietest points (see :func:`cut_points`)."""
    starts = cut_points(audio)
    ends = [*starts[1:], len(audio)]
    return [
        Window(file, i, len(starts), start / SAMPLE_RATE, audio[start:end])
        for i, (start, end) in enumerate(zip(starts, ends))
    ]


def log_mel(samples: np.ndarray, n_mels: int = 80) -> np.ndarray:
    """The (n_mels, 3000) log-Mel spectrogram of one window, padded to 30 s as Whisper's encoder expects."""
    return whisper.log_mel_spectrogram(whisper.pad_or_trim(samples), n_mels).numpy()


def segments_of(result: whisper.DecodingResult, tokenizer: Tokenizer, start_s: float, end_s: float) -> list[dict]:
    """The segments of one decoded window, times in seconds from the start of the recording.

    Whisper writes ``<|0.00|> text <|2.40|><|2.40|> more text <|5.00|>``: a segment is the text between two
    timestamps. Text left open at the end of the window (no closing timestamp) ends at ``end_s``. A window that
    Whisper judges silent gives none, as in ``model.transcribe``.
    """
    if result.no_speech_prob > NO_SPEECH_THRESHOLD and result.avg_logprob < LOGPROB_THRESHOLD:
        return []
    segments: list[dict] = []
    start, text = start_s, []
    for token in result.tokens:
        if token < tokenizer.timestamp_begin:
            text.append(token)
            continue
        time_s = start_s + (token - tokenizer.timestamp_begin) * TIME_PRECISION_S
        if text:
            segments.append(_segment(start, time_s, tokenizer.decode(text)))
            text = []
        start = time_s
    if text:
        segments.append(_segment(start, end_s, tokenizer.decode(text)))
    return segments


def _segment(start_s: float, end_s: float, text: str) -> dict:
    return {"start": round(start_s, 2), "end": round(end_s, 2), "text": text}


def stitch(windows: list[tuple[list[dict], str]]) -> dict:
    """One recording's result, Whisper-style (``text``, ``segments`` with ``id``, ``language``), from its decoded
    windows in order: (segments, language) each; the language is the first window's."""
    segments = [{"id": i, **s} for i, s in enumerate(s for window, _ in windows for s in window)]
    return {"text": "".join(s["text"] for s in segments), "segments": segments, "language": windows[0][1]}


class Stitcher:
    """Collects decoded windows in any order and gives a recording's result once all its windows are in.

    A window that comes twice (a task retried after a lost worker) counts once, and a recording is given once.
    """

    def __init__(self) -> None:
        self._windows: dict[str, dict[int, tuple[list[dict], str]]] = {}
        self._done: set[str] = set()

    def add(self, file: str, index: int, count: int, segments: list[dict], language: str) -> dict | None:
        """Take one decoded window; returns the recording's result when this was its last missing window."""
        if file in self._done:
            return None
        got = self._windows.setdefault(file, {})
        got[index] = (segments, language)
        if len(got) < count:
            return None
        self._done.add(file)
        del self._windows[file]
        return stitch([got[i] for i in range(count)])
