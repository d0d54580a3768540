"""The speech gate: keeps silence and music from turning into invented text ("Thank you." on silence).

Taught in notebooks/05_live_transcription.ipynb ("Silence and music must stay silent"); the trained voice
activity detector that helps it (:class:`course_utils.speech.VoiceDetector`) in notebooks/08_hallucinations.ipynb.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..audio import SAMPLE_RATE
from ..segments import COMPRESSION_RATIO_THRESHOLD, LOGPROB_THRESHOLD, is_silent

SILENCE_DBFS = -45.0  # dB full scale: a buffer whose loudest 0.1 s frame is quieter than this is silence
DOUBT_NO_SPEECH = 0.3  # live rule: no_speech_prob above this...
DOUBT_WORD_PROBABILITY = 0.4  # ...and words this unlikely (geometric mean) means invented ("Thank you.")


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
    (:func:`course_utils.segments.is_silent`, with ``logprob_threshold``),
    that Whisper doubts (``no_speech_prob`` above ``doubt_no_speech`` while the geometric mean of its words'
    probabilities is below ``doubt_word_probability``: the "Thank you." Whisper writes on the pause left after a
    phrase was trimmed), that loops (compression ratio above ``compression_ratio_threshold``), or that has no
    letter or digit.
    """

    silence_dbfs: float = SILENCE_DBFS
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
        if is_silent(segment["no_speech_prob"], segment["avg_logprob"], self.logprob_threshold):
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
