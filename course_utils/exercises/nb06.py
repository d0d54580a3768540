"""Checks for the exercises of notebooks/06_threads_asyncio_processes.ipynb. Expected answers come from the
simulated sound card of course_utils.live."""

from __future__ import annotations

import numpy as np

from ..audio import SAMPLE_RATE
from ..live import SimulatedMicrophone
from .feedback import correct, not_yet, number_answer

BLOCKED_S = 3.5  # wall seconds the recording loop is blocked, at real-time speed (exercise 1)
LATE_SPEED = 4.0  # the simulated microphone's speed in exercise 2
CHOICES = ("threads", "asyncio + to_thread", "processes")
PROGRAMS = {  # letter -> the program (exercise 3)
    "a": "a script with no event loop: records the microphone and transcribes with Whisper (torch)",
    "b": "an asyncio web server that must keep answering other requests while it transcribes an upload",
    "c": "a pure-Python loop that cleans a million transcripts, on a machine with 8 cores",
}
BEST = {"a": "threads", "b": "asyncio + to_thread", "c": "processes"}


def _sound_card() -> SimulatedMicrophone:
    """The course's simulated microphone with its default sound card and chunk."""
    return SimulatedMicrophone(np.zeros(SAMPLE_RATE, np.float32))


def dropped_when_blocked(blocked_s: float = BLOCKED_S) -> int:
    """Samples lost when the recording loop comes back ``blocked_s`` seconds after its last read (real time)."""
    capacity = _sound_card().capacity  # samples the sound card holds
    return max(0, round(blocked_s * SAMPLE_RATE) - capacity)


def latest_read_ms(speed: float = LATE_SPEED) -> float:
    """How late a read may come (wall milliseconds) before samples are lost: the card holds its capacity, the
    loop takes a chunk at a time, and ``speed`` times real time shrinks both."""
    card = _sound_card()
    return 1000 * (card.capacity / SAMPLE_RATE - card.chunk_s) / speed


def check_dropped_samples(answer) -> None:
    """Exercise 1: the sound card holds its capacity; the recording loop is blocked BLOCKED_S seconds."""
    expected = dropped_when_blocked()
    value = number_answer(answer, "dropped", "a whole number of samples")
    if value is None:
        return
    if value == expected:
        return correct("The card keeps its last seconds; the ones before were overwritten. Never block the loop.")
    if value == round(BLOCKED_S * SAMPLE_RATE):
        return not_yet("The sound card still holds its last seconds when the loop comes back: only the rest is lost.")
    if value == _sound_card().capacity:
        return not_yet("That is what the card still holds when the loop comes back; how much came before it?")
    if 0 < value < BLOCKED_S:
        return not_yet("Give the answer in samples at 16 kHz, not in seconds.")
    not_yet("In the blocked time the card captures that many seconds of samples but holds only its capacity.")


def check_latest_read(answer) -> None:
    """Exercise 2: how late (wall milliseconds) may a read come at LATE_SPEED before samples are lost?"""
    expected = latest_read_ms()
    value = number_answer(answer, "late_ms", "a number of milliseconds")
    if value is None:
        return
    card = _sound_card()
    card_s, chunk_s = card.capacity / SAMPLE_RATE, card.chunk_s
    if abs(value - expected) < 0.5:
        return correct(f"{expected:.0f} ms: the faster the audio comes, the sooner the loop must be back.")
    if abs(value - expected / 1000) < 0.001:
        return not_yet("Give it in milliseconds, not seconds.")
    if abs(value - 1000 * card_s / LATE_SPEED) < 0.5:
        return not_yet(
            "A read that comes on time already takes one chunk: only what the card holds beyond it is spare."
        )
    if abs(value - 1000 * (card_s - chunk_s)) < 0.5:
        return not_yet("That holds at real time. At a higher speed the audio arrives faster: divide by the speed.")
    if abs(value - 1000 * (card_s - chunk_s) * LATE_SPEED) < 0.5:
        return not_yet("Faster audio leaves less time, not more: divide by the speed.")
    not_yet("Spare audio = what the card holds minus the chunk a read takes; at speed x it lasts 1/x as long.")


def check_pick_the_tool(answer) -> None:
    """Exercise 3: for each program of PROGRAMS, the simplest tool among CHOICES that keeps it responsive."""
    if answer is None:
        return not_yet(f'Set answer = {{"a": ..., "b": ..., "c": ...}}, each one of {", ".join(map(repr, CHOICES))}.')
    if not isinstance(answer, dict) or set(answer) != set(PROGRAMS):
        return not_yet(f"answer must be a dictionary with the keys {', '.join(map(repr, PROGRAMS))}.")
    chosen = {k: str(v).strip().lower() for k, v in answer.items()}
    if not set(chosen.values()) <= set(CHOICES):
        return not_yet(f"Use only {', '.join(map(repr, CHOICES))}.")
    if chosen == BEST:
        return correct(
            "torch lets go of the GIL, so threads suffice; an event loop must never block; "
            "pure Python needs processes to use more than one core."
        )
    if chosen["c"] != "processes":
        return not_yet("c: pure Python code holds the GIL, so threads take turns on one core. What runs in parallel?")
    if chosen["b"] != "asyncio + to_thread":
        return not_yet("b: the server already runs an event loop; what must it do with a long pass?")
    not_yet("a: no event loop, one model, torch releases the GIL: what is the simplest?")
