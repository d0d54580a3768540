"""Checks for the exercises of notebooks/07_inside_whisper.ipynb."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import torch
import whisper
from whisper.audio import HOP_LENGTH, TOKENS_PER_SECOND
from whisper.model import TextDecoder, sinusoids
from whisper.tokenizer import get_tokenizer

from ..audio import load_audio
from ..data import clip
from ..models import load_model
from .feedback import correct, not_yet

FRAMES_SECONDS = 7.5  # exercise 1: audio this long
EMBEDDING_SIZES = ((1500, 384), (64, 16))  # exercise 2: (length, channels) the learner's embedding must match
MASK_SIZES = (1, 5, 448)  # exercise 3: sizes of the causal mask checked
HEAD_CLIP = "jfk"  # exercise 4: the clip whose word times each head gives


def check_encoder_frames(answer: int | None) -> None:
    """Exercise 1: encoder frames (20 ms each) that hold 7.5 s of audio."""
    expected = round(FRAMES_SECONDS * TOKENS_PER_SECOND)
    if answer is None:
        return not_yet("Set `answer` to a number. How many 10 ms mel frames are 7.5 s, and what does conv2 do?")
    if answer == 2 * expected:
        return not_yet("That is the number of 10 ms mel frames; conv2 moves in steps of 2.")
    if answer == 1500:
        return not_yet("That is the whole 30 s window; count only the frames of the 7.5 s.")
    if answer in (expected - 1, expected + 1):
        return not_yet("One off: an encoder frame is exactly 20 ms, so divide 7.5 s by 0.02 s.")
    if answer != expected:
        return not_yet("An encoder frame covers 20 ms (two mel frames of 10 ms).")
    return correct(f"{expected} frames of 20 ms.")


def _try(function: Callable, *args):
    """(result as a tensor, None) or (None, a hint naming the learner's error)."""
    try:
        result = function(*args)
    except Exception as error:  # noqa: BLE001 (the learner's code: any failure becomes a hint)
        return None, f"Your function raised {type(error).__name__}: {error}"
    if result is None:
        return None, "Your function returns None: return a tensor."
    return torch.as_tensor(result, dtype=torch.float32), None


def check_positional_embedding(positional_embedding: Callable[[int, int], torch.Tensor]) -> None:
    """Exercise 2: the encoder's sinusoidal positional embedding, (length, channels)."""
    for length, channels in EMBEDDING_SIZES:
        got, problem = _try(positional_embedding, length, channels)
        if problem:
            return not_yet(problem)
        expected = sinusoids(length, channels)
        if got.shape != expected.shape:
            return not_yet(
                f"Expected shape {tuple(expected.shape)} for ({length}, {channels}), got {tuple(got.shape)}."
            )
        if torch.allclose(got, expected, atol=1e-3):
            continue
        half = channels // 2
        if torch.allclose(got, torch.cat([expected[:, half:], expected[:, :half]], dim=1), atol=1e-3):
            return not_yet("Sines and cosines are swapped: sines go in the first half of the channels.")
        if torch.allclose(got, expected.view(length, 2, half).transpose(1, 2).reshape(length, channels), atol=1e-3):
            return not_yet("Whisper does not interleave sine and cosine: all sines first, then all cosines.")
        angles = torch.arange(length)[:, None] / 10_000 ** (torch.arange(half) / half)
        if torch.allclose(got, torch.cat([angles.sin(), angles.cos()], dim=1), atol=1e-3):
            return not_yet("Almost: Whisper divides the exponent by C/2 - 1, so the last period is exactly 10000.")
        return not_yet(
            "For position t and channel pair i the angle is t / 10000 ** (i / (channels // 2 - 1)); "
            "return torch.cat([sin(angles), cos(angles)], dim=1)."
        )
    return correct("This is encoder.positional_embedding.")


def check_causal_mask(mask_for: Callable[[int], torch.Tensor]) -> None:
    """Exercise 3: the (n, n) causal mask of Whisper's text decoder."""
    for n in MASK_SIZES:
        expected = TextDecoder(n_vocab=1, n_ctx=n, n_state=2, n_head=1, n_layer=0).mask
        got, problem = _try(mask_for, n)
        if problem:
            return not_yet(problem)
        if got.shape != expected.shape:
            return not_yet(f"Expected shape {tuple(expected.shape)} for n = {n}, got {tuple(got.shape)}.")
        if torch.equal(got, expected):
            continue
        if torch.equal(got, expected.T):
            return not_yet("Upside down: minus infinity goes above the diagonal (later positions), not below.")
        if torch.equal(got, torch.full((n, n), -np.inf).triu(0)):
            return not_yet("The diagonal must be 0: a position may look at itself.")
        if set(got.unique().tolist()) <= {0.0, 1.0}:  # a mask of booleans or 0/1
            return not_yet("The mask is added to the scores: 0 where a position may look, minus infinity elsewhere.")
        return not_yet("Minus infinity above the diagonal, 0 on and below it: torch.full((n, n), -inf).triu(1).")
    return correct("This is model.decoder.mask.")


@cache
def head_start_errors() -> np.ndarray:
    """(n_text_layer, n_text_head): mean distance in seconds between each tiny.en head's word starts on JFK and
    Whisper's (``whisper.timing.find_alignment``), when that head alone stands in for the alignment heads."""
    model = load_model("tiny.en", device="cpu")
    audio = load_audio(clip(HEAD_CLIP).path)
    tokenizer = get_tokenizer(model.is_multilingual, language="en", task="transcribe")
    text_tokens = tokenizer.encode(" " + clip(HEAD_CLIP).transcript)
    mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), model.dims.n_mels)
    alignment = whisper.timing.find_alignment(model, tokenizer, text_tokens, mel, len(audio) // HOP_LENGTH)
    reference = [timing.start for timing in alignment]
    tokens = [*tokenizer.sot_sequence, tokenizer.no_timestamps, *text_tokens, tokenizer.eot]
    attention = alignment.cross_attention(model, mel, tokens)
    n_frames = len(audio) // HOP_LENGTH // 2
    errors = np.zeros(attention.shape[:2])
    for layer, head in np.ndindex(*errors.shape):
        matrix = alignment.alignment_matrix(attention, torch.tensor([[layer, head]]), n_frames)
        rows = matrix[len(tokenizer.sot_sequence) : -1]
        words = alignment.word_times(tokenizer, text_tokens, alignment.dtw_path(-rows.double().numpy()))
        errors[layer, head] = np.mean([abs(start - ref) for (_, start, _), ref in zip(words, reference)])
    return errors


def check_best_head(answer: tuple[int, int] | None) -> None:
    """Exercise 4: the (layer, head) of tiny.en whose word starts on JFK lie closest to Whisper's."""
    if answer is None:
        return not_yet("Set `best_head` to a pair of whole numbers, (layer, head), as in `model.alignment_heads`.")
    errors = head_start_errors()
    try:
        layer, head = (int(n) for n in answer)
    except (TypeError, ValueError):
        return not_yet("Give two whole numbers: (layer, head).")
    best = np.unravel_index(errors.argmin(), errors.shape)
    if not (0 <= layer < errors.shape[0] and 0 <= head < errors.shape[1]):
        if (head, layer) == best:
            return not_yet("Layer first, then head.")
        return not_yet(f"tiny.en has layers 0 to {errors.shape[0] - 1} and heads 0 to {errors.shape[1] - 1}.")
    if (layer, head) == best:
        return correct(f"Its word starts lie {errors[best]:.2f} s from Whisper's on average.")
    if (head, layer) == best:
        return not_yet("Layer first, then head.")
    if (layer, head) == np.unravel_index(errors.argmax(), errors.shape):
        return not_yet(
            "That is the head whose word starts lie farthest from Whisper's: look for the smallest distance."
        )
    return not_yet(
        f"Layer {layer}, head {head}: its word starts lie {errors[layer, head]:.2f} s from Whisper's on "
        "average; another head does better."
    )
