"""course_utils.alignment: cross-attention weights with the model left as it was, word times equal to Whisper's."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import whisper
from whisper.audio import HOP_LENGTH
from whisper.model import MultiHeadAttention
from whisper.tokenizer import get_tokenizer

import course_utils as cu
from course_utils import alignment


@pytest.fixture(scope="module")
def tokenizer(tiny_en):
    return get_tokenizer(tiny_en.is_multilingual, language="en", task="transcribe")


def window(audio: np.ndarray) -> torch.Tensor:
    return whisper.log_mel_spectrogram(whisper.pad_or_trim(audio))


def hooks_left(model) -> int:
    return sum(len(block.cross_attn._forward_hooks) for block in model.decoder.blocks)


def test_cross_attention_has_a_weight_row_per_layer_head_and_token(tiny_en, jfk_audio, tokenizer) -> None:
    tokens = [*tokenizer.sot_sequence_including_notimestamps, *tokenizer.encode(" And so my fellow")]
    weights = alignment.cross_attention(tiny_en, window(jfk_audio), tokens)
    dims = tiny_en.dims
    assert weights.shape == (dims.n_text_layer, dims.n_text_head, len(tokens), dims.n_audio_ctx)
    assert torch.allclose(weights.sum(dim=-1), torch.ones(weights.shape[:-1]), atol=1e-4)
    assert (weights >= 0).all()


def test_cross_attention_weights_give_the_models_cross_attention_output(tiny_en, jfk_audio, tokenizer) -> None:
    """Layer 0's weights times its values, through its output projection, are what its cross_attn returns."""
    tokens = torch.tensor([*tokenizer.sot_sequence_including_notimestamps, *tokenizer.encode(" And so")])
    mel = window(jfk_audio)
    weights = alignment.cross_attention(tiny_en, mel, tokens)
    with torch.no_grad():
        features = tiny_en.embed_audio(mel[None])
        block = tiny_en.decoder.blocks[0]
        x = tiny_en.decoder.token_embedding(tokens[None]) + tiny_en.decoder.positional_embedding[: len(tokens)]
        x = x + block.attn(block.attn_ln(x), mask=tiny_en.decoder.mask)[0]
        query_input = block.cross_attn_ln(x)
        expected = block.cross_attn(query_input, features)[0]
        values = block.cross_attn.value(features).view(1, -1, block.cross_attn.n_head, 64).transpose(1, 2)
        mixed = (weights[0][None] @ values).transpose(1, 2).flatten(2)
        assert torch.allclose(block.cross_attn.out(mixed), expected, atol=1e-4)


@pytest.mark.parametrize("sdpa_before", [True, False])
def test_cross_attention_leaves_the_model_as_it_was(tiny_en, jfk_audio, tokenizer, sdpa_before: bool) -> None:
    MultiHeadAttention.use_sdpa = sdpa_before
    try:
        alignment.cross_attention(tiny_en, window(jfk_audio), list(tokenizer.sot_sequence))
        assert MultiHeadAttention.use_sdpa is sdpa_before
        assert hooks_left(tiny_en) == 0
    finally:
        MultiHeadAttention.use_sdpa = True


def test_cross_attention_cleans_up_after_an_error(tiny_en, jfk_audio) -> None:
    with pytest.raises(IndexError):
        alignment.cross_attention(tiny_en, window(jfk_audio), [tiny_en.dims.n_vocab + 5])  # no such token
    assert MultiHeadAttention.use_sdpa is True
    assert hooks_left(tiny_en) == 0


def test_cross_attention_names_a_mel_of_the_wrong_shape(tiny_en, jfk_audio) -> None:
    with pytest.raises(ValueError, match="pad_or_trim"):
        alignment.cross_attention(tiny_en, whisper.log_mel_spectrogram(jfk_audio), [50257])


@pytest.mark.parametrize("clip_id", ["jfk", "librivox_2"])
def test_align_words_gives_whispers_find_alignment(tiny_en, tokenizer, clip_id: str) -> None:
    clip = cu.clip(clip_id)
    audio = cu.load_audio(clip.path)
    ours = alignment.align_words(tiny_en, audio, clip.transcript)
    text_tokens = tokenizer.encode(" " + clip.transcript)
    theirs = whisper.timing.find_alignment(tiny_en, tokenizer, text_tokens, window(audio), len(audio) // HOP_LENGTH)
    assert [word for word, _, _ in ours] == [timing.word.strip() for timing in theirs]
    for (_, start_s, end_s), timing in zip(ours, theirs):
        assert abs(start_s - timing.start) <= 0.02 and abs(end_s - timing.end) <= 0.02
    assert all(0 <= start_s <= end_s <= clip.duration for _, start_s, end_s in ours)


def test_align_words_names_bad_input(tiny_en, jfk_audio) -> None:
    with pytest.raises(ValueError, match="30 s window"):
        alignment.align_words(tiny_en, np.zeros(31 * cu.SAMPLE_RATE, np.float32), "hello")
    with pytest.raises(ValueError, match="text is empty"):
        alignment.align_words(tiny_en, jfk_audio, "  ")


@pytest.mark.parametrize("seed", range(5))
def test_dtw_path_is_whispers(seed: int) -> None:
    cost = np.random.default_rng(seed).random((6, 17))
    cost[2, 3:6] = cost[2, 3]  # ties, broken as Whisper breaks them
    assert np.array_equal(np.stack(alignment.dtw_path(cost)), whisper.timing.dtw(torch.from_numpy(cost)))


def test_median_filter_is_whispers() -> None:
    x = torch.randn(3, 4, 40, generator=torch.Generator().manual_seed(0))
    assert torch.equal(alignment.median_filter(x), whisper.timing.median_filter(x, alignment.MEDFILT_WIDTH))


def test_word_times_run_from_word_start_to_next_word_start(tokenizer) -> None:
    text_tokens = tokenizer.encode(" hello world")
    n = len(text_tokens) + 1  # and end-of-text
    path = (np.repeat(np.arange(n), 10), np.arange(10 * n))  # each token 10 frames (0.2 s)
    words = alignment.word_times(tokenizer, text_tokens, path)
    assert words == [("hello", 0.0, pytest.approx(0.2)), ("world", pytest.approx(0.2), pytest.approx(0.4))]


def test_plots_have_titles_and_axes_with_units(tokenizer) -> None:
    attention = torch.rand(2, 3, 4, 1500).softmax(dim=-1)
    labels = alignment.token_labels(tokenizer, [tokenizer.sot, *tokenizer.encode(" hi there"), tokenizer.eot])
    assert labels[0] == "<|startoftranscript|>" and labels[-1] == "<|endoftext|>" and "hi" in labels
    fig, ax = plt.subplots()
    alignment.plot_attention(ax, attention[0, 0], labels, "one head", n_frames=100)
    assert ax.get_title() == "one head" and ax.get_xlabel() == "time (s)" and ax.get_ylabel() == "token"
    assert fig.axes[-1].get_ylabel() == "attention weight"  # the colour bar
    assert ax.get_xlim() == pytest.approx((0, 100 * alignment.FRAME_S))
    assert [tick.get_text() for tick in ax.get_yticklabels()] == labels
    grid = alignment.plot_heads(attention, torch.tensor([[1, 2]]), 100, "all heads")
    panels = [ax for ax in grid.axes if ax.get_title()]
    assert len(panels) == 6 and grid.get_suptitle() == "all heads"
    assert all(ax.get_xlabel() == "time (s)" for ax in panels[-3:])
    plt.close("all")
