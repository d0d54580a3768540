"""From one decoded 30 s window to Whisper's segments: the window's log-Mel, the decoding options, Whisper's
no-speech and fallback rules, and the tokens cut into segments, as ``model.transcribe`` does each of them.

The one place these steps live: ``cu.transcribe``'s batched twin (:mod:`course_utils.streams`), the live pass
(notebooks/05_live_transcription.ipynb) and the lessons on decoding (notebooks/03, 08 and 09) all use them.
Whisper writes ``<|0.00|> text <|2.40|><|2.40|> more text <|5.00|>``: a segment is the text between two timestamps.
"""

from __future__ import annotations

import torch
import whisper
from whisper.audio import FRAMES_PER_SECOND, N_FRAMES, N_SAMPLES
from whisper.tokenizer import Tokenizer

from .models import use_fp16

TIME_PRECISION_S = 0.02  # seconds between two of Whisper's timestamp tokens
INPUT_STRIDE = 2  # mel frames per timestamp step (the encoder halves 3000 frames to 1500 positions)
NO_SPEECH_THRESHOLD = 0.6  # Whisper's rule: a window with no_speech_prob above this...
LOGPROB_THRESHOLD = -1.0  # ...decoded with a mean log-probability below this is silence, and gives no segment
COMPRESSION_RATIO_THRESHOLD = 2.4  # Whisper's sign of a repetition loop ("the the the ..."): decode again, hotter
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # model.transcribe's fallback: each is tried when the one before fails
BEST_OF = 5  # candidates sampled at a temperature above 0 (model.transcribe's default)


def is_silent(no_speech_prob: float, avg_logprob: float, logprob_threshold: float = LOGPROB_THRESHOLD) -> bool:
    """Whisper's no-speech rule: ``no_speech_prob`` above ``NO_SPEECH_THRESHOLD`` while the words' mean
    log-probability is below ``logprob_threshold``. (``logprob_threshold=float("inf")`` drops every window with a
    high ``no_speech_prob``, however confident its words: a stricter cure that notebook 08 measures.)"""
    return no_speech_prob > NO_SPEECH_THRESHOLD and avg_logprob < logprob_threshold


def needs_fallback(result: whisper.DecodingResult) -> bool:
    """Whether ``model.transcribe`` would decode this window again at the next temperature: too repetitive
    (compression ratio above ``COMPRESSION_RATIO_THRESHOLD``) or too unsure (mean log-probability below
    ``LOGPROB_THRESHOLD``), unless the window is silent anyway."""
    failed = result.compression_ratio > COMPRESSION_RATIO_THRESHOLD or result.avg_logprob < LOGPROB_THRESHOLD
    return failed and not is_silent(result.no_speech_prob, result.avg_logprob)


def decoding_options(
    model: whisper.Whisper, language: str | None, temperature: float = 0.0, task: str = "transcribe", **options
) -> whisper.DecodingOptions:
    """The options ``model.transcribe`` decodes a window with: timestamps on, ``BEST_OF`` samples above
    temperature 0, greedy at 0, fp16 only on a GPU; ``language`` None detects it (English for a ``.en`` model)."""
    language = language if model.is_multilingual else "en"
    best_of = BEST_OF if temperature > 0 else None
    return whisper.DecodingOptions(
        task=task, language=language, temperature=temperature, best_of=best_of, fp16=use_fp16(model), **options
    )


def log_mel_window(audio: torch.Tensor, n_mels: int, start: int = 0, frames: int = N_FRAMES) -> torch.Tensor:
    """The (n_mels, 3000) log-Mel window Whisper's encoder reads, as ``model.transcribe`` makes it: the whole
    ``audio``'s log-Mel (16 kHz samples, 30 s of zeros after them), ``frames`` of it from frame ``start`` (10 ms
    each), padded with zeros to 30 s."""
    mel = whisper.log_mel_spectrogram(audio, n_mels, padding=N_SAMPLES)
    return whisper.pad_or_trim(mel[:, start : start + frames], N_FRAMES)


def to_segments(
    result: whisper.DecodingResult, tokenizer: Tokenizer, offset_s: float, frames: int, keep_unfinished: bool = False
) -> tuple[list[dict], int]:
    """The segments of one decoded window (times in seconds, counted from ``offset_s``, where the window starts)
    and the mel frames of its ``frames`` that they use up, as ``model.transcribe`` cuts them.

    A segment ends where two timestamps follow each other. Text after the last closed segment is unfinished: Whisper
    drops it and decodes again from the last timestamp (the frames used up end there), unless ``keep_unfinished``
    (the live pass keeps it, ending with the window). A window with no closed segment is one segment.
    """
    tokens, begin = result.tokens, tokenizer.timestamp_begin
    stamp = [t >= begin for t in tokens]
    cuts = [i for i in range(1, len(tokens)) if stamp[i - 1] and stamp[i]]
    finished = stamp[-2:] == [False, True]  # one timestamp at the end: nothing said after it
    window_s = frames / FRAMES_PER_SECOND
    if not cuts:
        stamps = [t - begin for t in tokens if t >= begin]
        end_s = stamps[-1] * TIME_PRECISION_S if stamps and stamps[-1] > 0 else window_s
        return [_segment(result, tokenizer, tokens, offset_s, offset_s + end_s)], frames
    used = frames if finished else (tokens[cuts[-1] - 1] - begin) * INPUT_STRIDE
    if finished or keep_unfinished:
        cuts.append(len(tokens))
    segments = []
    for a, b in zip([0, *cuts], cuts):
        piece = tokens[a:b]
        end_s = (piece[-1] - begin) * TIME_PRECISION_S if stamp[b - 1] else window_s
        segments.append(
            _segment(result, tokenizer, piece, offset_s + (piece[0] - begin) * TIME_PRECISION_S, offset_s + end_s)
        )
    return segments, used


def _segment(
    result: whisper.DecodingResult, tokenizer: Tokenizer, tokens: list[int], start_s: float, end_s: float
) -> dict:
    """One segment as ``model.transcribe`` writes it."""
    return {
        "start": start_s,
        "end": end_s,
        "text": tokenizer.decode([t for t in tokens if t < tokenizer.eot]),
        "tokens": list(tokens),
        "temperature": result.temperature,
        "avg_logprob": result.avg_logprob,
        "compression_ratio": result.compression_ratio,
        "no_speech_prob": result.no_speech_prob,
    }
