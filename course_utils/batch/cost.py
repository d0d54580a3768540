"""What a batch job costs: on a machine you rent by the hour, against a transcription API priced per minute.

Taught in notebooks/10_scale_out_and_cost.ipynb. Throughput is measured (``bench-batch``, or a published benchmark)
in audio seconds per wall second, which is also hours of audio per hour of machine. Renting a machine costs
``setup_hours`` of start-up (booting, installing, loading the model) on top of the hours it decodes; the API costs its
price for every minute of audio. The break-even point is the amount of audio above which the rented machine is
cheaper.

Every price and published speed below is a parameter with its source and the date it was read: prices change, so
read them again before you decide anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SETUP_HOURS = 0.25  # hours a rented machine is paid for before it decodes: boot, install, load the model
READ_ON = "2026-12-07"  # the day the sources below were read for the course


@dataclass(frozen=True)
class Price:
    """A published price: ``usd`` US dollars per ``unit``, where it was read (``source``) and when (``read_on``)."""

    what: str
    usd: float
    unit: str  # "audio minute" for an API, "machine hour" or "GPU hour" for a rented machine
    source: str
    read_on: str = READ_ON


@dataclass(frozen=True)
class PublishedRun:
    """A published timing: ``audio_s`` seconds of audio transcribed in ``wall_s`` seconds, at ``gpu_memory_mb`` peak
    GPU memory, by ``what``, as ``source`` reports it."""

    what: str
    audio_s: float
    wall_s: float
    gpu_memory_mb: int
    source: str
    read_on: str = READ_ON

    @property
    def throughput(self) -> float:
        """Audio seconds per wall second (hours of audio per hour of machine)."""
        return self.audio_s / self.wall_s


OPENAI_WHISPER_1 = Price(
    "OpenAI API, whisper-1 (Whisper large-v2; marked deprecated)",
    0.006,
    "audio minute",
    "https://developers.openai.com/api/docs/models/whisper-1 (announced at this price in March 2023)",
)
OPENAI_GPT_4O_MINI_TRANSCRIBE = Price(
    "OpenAI API, gpt-4o-mini-transcribe (OpenAI's estimate per minute)",
    0.003,
    "audio minute",
    "https://whipscribe.com/tools/openai-whisper-api (OpenAI's rates, checked there 2026-04-20); OpenAI prices it "
    "per token: https://developers.openai.com/api/docs/models/gpt-4o-mini-transcribe",
)
OPENAI_GPT_4O_TRANSCRIBE = Price(
    "OpenAI API, gpt-4o-transcribe (OpenAI's estimate per minute)",
    0.006,
    "audio minute",
    "https://whipscribe.com/tools/openai-whisper-api (OpenAI's rates, checked there 2026-04-20); OpenAI prices it "
    "per token: https://developers.openai.com/api/docs/models/gpt-4o-transcribe",
)
LAMBDA_V100 = Price(
    "Lambda on-demand, 8x NVIDIA Tesla V100 16 GB (price per GPU)",
    0.79,
    "GPU hour",
    "https://lambda.ai/instances, as transcribed on 2026-09-20 in github.com/api-evangelist/lambda-labs "
    "(plans/lambda-labs-plans-pricing.yml)",
)
LAMBDA_A10 = Price(
    "Lambda on-demand, 1x NVIDIA A10 24 GB",
    1.29,
    "GPU hour",
    "https://lambda.ai/instances, as transcribed on 2026-09-20 in github.com/api-evangelist/lambda-labs "
    "(plans/lambda-labs-plans-pricing.yml)",
)
AWS_M7G_LARGE = Price(
    "AWS EC2 on-demand m7g.large (2 vCPU, 8 GiB, Linux, us-east-1)",
    0.0816,
    "machine hour",
    "https://www.factualminds.com/blog/amazon-ec2-on-demand-pricing-instance-families-2026/ (AWS's rate, June 2026)",
)
PRICES = (
    OPENAI_WHISPER_1,
    OPENAI_GPT_4O_MINI_TRANSCRIBE,
    OPENAI_GPT_4O_TRANSCRIBE,
    LAMBDA_V100,
    LAMBDA_A10,
    AWS_M7G_LARGE,
)

FASTER_WHISPER_README = (
    "https://github.com/SYSTRAN/faster-whisper README, Benchmark, Large-v2 model on GPU (13 minutes of audio, "
    "NVIDIA Tesla V100S, CUDA 11.7.1)"
)
V100S_FASTER_WHISPER_FP16 = PublishedRun(
    "faster-whisper large-v2 fp16, beam 5, V100S", 13 * 60, 54, 4755, FASTER_WHISPER_README
)
V100S_FASTER_WHISPER_INT8 = PublishedRun(
    "faster-whisper large-v2 int8, beam 5, V100S", 13 * 60, 59, 3091, FASTER_WHISPER_README
)
V100S_OPENAI_WHISPER_FP16 = PublishedRun(
    "openai/whisper large-v2 fp16, beam 5, V100S", 13 * 60, 4 * 60 + 30, 11325, FASTER_WHISPER_README
)
PUBLISHED_GPU_RUNS = (V100S_OPENAI_WHISPER_FP16, V100S_FASTER_WHISPER_FP16, V100S_FASTER_WHISPER_INT8)

API_PRICE_PER_MIN_USD = OPENAI_WHISPER_1.usd  # the API the course compares against, US dollars per audio minute


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
