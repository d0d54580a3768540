"""The speech gate: keeps silence and music from turning into invented text ("Thank you." on silence).

Taught in notebooks/05_live_transcription.ipynb ("Silence and music must stay silent"); the trained voice
activity detector (:class:`VoiceDetector`, :func:`load_vad`) in notebooks/08_hallucinations.ipynb.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import torch

from ..audio import SAMPLE_RATE

SILENCE_DBFS = -45.0  # dB full scale: a buffer whose loudest 0.1 s frame is quieter than this is silence
NO_SPEECH_THRESHOLD = 0.6  # Whisper's own rule: no_speech_prob above this...
LOGPROB_THRESHOLD = -1.0  # ...and avg_logprob below this means "not speech"
COMPRESSION_RATIO_THRESHOLD = 2.4  # Whisper's sign of a repetition loop ("the the the ...")
DOUBT_NO_SPEECH = 0.3  # live rule: no_speech_prob above this...
DOUBT_WORD_PROBABILITY = 0.4  # ...and words this unlikely (geometric mean) means invented ("Thank you.")
VAD_FRAME = 512  # samples (32 ms at 16 kHz) that Silero VAD scores at a time
VAD_THRESHOLD = 0.5  # Silero VAD's own default: a frame whose speech probability is above this holds speech


def sounds_without_words(seconds: float = 6.0, seed: int = 0) -> dict[str, np.ndarray]:
    """Audio in which nothing is said, to check the speech gate: digital ``silence``, a quiet ``hiss``
    (-60 dBFS, a microphone in a quiet room), loud white ``noise`` (-20 dBFS) and synthesized ``music``
    (plucked notes over a throbbing bass). Float32 at 16 kHz, ``seconds`` long each."""
    rng = np.random.default_rng(seed)
    n = round(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    music = 0.3 * np.sin(2 * np.pi * 110 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 2 * t))
    notes = [220.0, 277.18, 329.63, 440.0, 392.0, 349.23, 293.66, 261.63]  # Hz, one a second
    for i in range(int(np.ceil(seconds))):
        on = (t >= i) & (t < i + 1)
        for harmonic, gain in ((1, 1.0), (2, 0.5), (3, 0.25)):
            music[on] += gain * np.exp(-3 * (t[on] - i)) * np.sin(2 * np.pi * notes[i % 8] * harmonic * t[on])
    return {
        "silence": np.zeros(n, np.float32),
        "hiss": rng.normal(0, 10 ** (-60 / 20), n).astype(np.float32),
        "noise": rng.normal(0, 10 ** (-20 / 20), n).astype(np.float32),
        "music": (0.3 * music / np.abs(music).max()).astype(np.float32),
    }


@dataclass
class SpeechGate:
    """Keeps silence and music from turning into invented text ("Thank you." on silence).

    Two checks: before transcribing, :meth:`is_silent` skips a buffer whose loudest 0.1 s is quieter than
    ``silence_dbfs``; after, :meth:`is_speech` drops a segment that Whisper's own rule calls silence
    (``no_speech_prob`` above ``no_speech_threshold`` while ``avg_logprob`` is below ``logprob_threshold``),
    that Whisper doubts (``no_speech_prob`` above ``doubt_no_speech`` while the geometric mean of its words'
    probabilities is below ``doubt_word_probability``: the "Thank you." Whisper writes on the pause left after a
    phrase was trimmed), that loops (compression ratio above ``compression_ratio_threshold``), or that has no
    letter or digit.
    """

    silence_dbfs: float = SILENCE_DBFS
    no_speech_threshold: float = NO_SPEECH_THRESHOLD
    logprob_threshold: float = LOGPROB_THRESHOLD
    doubt_no_speech: float = DOUBT_NO_SPEECH
    doubt_word_probability: float = DOUBT_WORD_PROBABILITY
    compression_ratio_threshold: float = COMPRESSION_RATIO_THRESHOLD

    def loudness_dbfs(self, audio: np.ndarray) -> float:
        """RMS level of the loudest 0.1 s frame of ``audio``, in dB full scale (-inf for digital silence)."""
        frame = SAMPLE_RATE // 10
        frames = audio[: len(audio) // frame * frame].reshape(-1, frame) if len(audio) >= frame else audio[None, :]
        if frames.size == 0:
            return float("-inf")
        rms = float(np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1)).max())
        return 20 * np.log10(rms) if rms > 0 else float("-inf")

    def is_silent(self, audio: np.ndarray) -> bool:
        """Whether ``audio`` is too quiet to hold speech."""
        return self.loudness_dbfs(audio) < self.silence_dbfs

    def is_speech(self, segment: dict) -> bool:
        """Whether one of Whisper's result segments should be kept."""
        if segment["no_speech_prob"] > self.no_speech_threshold and segment["avg_logprob"] < self.logprob_threshold:
            return False
        probabilities = np.array([w["probability"] for w in segment.get("words", [])])
        doubted = (
            probabilities.size and np.exp(np.log(np.maximum(probabilities, 1e-6)).mean()) < self.doubt_word_probability
        )
        if doubted and segment["no_speech_prob"] > self.doubt_no_speech:
            return False
        if segment.get("compression_ratio", 0.0) > self.compression_ratio_threshold:
            return False
        return bool(re.search(r"\w", segment["text"]))


def load_vad():
    """A fresh Silero VAD (its ONNX model, shipped inside the ``silero-vad`` pip package: no download).

    Each one keeps the state of the audio it scored, so a stream needs its own.
    """
    threads = torch.get_num_threads()  # importing silero_vad sets torch to one thread: keep the caller's setting
    from silero_vad import load_silero_vad

    model = load_silero_vad(onnx=True)
    torch.set_num_threads(threads)
    return model


class VoiceDetector:
    """Silero VAD on audio as it arrives (the live pipeline's third check, notebook 08): :meth:`feed` it every
    chunk, then ask :meth:`heard_speech_since` whether speech came after a given sample. It scores each
    ``VAD_FRAME`` samples once, as they arrive, so a pass costs only the new audio's frames."""

    def __init__(self, threshold: float = VAD_THRESHOLD) -> None:
        self.threshold = threshold
        self._model = load_vad()
        self._pending = np.zeros(0, np.float32)  # samples not yet scored (less than a frame)
        self.scored = 0  # samples scored so far
        self.speech_until = 0  # sample: end of the last frame that held speech (0: none yet)

    def feed(self, chunk: np.ndarray) -> None:
        """Score the frames completed by ``chunk`` (16 kHz float32, the next samples of the stream)."""
        self._pending = np.concatenate([self._pending, np.asarray(chunk, np.float32)])
        frames = len(self._pending) // VAD_FRAME
        for i in range(frames):
            frame = torch.from_numpy(self._pending[i * VAD_FRAME : (i + 1) * VAD_FRAME])
            self.scored += VAD_FRAME
            if self._model(frame, SAMPLE_RATE).item() > self.threshold:
                self.speech_until = self.scored
        self._pending = self._pending[frames * VAD_FRAME :]

    def heard_speech_since(self, sample: int) -> bool:
        """Whether a frame ending after ``sample`` (counted from the start of the stream) held speech."""
        return self.speech_until > sample
