"""Looking inside Whisper's decoder: language probabilities as a chart, tokens by name, segments window by window.

Taught in notebooks/03_language_and_decoding.ipynb, which calls ``whisper.detect_language`` and ``whisper.decode``
by hand.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from itertools import groupby

from whisper.audio import FRAMES_PER_SECOND
from whisper.tokenizer import LANGUAGES, Tokenizer

# What print_segments reads from each segment; all but start, end and text are the same for a whole window
SEGMENT_COLUMNS = ("seek", "start", "end", "text", "temperature", "avg_logprob", "no_speech_prob", "compression_ratio")
TEXT_WIDTH = 80  # characters of segment text per printed line: a line then fits the width of JupyterLab


def top_languages(language_probs: dict[str, float], k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` likeliest (language code, probability) pairs of ``whisper.detect_language``'s dict, best first."""
    if not language_probs:
        raise ValueError("No language probabilities: pass the dict whisper.detect_language returns for one clip.")
    return sorted(language_probs.items(), key=lambda item: item[1], reverse=True)[:k]


def language_name(code: str) -> str:
    """Whisper's English name of a language code, and the code: ``"Spanish (es)"`` for ``"es"``."""
    return f"{LANGUAGES.get(code, code).title()} ({code})"


def plot_language_probs(language_probs: dict[str, float], k: int = 5, title: str = "Detected language", ax=None):
    """Horizontal bars of the ``k`` likeliest languages, likeliest on top, probability from 0 to 1.

    Returns the matplotlib axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.5), layout="constrained")
    top = top_languages(language_probs, k)[::-1]  # barh draws from the bottom up
    names = [language_name(code) for code, _ in top]
    probabilities = [probability for _, probability in top]
    colours = ["tab:gray"] * (len(top) - 1) + ["tab:blue"]
    bars = ax.barh(names, probabilities, color=colours)
    ax.bar_label(bars, labels=[f"{p:.0%}" if p >= 0.005 else "<1%" for p in probabilities], padding=3)
    ax.set(title=title, xlabel="probability", xlim=(0, 1.25), xticks=[0, 0.25, 0.5, 0.75, 1])
    return ax


def token_names(tokenizer: Tokenizer, tokens: Iterable[int]) -> list[str]:
    """How each token reads: special tokens as ``<|en|>``, timestamps as ``<|1.08|>``, text pieces as text."""
    return [tokenizer.decode_with_timestamps([token]) for token in tokens]


def print_segments(segments: Sequence[dict], width: int = TEXT_WIDTH) -> None:
    """The segments of a ``transcribe`` result, window by window: the window's statistics once, then its segments.

    ``transcribe`` decodes one 30 s window at a time, so temperature, ``avg_logprob``, ``no_speech_prob`` and
    the compression ratio belong to the window and are the same for every segment cut from it: they are printed
    once, on the window's line. Each segment follows with its start and end (seconds) and its text, wrapped at
    word boundaries every ``width`` characters.
    """
    for segment in segments:
        missing = [column for column in SEGMENT_COLUMNS if column not in segment]
        if missing:
            raise ValueError(f"Not a transcribe() segment: it lacks {', '.join(missing)}. Pass result['segments'].")
    for seek, window in groupby(segments, key=lambda segment: segment["seek"]):
        window = list(window)
        first = window[0]
        print(
            f"window from {seek / FRAMES_PER_SECOND:.2f} s: temperature {first['temperature']:.1f}, "
            f"avg_logprob {first['avg_logprob']:.2f}, no_speech_prob {first['no_speech_prob']:.2f}, "
            f"compression ratio {first['compression_ratio']:.2f}"
        )
        for segment in window:
            lines = textwrap.wrap(segment["text"].strip(), width) or [""]
            print(f"  {segment['start']:6.2f} {segment['end']:6.2f}  {lines[0]}")
            for line in lines[1:]:
                print(" " * 17 + line)
