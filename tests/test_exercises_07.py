"""The checkers of notebook 07: the right answer passes; known-wrong answers and placeholders do not."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import whisper
from checker_output import passes, printed
from whisper.model import TextDecoder

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


# Exercise 2: the similarity of two positions, for sizes the notebook never built.


def similarity_from_codes(distance: int, channels: int) -> float:  # rows 0 and distance of the embedding
    half = channels // 2
    angles = torch.arange(distance + 1)[:, None] / 10_000 ** (torch.arange(half) / (half - 1))
    codes = torch.cat([angles.sin(), angles.cos()], dim=1)
    return float(codes[0] @ codes[distance])


def similarity_closed_form(distance: int, channels: int) -> np.float64:  # sum of cos(d / timescale), numpy
    half = channels // 2
    return np.cos(distance / 10_000 ** (np.arange(half) / (half - 1))).sum()


def similarity_elsewhere(distance: int, channels: int) -> torch.Tensor:  # positions 100 and 100 + d: same value
    codes = whisper.model.sinusoids(100 + distance + 1, channels)
    return codes[100] @ codes[100 + distance]


@pytest.mark.parametrize("right", [similarity_from_codes, similarity_closed_form, similarity_elsewhere])
def test_similarity_right_answers_in_any_form_pass(capsys: pytest.CaptureFixture, right) -> None:
    nb07.check_similarity(right)
    assert passes(capsys)


def notebooks_sinusoids(length: int, channels: int, max_timescale: int = 10_000) -> torch.Tensor:
    """The notebook's own `sinusoids` (section 1), handed back unchanged."""
    half = channels // 2
    timescales = max_timescale ** (torch.arange(half) / (half - 1))
    angles = torch.arange(length)[:, None] / timescales[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


def similarity_over_half(distance: int, channels: int) -> float:  # exponent i / (C/2), not i / (C/2 - 1)
    half = channels // 2
    return float(np.cos(distance / 10_000 ** (np.arange(half) / half)).sum())


def similarity_off_by_one(distance: int, channels: int) -> float:  # rows 0 and distance - 1
    codes = whisper.model.sinusoids(distance + 1, channels)
    return float(codes[0] @ codes[distance - 1])


def similarity_sines_only(distance: int, channels: int) -> float:
    codes = whisper.model.sinusoids(distance + 1, channels)[:, : channels // 2]
    return float(codes[0] @ codes[distance])


def similarity_as_distance(distance: int, channels: int) -> float:
    codes = whisper.model.sinusoids(distance + 1, channels)
    return float((codes[0] - codes[distance]).norm())


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda distance, channels: None, "returns None"),
        (whisper.model.sinusoids, "return one number"),  # Whisper's function handed back unchanged
        (notebooks_sinusoids, "return one number"),  # the notebook's
        (whisper.model.sinusoids(1500, 384), "Pass the function"),  # the embedding itself
        (similarity_over_half, "C/2 - 1"),
        (similarity_off_by_one, "Off by one"),
        (similarity_sines_only, "cosines carry"),
        (similarity_as_distance, "a distance"),
        (lambda distance, channels: 2 * similarity_from_codes(distance, channels), "cos(a - b)"),
        (lambda distance, channels: 1 / 0, "ZeroDivisionError"),
        (lambda distance, channels: "high", "return a number"),
    ],
)
def test_similarity_wrong_answers_are_rejected(capsys: pytest.CaptureFixture, wrong, hint: str) -> None:
    nb07.check_similarity(wrong)
    out = printed(capsys)
    assert out.startswith(NOT_YET) and hint in out, out


# Exercise 3: the causal mask, for any n.


@pytest.mark.parametrize(
    "right",
    [
        lambda n: torch.full((n, n), float("-inf")).triu(1),
        lambda n: torch.full((n, n), -1e9).triu(1),  # a very large negative number: the same weights
        lambda n: np.triu(np.full((n, n), -np.inf), 1),  # numpy
        lambda n: torch.zeros(n, n, dtype=torch.float64).masked_fill(torch.ones(n, n).triu(1).bool(), float("-inf")),
        lambda n: torch.full((n, n), torch.finfo(torch.float32).min).triu(1),
    ],
)
def test_causal_mask_right_answers_in_any_form_pass(capsys: pytest.CaptureFixture, right) -> None:
    nb07.check_causal_mask(right)
    assert passes(capsys)


def test_the_models_own_mask_is_refused(capsys: pytest.CaptureFixture, tiny_en) -> None:
    nb07.check_causal_mask(lambda n: tiny_en.decoder.mask[:n, :n])  # model.decoder.mask handed back
    out = printed(capsys)
    assert out.startswith(NOT_YET) and "stops at n_text_ctx" in out, out


WHISPERS_MASK = TextDecoder(n_vocab=1, n_ctx=448, n_state=2, n_head=1, n_layer=0).mask  # as model.decoder.mask


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda n: None, "returns None"),
        (lambda n: WHISPERS_MASK[:n, :n], "stops at n_text_ctx"),  # the model's mask handed back
        (WHISPERS_MASK, "Pass the function"),
        (lambda n: torch.full((n, n), float("-inf")).tril(-1), "Upside down"),
        (lambda n: torch.full((n, n), float("-inf")).triu(0), "diagonal must be 0"),
        (lambda n: torch.ones(n, n, dtype=torch.bool).triu(1), "added to the scores"),
        (lambda n: torch.full((n + 1, n + 1), float("-inf")).triu(1), "Expected shape"),  # off by one
        (lambda n: torch.full((n, n), -10.0).triu(1), "Not negative enough"),
        (lambda n: torch.ones(n, n).triu(1) * float("-inf"), "NaN"),  # 0 * inf below the diagonal
        (lambda n: torch.full((n, n), float("-inf")), "0 on and below"),
    ],
)
def test_causal_mask_wrong_answers_are_rejected(capsys: pytest.CaptureFixture, wrong, hint: str) -> None:
    nb07.check_causal_mask(wrong)
    out = printed(capsys)
    assert out.startswith(NOT_YET) and hint in out, out


# Exercise 4: every head's distance from an outside reference (base's word starts).


def test_head_errors_are_distances_in_seconds() -> None:
    errors = nb07.head_errors()
    assert errors.shape == (4, 6) and (errors >= 0).all() and errors.max() < 11
    assert (errors == errors.min()).sum() == 1


@pytest.mark.parametrize("form", [np.asarray, lambda e: e.tolist(), torch.tensor, lambda e: e.astype(np.float32)])
def test_head_errors_right_answer_in_any_form_passes(capsys: pytest.CaptureFixture, form) -> None:
    nb07.check_head_errors(form(nb07.head_errors()))
    assert passes(capsys)


def test_head_errors_wrong_answers_are_rejected_without_giving_any_distance(capsys: pytest.CaptureFixture) -> None:
    errors = nb07.head_errors()
    starts = nb07.head_word_starts()
    best = tuple(int(n) for n in np.unravel_index(errors.argmin(), errors.shape))
    one_off = errors.copy()
    one_off[0, 0] += 0.1
    cases = [
        (None, "Set `head_errors`"),
        ("fast", "array of numbers"),
        (best, "every head"),  # the old exercise's answer: one (layer, head)
        (errors.T, "Layers are the rows"),
        (errors[:-1], "Expected shape"),
        (errors / nb07.FRAME_S, "In seconds"),
        (np.abs(starts["heads"] - starts["own"]).mean(axis=-1), "own word times"),  # the circular reference
        ((starts["heads"] - starts["reference"]).mean(axis=-1), "absolute distance"),
        (np.abs(starts["heads_ends"] - starts["reference_ends"]).mean(axis=-1), "ends"),
        (one_off, "1 of the 24 distances are off"),
        (np.zeros_like(errors), "24 of the 24"),
    ]
    shown = {f"{value:.2f}" for value in errors.ravel()} | {f"{value:.3f}" for value in errors.ravel()}
    for answer, hint in cases:
        nb07.check_head_errors(answer)
        out = printed(capsys)
        assert out.startswith(NOT_YET) and hint in out, (answer, out)
        assert not any(value in out for value in shown), out  # a wrong answer never learns a head's distance


def test_no_single_head_can_be_guessed(capsys: pytest.CaptureFixture) -> None:
    """The old exercise asked for one (layer, head): trying all 24 found it. Now every pair gets the same hint."""
    hints = set()
    for layer, head in np.ndindex(*nb07.head_errors().shape):
        nb07.check_head_errors((layer, head))
        hints.add(printed(capsys))
    assert len(hints) == 1 and next(iter(hints)).startswith(NOT_YET), hints
