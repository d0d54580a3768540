"""Words with source times: what the live transcriber commits, and how Whisper's segments become them.

Taught in notebooks/05_live_transcription.ipynb ("Which words are final?").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .gate import SpeechGate


@dataclass(frozen=True)
class Word:
    """One word as Whisper wrote it (with its leading space), its source times, and when it was committed."""

    text: str
    start: float  # source seconds
    end: float  # source seconds
    committed_at: float | None = None  # source seconds played when it was committed (None: not, or unknown)

    @property
    def key(self) -> str:
        """The word for comparisons: lower case, letters, digits and apostrophes only ("Country," -> "country")."""
        return word_key(self.text)


def word_key(text: str) -> str:
    """``text`` lower case with everything but letters, digits and apostrophes removed."""
    return re.sub(r"[^\w']", "", text.lower())


def join_words(words: Sequence[Word]) -> str:
    """The text of ``words`` as Whisper spells it (each word carries its leading space)."""
    return "".join(w.text for w in words).strip()


def segments_to_words(result: dict, offset_s: float, gate: SpeechGate | None = None) -> list[list[Word]]:
    """Whisper's ``result`` (transcribed with ``word_timestamps=True``) as one list of :class:`Word` per segment,
    in source time (``offset_s``: source time of the audio's first sample); segments the gate rejects dropped."""
    segments = []
    for segment in result["segments"]:
        if gate is not None and not gate.is_speech(segment):
            continue
        words = [
            Word(w["word"], offset_s + float(w["start"]), offset_s + float(w["end"]))
            for w in segment.get("words", [])
            if word_key(w["word"])
        ]
        if words:
            segments.append(words)
    return segments
