"""Checks for the exercises of notebooks/09_batch_transcription.ipynb. Expected answers come from the course's own
window cutter (course_utils.batch.windows) and cost calculator (course_utils.batch.cost)."""

from __future__ import annotations

import math

from ..audio import load_audio
from ..batch.cost import break_even_hours
from ..batch.windows import cut_windows
from ..data import clip
from .feedback import correct, not_yet
from .nb06 import _number  # a numeric answer, or its first hints

JOB = (
    "long_speech",
    "jfk",
    "librivox_1",
    "librivox_2",
    "librivox_3",
    "librivox_4",
    "librivox_5",
    "prompt_en_1",
    "prompt_en_2",
    "long_speech",
)  # exercise 1: the recordings of the job
JOB_BATCH = 4  # windows decoded together in exercise 1
MEASURED = {"audio_s": 180.0, "wall_s": 24.0}  # exercise 2: a run of the batch job
RENTED = {"throughput": 40.0, "price_per_hour": 1.2, "price_per_minute": 0.006, "setup_hours": 0.5}  # exercise 3


def job_windows() -> int:
    """How many 30 s windows the recordings of JOB are cut into."""
    return sum(len(cut_windows(c, load_audio(clip(c).path))) for c in JOB)


def check_batches(answer) -> None:
    """Exercise 1: how many batches of JOB_BATCH windows does the job of JOB need?"""
    windows = job_windows()
    expected = math.ceil(windows / JOB_BATCH)
    value = _number(answer, "batches", "a whole number of batches")
    if value is None:
        return
    if value == expected:
        return correct(f"{windows} windows, {JOB_BATCH} at a time: the last batch is not full, and still costs a run.")
    if value == windows // JOB_BATCH:
        return not_yet("Windows left over after the full batches still need one more batch.")
    if value == math.ceil(len(JOB) / JOB_BATCH):
        return not_yet("A batch holds windows, not recordings: count the windows each recording is cut into.")
    if value == windows:
        return not_yet("That is the number of windows; how many batches of JOB_BATCH do they fill?")
    not_yet("Cut each recording with cut_windows, count the windows, and divide by the batch size, rounding up.")


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
