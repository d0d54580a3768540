"""Checks for the exercises of notebooks/09_batch_transcription.ipynb. Expected answers come from the course's own
stream cutter (course_utils.streams); throughput is audio seconds over wall seconds."""

from __future__ import annotations

import math

import numpy as np
from whisper.audio import N_SAMPLES

from ..audio import SAMPLE_RATE, load_audio
from ..data import clip
from ..streams import STREAM_S, cut_points
from .feedback import correct, not_yet, number_answer

LECTURE_CLIP = "long_speech"  # exercise 1: a lecture made of this clip ...
LECTURE_REPEATS = 20  # ... this many times over, one stretch of speech
MEASURED = {"audio_s": 180.0, "wall_s": 24.0}  # exercise 2: a run of the batch job


def lecture() -> np.ndarray:
    """The lecture of exercise 1: LECTURE_CLIP LECTURE_REPEATS times over (16 kHz samples)."""
    return np.tile(load_audio(clip(LECTURE_CLIP).path), LECTURE_REPEATS)


def check_streams(answer) -> None:
    """Exercise 1: how many streams is the lecture cut into?"""
    audio = lecture()
    expected = len(cut_points(audio, STREAM_S * SAMPLE_RATE))
    duration_s = len(audio) / SAMPLE_RATE
    value = number_answer(answer, "streams_in_lecture", "a whole number of streams")
    if value is None:
        return
    if value == expected:
        return correct(f"{duration_s:.0f} s of speech, at most {STREAM_S} s a stream: the last one is shorter.")
    if value == duration_s // STREAM_S:
        return not_yet("The speech left over after the full streams is a stream too.")
    if value == LECTURE_REPEATS:
        return not_yet("The copies follow each other: one stretch of speech, cut only where a stream is full.")
    if value == len(cut_points(audio, N_SAMPLES)):
        return not_yet("That counts 30 s windows; a stream holds up to STREAM_S seconds of them.")
    not_yet("Divide the lecture's length in seconds by STREAM_S and round up, or call streams.cut_points.")


def check_throughput(answer) -> None:
    """Exercise 2: the throughput of MEASURED, in audio seconds per wall second."""
    expected = MEASURED["audio_s"] / MEASURED["wall_s"]
    value = number_answer(answer, "throughput", "a number of audio seconds per wall second")
    if value is None:
        return
    if math.isclose(value, expected, rel_tol=1e-3):
        return correct(f"{expected:g} seconds of audio per second: {expected:g} hours of audio per hour of machine.")
    if math.isclose(value, 1 / expected, rel_tol=1e-3):
        return not_yet("Upside down: that is wall seconds per audio second (a real-time factor).")
    if math.isclose(value, MEASURED["audio_s"] - MEASURED["wall_s"], rel_tol=1e-3):
        return not_yet("Throughput is a ratio: divide, don't subtract.")
    not_yet("Divide the seconds of audio transcribed by the wall seconds it took.")
