"""What a batch job costs: on a machine you rent by the hour, against a transcription API priced per minute.

Taught in notebooks/09_batch_transcription.ipynb. Throughput is measured (``bench-batch``) in audio seconds per
wall second, which is also hours of audio per hour of machine. Renting a machine costs ``setup_hours`` of start-up
(booting, installing, loading the model) on top of the hours it decodes; the API costs its price for every minute
of audio. The break-even point is the amount of audio above which the rented machine is cheaper.
"""

from __future__ import annotations

import math

API_PRICE_PER_MIN_USD = 0.006  # OpenAI's whisper-1 transcription API, US dollars per minute of audio ...
API_PRICE_READ_ON = "2026-11-30"  # ... as the course's research notes give it on this date: check it again
SETUP_HOURS = 0.25  # hours a rented machine is paid for before it decodes: boot, install, load the model


def machine_hours(audio_hours: float, throughput: float, setup_hours: float = SETUP_HOURS) -> float:
    """Hours of machine time to transcribe ``audio_hours`` at ``throughput`` (audio seconds per wall second)."""
    return setup_hours + audio_hours / throughput


def machine_cost(
    audio_hours: float, throughput: float, price_per_hour: float, setup_hours: float = SETUP_HOURS
) -> float:
    """US dollars to transcribe ``audio_hours`` on a machine rented at ``price_per_hour``."""
    return price_per_hour * machine_hours(audio_hours, throughput, setup_hours)


def cost_per_audio_hour(throughput: float, price_per_hour: float) -> float:
    """US dollars per hour of audio on a machine already running (start-up left out)."""
    return price_per_hour / throughput


def api_cost(audio_hours: float, price_per_minute: float = API_PRICE_PER_MIN_USD) -> float:
    """US dollars to transcribe ``audio_hours`` with an API priced per minute of audio."""
    return 60 * audio_hours * price_per_minute


def break_even_hours(
    throughput: float,
    price_per_hour: float,
    price_per_minute: float = API_PRICE_PER_MIN_USD,
    setup_hours: float = SETUP_HOURS,
) -> float:
    """Hours of audio above which the rented machine costs less than the API (``math.inf`` if it never does):
    where ``price_per_hour * (setup_hours + a / throughput)`` equals ``60 * a * price_per_minute``."""
    saving_per_audio_hour = 60 * price_per_minute - cost_per_audio_hour(throughput, price_per_hour)
    if saving_per_audio_hour <= 0:
        return math.inf
    return price_per_hour * setup_hours / saving_per_audio_hour
