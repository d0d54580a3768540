"""The checkers of notebook 10 (scale-out and cost): the placeholder gets the gentle first hint, wrong answers (an
upside-down ratio, the wrong unit, right totals by a wrong path) are rejected, and the right answer passes; every
price and published speed the notebook uses carries its source and date."""

from __future__ import annotations

import math
import re

from checker_output import accepts, said

from course_utils.batch import cost
from course_utils.exercises import nb10


def test_cost_per_audio_hour(capsys):
    expected = 1.2 / 40  # dollars per machine hour over audio hours per machine hour
    assert math.isclose(
        cost.cost_per_audio_hour(**{k: nb10.RENTED[k] for k in ("throughput", "price_per_hour")}), expected
    )
    assert "Set usd_per_audio_hour" in said(capsys, nb10.check_cost_per_audio_hour, None)
    assert accepts(capsys, nb10.check_cost_per_audio_hour, 0.03)
    for wrong in [40 / 1.2, 1.2, 0.03 * 60, 0.03 / 60, 0.04, "cheap"]:  # upside down, the hourly price, minutes
        assert not accepts(capsys, nb10.check_cost_per_audio_hour, wrong), wrong
    assert "Upside down" in said(capsys, nb10.check_cost_per_audio_hour, 40 / 1.2)
    assert "no 60" in said(capsys, nb10.check_cost_per_audio_hour, 1.8)
    assert "machine hour" in said(capsys, nb10.check_cost_per_audio_hour, 1.2)


def test_break_even(capsys):
    expected = cost.break_even_hours(**nb10.RENTED)
    assert math.isclose(expected, 1.2 * 0.5 / (0.36 - 1.2 / 40))  # start-up cost over the saving per audio hour
    assert "Set hours" in said(capsys, nb10.check_break_even, None)
    assert accepts(capsys, nb10.check_break_even, round(expected, 3))
    for wrong in [1.2 * 0.5 / 0.36, 1 / expected, 0.5, expected + 1]:  # machine free after start-up, upside down
        assert not accepts(capsys, nb10.check_break_even, wrong), wrong
    assert "Upside down" in said(capsys, nb10.check_break_even, 1 / expected)
    assert "subtract" in said(capsys, nb10.check_break_even, 1.2 * 0.5 / 0.36)


def test_prices_and_published_runs_carry_source_and_date():
    for item in (*cost.PRICES, *cost.PUBLISHED_GPU_RUNS):
        assert item.source.startswith("https://"), item
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", item.read_on), item
    assert cost.API_PRICE_PER_MIN_USD == cost.OPENAI_WHISPER_1.usd == 0.006
    assert math.isclose(cost.V100S_FASTER_WHISPER_FP16.throughput, 780 / 54)


def test_break_even_never_when_the_machine_costs_more_per_audio_hour():
    assert cost.break_even_hours(throughput=1.0, price_per_hour=1.0) == math.inf  # $1 per audio hour > $0.36
