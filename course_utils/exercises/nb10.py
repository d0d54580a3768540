"""Checks for the exercises of notebooks/10_scale_out_and_cost.ipynb. Expected answers come from the course's cost
calculator (course_utils.batch.cost).
"""

from __future__ import annotations

import math

from ..batch.cost import break_even_hours, cost_per_audio_hour
from .feedback import correct, not_yet, number_answer

RENTED = {"throughput": 40.0, "price_per_hour": 1.2, "price_per_minute": 0.006, "setup_hours": 0.5}  # exercises 1, 2


def check_cost_per_audio_hour(answer) -> None:
    """Exercise 1: US dollars per hour of audio on the machine of RENTED, once it runs (start-up left out)."""
    throughput, price = RENTED["throughput"], RENTED["price_per_hour"]
    expected = cost_per_audio_hour(throughput, price)
    value = number_answer(answer, "usd_per_audio_hour", "a number of US dollars per hour of audio")
    if value is None:
        return
    if math.isclose(value, expected, rel_tol=1e-3):
        return correct(
            f"${expected:.3f} per hour of audio: one machine hour (${price:g}) holds {throughput:g} of them."
        )
    if math.isclose(value, throughput / price, rel_tol=1e-3):
        return not_yet("Upside down: that is hours of audio per dollar.")
    if math.isclose(value, price, rel_tol=1e-3):
        return not_yet("That is the price of a machine hour; one machine hour transcribes many hours of audio.")
    if math.isclose(value, expected * 60, rel_tol=1e-3) or math.isclose(value, expected / 60, rel_tol=1e-3):
        return not_yet("Throughput is audio seconds per wall second: also audio hours per machine hour, no 60 needed.")
    not_yet("Divide the machine's price per hour by the hours of audio it transcribes in an hour.")


def check_break_even(answer) -> None:
    """Exercise 2: above how many hours of audio is the machine of RENTED cheaper than the API?"""
    expected = break_even_hours(**RENTED)
    value = number_answer(answer, "hours", "a number of hours of audio")
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
