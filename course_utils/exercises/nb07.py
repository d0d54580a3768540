"""Checks for the exercises of notebooks/07_inside_whisper.ipynb."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import torch
import whisper
from whisper.audio import HOP_LENGTH, TOKENS_PER_SECOND
from whisper.model import sinusoids
from whisper.tokenizer import get_tokenizer

from ..alignment import FRAME_S, align_words, alignment_matrix, cross_attention, dtw_path, word_times
from ..audio import load_audio
from ..data import clip
from ..models import load_model
from .feedback import correct, not_yet

FRAMES_SECONDS = 7.5  # exercise 1: audio this long
# Exercise 2: (distance in frames, channels) asked for; the notebook never builds these, and 0 last (an
# off-by-one that indexes row d - 1 fails there with an IndexError instead of showing its own hint).
SIMILARITY_CASES = ((3, 384), (50, 512), (777, 16), (0, 384))
SIMILARITY_TOLERANCE = 1e-2  # float32 sines of angles up to 777 radians round at about 1e-4 per channel pair
# Exercise 3: mask sizes checked; 600 is beyond the decoder's n_text_ctx (448), where model.decoder.mask ends.
MASK_SIZES = (5, 1, 448, 600)
MASKED_AT_MOST = -1e4  # an added score this low gives weight exp(-1e4 + score) = 0 in float32: as good as -inf
HEAD_CLIP = "jfk"  # exercise 4: the clip whose word starts each head gives
REFERENCE_MODEL = "base"  # exercise 4: the word starts each tiny.en head is compared with (its own alignment heads)
HEAD_TOLERANCE_S = 0.005  # exercise 4: starts are whole 20 ms frames, so the same steps agree to rounding


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


def _call(function: Callable, *args):
    """(result as a float32 tensor, None) or (None, a hint naming the learner's error)."""
    if not callable(function):
        return None, "Pass the function itself (its name, without brackets), not a value."
    try:
        result = function(*args)
    except Exception as error:  # noqa: BLE001 (the learner's code: any failure becomes a hint)
        return None, f"Your function raised {type(error).__name__}: {error}"
    if result is None:
        return None, "Your function returns None: return your result."
    try:
        return torch.as_tensor(np.asarray(result, dtype=np.float32)), None
    except (TypeError, ValueError, RuntimeError):
        return None, f"Your function returns a {type(result).__name__}: return a number or a tensor."


def _similarity(distance: int, channels: int, exponent_over: int | None = None) -> float:
    """The dot product of two sinusoidal position codes `distance` frames apart: sum over the channel pairs of
    cos(distance / timescale), since sin(a) sin(b) + cos(a) cos(b) = cos(a - b). Whisper's timescales are
    10000 ** (i / (channels // 2 - 1)); `exponent_over` replaces that divisor (a near miss)."""
    half = channels // 2
    timescales = 10_000.0 ** (np.arange(half) / (exponent_over or half - 1))
    return float(np.cos(distance / timescales).sum())


def check_similarity(similarity: Callable[[int, int], float]) -> None:
    """Exercise 2: the dot product of the encoder's position codes of two frames `distance` apart."""
    values = []
    for distance, channels in SIMILARITY_CASES:
        got, problem = _call(similarity, distance, channels)
        if problem:
            return not_yet(problem)
        if got.numel() != 1:
            return not_yet(
                f"similarity({distance}, {channels}) returned shape {tuple(got.shape)}: return one number, the dot "
                "product of two rows of the positional embedding, not the embedding itself."
            )
        got = float(got)
        expected = sinusoids(distance + 1, channels)
        expected = float(expected[0] @ expected[distance])

        def near(value: float, got: float = got) -> bool:
            return abs(got - value) < SIMILARITY_TOLERANCE

        if near(expected):
            values.append(got)
            continue
        half = channels // 2
        if near(0.0):
            return not_yet("You get 0: the sines of position 0 are all 0, so the cosines carry the dot product.")
        if near(_similarity(distance - 1, channels)) or near(_similarity(distance + 1, channels)):
            return not_yet(f"Off by one: the two positions must be {distance} frames apart, e.g. 0 and {distance}.")
        if near(_similarity(distance, channels, exponent_over=half)):
            return not_yet("Almost: Whisper divides the exponent by C/2 - 1, so the last period is exactly 10000.")
        if near(2 * (half - expected)) or near((2 * (half - expected)) ** 0.5):
            return not_yet("That is a distance between the codes; the exercise asks for their dot product.")
        return not_yet(
            "Build the codes of two positions `distance` apart (the rows 0 and `distance` of the embedding) and "
            "return their dot product; each channel pair adds sin(a) sin(b) + cos(a) cos(b) = cos(a - b)."
        )
    return correct(
        f"At distance 0 the similarity is channels / 2 = {values[-1]:.0f} (every pair adds cos 0 = 1); it falls "
        "as positions move apart and depends on the distance alone, not on where the two positions are."
    )


def check_causal_mask(mask_for: Callable[[int], torch.Tensor]) -> None:
    """Exercise 3: the (n, n) causal mask of Whisper's text decoder, for any n.

    Minus infinity above the diagonal, as Whisper's, or any number at most ``MASKED_AT_MOST`` (such as -1e9):
    added to the scores, both give those positions weight 0 after the softmax.
    """
    for n in MASK_SIZES:
        got, problem = _call(mask_for, n)
        if problem:
            return not_yet(problem)
        if got.shape != (n, n):
            if n > 448 and got.shape == (448, 448):
                return not_yet(
                    f"For n = {n} you return (448, 448): model.decoder.mask stops at n_text_ctx = 448 positions. "
                    "Build the mask for any n yourself."
                )
            return not_yet(f"Expected shape ({n}, {n}) for n = {n}, got {tuple(got.shape)}.")
        if got.isnan().any():
            return not_yet("Your mask holds NaN: 0 * inf is NaN; build it with torch.full(...) and .triu(1).")
        above = torch.ones(n, n, dtype=torch.bool).triu(1)
        masked_above = bool((got[above] <= MASKED_AT_MOST).all())
        zero_below = bool((got[~above] == 0).all())
        if masked_above and zero_below:
            continue
        if set(got.unique().tolist()) <= {0.0, 1.0} and n > 1:  # booleans or 0/1
            return not_yet("The mask is added to the scores: 0 where a position may look, minus infinity elsewhere.")
        if n > 1 and bool((got.T[above] <= MASKED_AT_MOST).all()) and bool((got[above] == 0).all()):
            return not_yet("Upside down: minus infinity goes above the diagonal (later positions), not below.")
        if masked_above and bool((got.diagonal() <= MASKED_AT_MOST).all()) and bool((got.tril(-1) == 0).all()):
            return not_yet("The diagonal must be 0: a position may look at itself.")
        if zero_below and bool((got[above] < 0).all()):
            weakest = float(got[above].max())
            return not_yet(
                f"Not negative enough: a score plus {weakest:g} still gets weight after the softmax. Use minus "
                "infinity, as Whisper does (a number like -1e9 works too)."
            )
        return not_yet("0 on and below the diagonal (a position and earlier ones), minus infinity above it.")
    return correct("This is model.decoder.mask, for any n: Whisper's stops at n_text_ctx = 448.")


@cache
def head_word_starts() -> dict[str, object]:
    """The word starts of exercise 4 on the clip HEAD_CLIP, in seconds.

    "reference": REFERENCE_MODEL's word starts (its own alignment heads); "own": tiny.en's, from its alignment
    heads; "heads": (n_text_layer, n_text_head, words) starts when that tiny.en head alone stands in for the
    alignment heads; "heads_ends" and "reference_ends": the words' ends, for a near miss.
    """
    model = load_model("tiny.en", device="cpu")
    audio = load_audio(clip(HEAD_CLIP).path)
    transcript = clip(HEAD_CLIP).transcript
    reference = align_words(load_model(REFERENCE_MODEL, device="cpu"), audio, transcript)
    own = align_words(model, audio, transcript)
    tokenizer = get_tokenizer(model.is_multilingual, language="en", task="transcribe")
    text_tokens = tokenizer.encode(" " + transcript)
    mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), model.dims.n_mels)
    attention = cross_attention(
        model, mel, [*tokenizer.sot_sequence, tokenizer.no_timestamps, *text_tokens, tokenizer.eot]
    )
    n_frames = len(audio) // HOP_LENGTH // 2
    starts = np.zeros((*attention.shape[:2], len(reference)))
    ends = np.zeros_like(starts)
    for layer, head in np.ndindex(*attention.shape[:2]):
        matrix = alignment_matrix(attention, torch.tensor([[layer, head]]), n_frames)
        rows = matrix[len(tokenizer.sot_sequence) : -1]
        words = word_times(tokenizer, text_tokens, dtw_path(-rows.double().numpy()))
        starts[layer, head] = [start for _, start, _ in words]
        ends[layer, head] = [end for _, _, end in words]
    return {
        "reference": np.array([start for _, start, _ in reference]),
        "reference_ends": np.array([end for _, _, end in reference]),
        "own": np.array([start for _, start, _ in own]),
        "heads": starts,
        "heads_ends": ends,
        "alignment_heads": {tuple(pair) for pair in model.alignment_heads.indices().T.tolist()},
    }


def head_errors() -> np.ndarray:
    """(n_text_layer, n_text_head): mean absolute distance in seconds between each tiny.en head's word starts on
    HEAD_CLIP and REFERENCE_MODEL's, when that head alone stands in for the alignment heads."""
    starts = head_word_starts()
    return np.abs(starts["heads"] - starts["reference"]).mean(axis=-1)


def check_head_errors(answer) -> None:
    """Exercise 4: every tiny.en head's mean distance (s) from base's word starts on JFK, as a (layers, heads) array.

    Wrong entries are counted, never shown: the hints give no head's distance, so guessing cannot find them.
    """
    if answer is None:
        return not_yet("Set `head_errors` to an array of shape (layers, heads): one mean distance in seconds per head.")
    try:
        got = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return not_yet("`head_errors` must be an array of numbers, shape (layers, heads).")
    starts = head_word_starts()
    expected = head_errors()
    if got.shape == (2,) or got.ndim == 0:
        return not_yet(f"Give every head's distance, an array of shape {expected.shape}, not one head or one number.")
    if got.shape == expected.shape[::-1]:
        return not_yet(f"Layers are the rows and heads the columns: shape {expected.shape}, not {got.shape}.")
    if got.shape != expected.shape:
        return not_yet(f"Expected shape {expected.shape} (layers, heads), got {got.shape}.")

    def same(array: np.ndarray) -> bool:
        return bool(np.allclose(got, array, rtol=0, atol=HEAD_TOLERANCE_S))

    if same(expected):
        layer, head = np.unravel_index(expected.argmin(), expected.shape)
        chosen = "one" if (layer, head) in starts["alignment_heads"] else "not one"
        return correct(
            f"The closest head is layer {layer}, head {head}, {expected[layer, head]:.2f} s from {REFERENCE_MODEL}'s "
            f"starts on average: {chosen} of tiny.en's alignment heads."
        )
    if same(expected / FRAME_S):
        return not_yet(f"In seconds, please: these are encoder frames (multiply by FRAME_S = {FRAME_S} s).")
    if same(np.abs(starts["heads"] - starts["own"]).mean(axis=-1)):
        return not_yet(
            "You compared with tiny.en's own word times: they come from its alignment heads, so they favour those "
            f"heads. Compare with {REFERENCE_MODEL}'s starts (alignment.align_words({REFERENCE_MODEL}, ...))."
        )
    if same((starts["heads"] - starts["reference"]).mean(axis=-1)):
        return not_yet("Take the absolute distance of each word's start before averaging: early and late cancel out.")
    if same(np.abs(starts["heads_ends"] - starts["reference_ends"]).mean(axis=-1)):
        return not_yet("Those are the words' ends; compare their starts.")
    wrong = int((np.abs(got - expected) > HEAD_TOLERANCE_S).sum())
    return not_yet(
        f"{wrong} of the {expected.size} distances are off. For each (layer, head): the matrix of that head alone, "
        "its rows from len(tokenizer.sot_sequence) to -1, DTW on minus the rows, alignment.word_times, then the "
        "mean of |start - reference start| over the words."
    )
