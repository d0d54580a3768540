"""The live loop with the clock taken out, for the deterministic replays of unsure.py and translate_replay.py."""

from __future__ import annotations

import queue

import numpy as np
import whisper

import course_utils as cu
from course_utils import live


def replay(
    model: whisper.Whisper, policy: live.CommitPolicy | str, audio: np.ndarray, every: int = 1, phase: int = 0
) -> live.LiveTranscriber:
    """Hand ``audio`` (16 kHz samples) to a LiveTranscriber (with its voice detector) in ``live.BROWSER_CHUNK_S``
    chunks, a pass after every ``every``-th chunk from chunk ``phase`` as if passes took no time, then the last pass
    that commits everything: the same audio and schedule always give the same passes and words."""
    chunks = queue.Queue()
    transcriber = live.LiveTranscriber(model, live.QueueSource(chunks), policy)
    chunk = int(live.BROWSER_CHUNK_S * cu.SAMPLE_RATE)
    for i, start in enumerate(range(0, len(audio), chunk)):
        chunks.put(audio[start : start + chunk])
        if i % every == phase:
            transcriber.pull()
            transcriber.step()
    chunks.put(None)
    transcriber.pull()
    transcriber.step(final=True)
    return transcriber
