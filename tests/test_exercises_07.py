"""The checkers of notebook 07: the right answer passes; known-wrong answers and placeholders do not."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from checker_output import passes, printed

from course_utils.exercises import nb07
from course_utils.exercises.feedback import NOT_YET

# Exercise 1: encoder frames for 7.5 s.


def test_encoder_frames_right_answer_passes(capsys: pytest.CaptureFixture) -> None:
    nb07.check_encoder_frames(375)
    assert passes(capsys)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (None, "Set `answer`"),
        (750, "mel frames"),
        (1500, "whole 30 s"),
        (374, "One off"),
        (376, "One off"),
        (188, "20 ms"),
    ],
)
def test_encoder_frames_wrong_answers_are_rejected(capsys: pytest.CaptureFixture, answer, hint: str) -> None:
    nb07.check_encoder_frames(answer)
    out = printed(capsys)
    assert out.startswith(NOT_YET) and hint in out


# Exercise 2: sinusoids.


def sinusoids_right(length: int, channels: int) -> torch.Tensor:
    half = channels // 2
    angles = torch.arange(length)[:, None] / 10_000 ** (torch.arange(half) / (half - 1))
    return torch.cat([angles.sin(), angles.cos()], dim=1)


def sinusoids_swapped(length: int, channels: int) -> torch.Tensor:
    half = channels // 2
    right = sinusoids_right(length, channels)
    return torch.cat([right[:, half:], right[:, :half]], dim=1)


def sinusoids_interleaved(length: int, channels: int) -> torch.Tensor:
    half = channels // 2
    return sinusoids_right(length, channels).view(length, 2, half).transpose(1, 2).reshape(length, channels)


def sinusoids_over_half(length: int, channels: int) -> torch.Tensor:  # exponent i / (C/2), not i / (C/2 - 1)
    half = channels // 2
    angles = torch.arange(length)[:, None] / 10_000 ** (torch.arange(half) / half)
    return torch.cat([angles.sin(), angles.cos()], dim=1)


def test_positional_embedding_right_answer_passes(capsys: pytest.CaptureFixture) -> None:
    nb07.check_positional_embedding(sinusoids_right)
    assert passes(capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda length, channels: None, "returns None"),
        (sinusoids_swapped, "swapped"),
        (sinusoids_interleaved, "interleave"),
        (sinusoids_over_half, "C/2 - 1"),
        (lambda length, channels: sinusoids_right(length, channels)[:-1], "Expected shape"),  # one position short
        (lambda length, channels: sinusoids_right(length, channels) * 2, "angle is"),
        (lambda length, channels: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_positional_embedding_wrong_answers_are_rejected(capsys: pytest.CaptureFixture, wrong, hint: str) -> None:
    nb07.check_positional_embedding(wrong)
    out = printed(capsys)
    assert out.startswith(NOT_YET) and hint in out


# Exercise 3: the causal mask.


def test_causal_mask_right_answer_passes(capsys: pytest.CaptureFixture) -> None:
    nb07.check_causal_mask(lambda n: torch.full((n, n), float("-inf")).triu(1))
    assert passes(capsys)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda n: None, "returns None"),
        (lambda n: torch.full((n, n), float("-inf")).tril(-1), "Upside down"),
        (lambda n: torch.full((n, n), float("-inf")).triu(0), "diagonal must be 0"),
        (lambda n: torch.ones(n, n, dtype=torch.bool).triu(1), "added to the scores"),
        (lambda n: torch.full((n + 1, n + 1), float("-inf")).triu(1), "Expected shape"),  # off by one
        (lambda n: torch.full((n, n), -1e4).triu(1), "Minus infinity above"),
    ],
)
def test_causal_mask_wrong_answers_are_rejected(capsys: pytest.CaptureFixture, wrong, hint: str) -> None:
    nb07.check_causal_mask(wrong)
    out = printed(capsys)
    assert out.startswith(NOT_YET) and hint in out


# Exercise 4: the head that tracks words best.


def test_head_errors_are_distances_in_seconds_with_one_best_head() -> None:
    errors = nb07.head_start_errors()
    assert errors.shape == (4, 6) and (errors >= 0).all() and errors.max() < 11
    assert (errors == errors.min()).sum() == 1


def test_best_head_right_answer_passes(capsys: pytest.CaptureFixture) -> None:
    errors = nb07.head_start_errors()
    nb07.check_best_head(tuple(int(n) for n in np.unravel_index(errors.argmin(), errors.shape)))
    assert passes(capsys)


def test_best_head_wrong_answers_are_rejected(capsys: pytest.CaptureFixture) -> None:
    errors = nb07.head_start_errors()
    best = tuple(int(n) for n in np.unravel_index(errors.argmin(), errors.shape))
    worst = tuple(int(n) for n in np.unravel_index(errors.argmax(), errors.shape))
    second = tuple(int(n) for n in np.unravel_index(np.argsort(errors, axis=None)[1], errors.shape))
    cases = [
        (None, "Set `best_head`"),
        ("2,3", "two whole numbers"),
        (best[::-1], "Layer first"),
        (worst, "farthest"),
        (second, "another head does better"),
        ((4, 5), "layers 0 to 3"),
    ]
    for answer, hint in cases:
        if answer == best:  # a square case where swapping gives the same head: nothing to test
            continue
        nb07.check_best_head(answer)
        out = printed(capsys)
        assert out.startswith(NOT_YET) and hint in out, (answer, out)
