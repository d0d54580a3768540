"""Checks for the exercises of notebooks/09_batch_transcription.ipynb. Expected answers come from the course's own
stream cutter (course_utils.streams) and cost calculator (course_utils.batch.cost)."""

from __future__ import annotations

import math

import numpy as np
from whisper.audio import N_SAMPLES

from ..audio import SAMPLE_RATE, load_audio
from ..batch.cost import break_even_hours
from ..data import clip
from ..streams import STREAM_S, cut_points
from .feedback import correct, not_yet
from .nb06 import _number  # a numeric answer, or its first hints

LECTURE_CLIP = "long_speech"  # exercise 1: a lecture made of this clip ...
LECTURE_REPEATS = 20  # ... this many times over, one stretch of speech
MEASURED = {"audio_s": 180.0, "wall_s": 24.0}  # exercise 2: a run of the batch job
RENTED = {"throughput": 40.0, "price_per_hour": 1.2, "price_per_minute": 0.006, "setup_hours": 0.5}  # exercise 3


def lecture() -> np.ndarray:
    """The lecture of exercise 1: LECTURE_CLIP LECTURE_REPEATS times over (16 kHz samples)."""
    return np.tile(load_audio(clip(LECTURE_CLIP).path), LECTURE_REPEATS)


def check_streams(answer) -> None:
    """Exercise 1: how many streams is the lecture cut into?"""
    audio = lecture()
    expected = len(cut_points(audio, STREAM_S * SAMPLE_RATE))
    duration_s = len(audio) / SAMPLE_RATE
    value = _number(answer, "streams_in_lecture", "a whole number of streams")
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
    value = _number(answer, "throughput", "a number of audio seconds per wall second")
    if value is None:
        return
    if math.isclose(value, expected, rel_tol=1e-3):
        return correct(f"{expected:g} seconds of audio per second: {expected:g} hours of audio per hour of machine.")
    if math.isclose(value, 1 / expected, rel_tol=1e-3):
        return not_yet("Upside down: that is wall seconds per audio second (a real-time factor).")
    if math.isclose(value, MEASURED["audio_s"] - MEASURED["wall_s"], rel_tol=1e-3):
        return not_yet("Throughput is a ratio: divide, don't subtract.")
    not_yet("Divide the seconds of audio transcribed by the wall seconds it took.")


def check_break_even(answer) -> None:
    """Exercise 3: above how many hours of audio is the machine of RENTED cheaper than the API?"""
    expected = break_even_hours(**RENTED)
    value = _number(answer, "hours", "a number of hours of audio")
    if value is None:
        return
    if math.isclose(value, expected, rel_tol=1e-3):
        return correct(f"Above {expected:.2f} h of audio the rented machine is cheaper: its start-up is paid once.")
    free_machine = RENTED["price_per_hour"] * RENTED["setup_hours"] / (60 * RENTED["price_per_minute"])
    if math.isclose(value, free_machine, rel_tol=1e-3):
        return not_yet("After start-up the machine still costs its price for every hour it decodes: subtract that.")
    if math.isclose(value, 1 / expected, rel_tol=1e-3):
        return not_yet("Upside down: the start-up cost goes above the line, the saving per audio hour below it.")
    not_yet("Write both costs as a function of the hours of audio and find where they are equal.")
