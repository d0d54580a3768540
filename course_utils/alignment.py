"""Inside Whisper with the model's own tensors: cross-attention weights, word alignment by hand, heatmaps.

Taught in notebooks/07_inside_whisper.ipynb, where each step is first written out and checked against Whisper.

The encoder turns one 30 s window into ``n_audio_ctx`` (1500) frames, one every ``FRAME_S`` (20 ms). Word times
come from the decoder's cross-attention: the weights of the model's alignment heads, normalized, median-filtered
and averaged, are followed by dynamic time warping (DTW) from the first token to the last, as
``whisper.timing.find_alignment`` does.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
import whisper
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from whisper.audio import HOP_LENGTH, N_FRAMES, N_SAMPLES, SAMPLE_RATE
from whisper.model import disable_sdpa
from whisper.tokenizer import Tokenizer, get_tokenizer

FRAME_S = 2 * HOP_LENGTH / SAMPLE_RATE  # seconds per encoder frame (0.02: conv2 halves the 10 ms mel frames)
MEDFILT_WIDTH = 7  # encoder frames the median filter spans, as whisper.timing's default


def cross_attention(model: whisper.Whisper, mel: torch.Tensor, tokens: list[int] | torch.Tensor) -> torch.Tensor:
    """The decoder's cross-attention weights when it reads ``tokens`` over one window's log-Mel spectrogram.

    ``mel``: shape (n_mels, 3000), one 30 s window (``whisper.pad_or_trim`` the audio first). ``tokens``: the
    start-of-transcript sequence, then text tokens. Returns a float tensor of shape
    (n_text_layer, n_text_head, len(tokens), n_audio_ctx) whose rows (over the 1500 encoder frames, 20 ms each)
    sum to 1. Whisper's default scaled-dot-product attention returns no weights, so this pass turns it off
    (``whisper.model.disable_sdpa``, as ``whisper.timing`` does) and reads them with forward hooks; hooks and
    attention mode are restored afterwards, even on an error.
    """
    expected = (model.dims.n_mels, N_FRAMES)
    if tuple(mel.shape) != expected:
        raise ValueError(
            f"mel has shape {tuple(mel.shape)}, expected {expected}: one 30 s window, made with "
            "whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), model.dims.n_mels)"
        )
    tokens = torch.as_tensor(tokens, device=model.device)
    scores: list[torch.Tensor | None] = [None] * model.dims.n_text_layer

    def keep_scores(layer: int):
        return lambda _module, _inputs, outputs: scores.__setitem__(layer, outputs[1][0])

    hooks = [block.cross_attn.register_forward_hook(keep_scores(i)) for i, block in enumerate(model.decoder.blocks)]
    try:
        with torch.no_grad(), disable_sdpa():
            model(mel.to(model.device)[None], tokens[None])
    finally:
        for hook in hooks:
            hook.remove()
    return torch.stack(scores).float().softmax(dim=-1).cpu()


def median_filter(x: torch.Tensor, width: int = MEDFILT_WIDTH) -> torch.Tensor:
    """The median of each run of ``width`` (odd) values along the last axis, the ends mirrored (reflect padding)."""
    padded = F.pad(x, (width // 2, width // 2), mode="reflect")
    return padded.unfold(-1, width, 1).median(dim=-1).values


def alignment_matrix(attention: torch.Tensor, heads: torch.Tensor, n_frames: int) -> torch.Tensor:
    """Whisper's steps from cross-attention to one (tokens, frames) matrix for DTW.

    ``attention``: from :func:`cross_attention`; ``heads``: (layer, head) pairs, shape (n, 2), e.g.
    ``model.alignment_heads.indices().T``; ``n_frames``: encoder frames that hold audio (20 ms each). Keeps those
    heads and frames, makes each row sum to 1 again over the kept frames, z-scores each frame over the tokens,
    median-filters along time and averages the heads.
    """
    weights = attention[heads[:, 0], heads[:, 1], :, :n_frames]
    weights = weights / weights.sum(dim=-1, keepdim=True)
    std, mean = torch.std_mean(weights, dim=-2, keepdim=True, unbiased=False)
    return median_filter((weights - mean) / std).mean(dim=0)


def dtw_path(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cheapest path through ``cost`` (tokens, frames) from the top left to the bottom right.

    Each step goes one token down, one frame right, or both. Returns (token indices, frame indices) along the
    path. Ties break as in ``whisper.timing.dtw_cpu`` (diagonal, then down, then right), so the path is Whisper's.
    """
    n, m = cost.shape
    total = np.full((n + 1, m + 1), np.inf, np.float32)
    total[0, 0] = 0
    step = np.zeros((n + 1, m + 1), np.int8)  # 0: diagonal, 1: down (next token), 2: right (next frame)
    for j in range(1, m + 1):
        for i in range(1, n + 1):
            diagonal, down, right = total[i - 1, j - 1], total[i - 1, j], total[i, j - 1]
            if diagonal < down and diagonal < right:
                best, step[i, j] = diagonal, 0
            elif down < diagonal and down < right:
                best, step[i, j] = down, 1
            else:
                best, step[i, j] = right, 2
            total[i, j] = cost[i - 1, j - 1] + best
    step[0, :], step[:, 0] = 2, 1
    i, j, path = n, m, []
    while i > 0 or j > 0:
        path.append((i - 1, j - 1))
        i, j = (i - 1, j - 1) if step[i, j] == 0 else (i - 1, j) if step[i, j] == 1 else (i, j - 1)
    tokens, frames = np.array(path[::-1]).T
    return tokens, frames


def word_times(
    tokenizer: Tokenizer, text_tokens: list[int], path: tuple[np.ndarray, np.ndarray]
) -> list[tuple[str, float, float]]:
    """(word, start_s, end_s) for each word of ``text_tokens`` from a DTW path over its tokens and end-of-text.

    A token starts at the first frame the path gives it; a word runs from its first token's start to the next
    word's start (the last word to the start of end-of-text), in seconds.
    """
    token_indices, frame_indices = path
    token_start_s = frame_indices[np.r_[True, np.diff(token_indices) > 0]] * FRAME_S
    words, word_tokens = tokenizer.split_to_word_tokens(text_tokens + [tokenizer.eot])
    bounds = np.cumsum([0] + [len(tokens) for tokens in word_tokens])
    return [
        (word.strip(), float(token_start_s[bounds[k]]), float(token_start_s[bounds[k + 1]]))
        for k, word in enumerate(words[:-1])
    ]


def align_words(
    model: whisper.Whisper, audio: np.ndarray, text: str, language: str = "en"
) -> list[tuple[str, float, float]]:
    """(word, start_s, end_s) for each word of ``text`` spoken in ``audio`` (16 kHz samples, at most 30 s).

    The steps of notebook 07, which give ``whisper.timing.find_alignment``'s word times: cross-attention of the
    alignment heads over the frames that hold audio, :func:`alignment_matrix`, :func:`dtw_path`,
    :func:`word_times`.
    """
    if len(audio) > N_SAMPLES:
        raise ValueError(
            f"audio is {len(audio) / SAMPLE_RATE:.1f} s long: align_words reads one 30 s window, "
            "so cut the audio into windows first"
        )
    tokenizer = get_tokenizer(model.is_multilingual, language=language, task="transcribe")
    if not text.strip():
        raise ValueError("text is empty: give the words spoken in the audio")
    text_tokens = tokenizer.encode(" " + text.strip())
    mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), model.dims.n_mels)
    tokens = [*tokenizer.sot_sequence, tokenizer.no_timestamps, *text_tokens, tokenizer.eot]
    attention = cross_attention(model, mel, tokens)
    n_frames = len(audio) // HOP_LENGTH // 2  # encoder frames that hold audio
    matrix = alignment_matrix(attention, model.alignment_heads.indices().T, n_frames)
    rows = matrix[len(tokenizer.sot_sequence) : -1]  # each row predicts the next token: text tokens, then end
    return word_times(tokenizer, text_tokens, dtw_path(-rows.double().numpy()))


def token_labels(tokenizer: Tokenizer, tokens: list[int]) -> list[str]:
    """Each token as the text it stands for (special tokens by name), for heatmap axes."""
    return [tokenizer.decode_with_timestamps([token]).strip() or repr(tokenizer.decode([token])) for token in tokens]


def plot_attention(
    ax: Axes,
    weights: torch.Tensor,
    labels: list[str],
    title: str,
    n_frames: int | None = None,
    value_label: str = "attention weight",
) -> None:
    """A tokens x time heatmap of ``weights`` (tokens, frames of 20 ms) on ``ax``: time in seconds, tokens as words.

    Shows the first ``n_frames`` frames (all when None); ``value_label`` names the colour bar.
    """
    weights = np.asarray(weights)[:, :n_frames]
    image = ax.imshow(
        weights,
        aspect="auto",
        interpolation="nearest",
        cmap="magma",
        extent=(0, weights.shape[1] * FRAME_S, len(labels) - 0.5, -0.5),
    )
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set(title=title, xlabel="time (s)", ylabel="token")
    ax.figure.colorbar(image, ax=ax, pad=0.01, label=value_label)


def plot_heads(attention: torch.Tensor, heads: torch.Tensor, n_frames: int, title: str) -> Figure:
    """Every layer's and head's cross-attention (tokens x seconds) in a grid; alignment ``heads`` outlined in green.

    ``attention``: from :func:`cross_attention`; ``heads``: (layer, head) pairs; ``n_frames``: frames shown.
    """
    n_layer, n_head = attention.shape[:2]
    fig, axes = plt.subplots(
        n_layer, n_head, figsize=(9, 1.3 * n_layer + 0.8), sharex=True, sharey=True, layout="constrained", squeeze=False
    )
    chosen = {tuple(pair) for pair in heads.tolist()}
    for (layer, head), ax in np.ndenumerate(axes):
        ax.imshow(
            attention[layer, head, :, :n_frames],
            aspect="auto",
            interpolation="nearest",
            cmap="magma",
            extent=(0, n_frames * FRAME_S, attention.shape[2] - 0.5, -0.5),
        )
        ax.set_title(f"layer {layer}, head {head}", fontsize=8)
        if (layer, head) in chosen:
            for side in ax.spines.values():
                side.set(color="limegreen", linewidth=3)
    for ax in axes[-1]:
        ax.set_xlabel("time (s)", fontsize=8)
    for ax in axes[:, 0]:
        ax.set_ylabel("token", fontsize=8)
    fig.suptitle(title)
    return fig
