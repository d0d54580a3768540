"""One Whisper pass over the live buffer: a single decode that keeps the unfinished last phrase, with word times.

``model.transcribe`` is made for finished recordings. On a live buffer, which nearly always ends in the middle of a
phrase, it does twice the work it needs: it drops the unfinished last phrase and decodes it again in a second
30 s window, and for word timestamps it runs the encoder a second time on each window. :func:`transcribe_buffer`
decodes the buffer once, keeps every segment, and aligns the words with the encoder's remembered output
(:func:`encoder_remembered`): one run of the encoder per pass. Taught, with the encoder's runs counted, in
notebooks/05_live_transcription.ipynb ("One pass, without the waste").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
import whisper
from whisper.audio import HOP_LENGTH, N_SAMPLES
from whisper.timing import add_word_timestamps
from whisper.tokenizer import get_tokenizer

from ..audio import SAMPLE_RATE
from ..models import use_fp16
from ..segments import decoding_options, log_mel_window, to_segments


@contextmanager
def encoder_remembered(model: whisper.Whisper) -> Iterator[None]:
    """While active, ``model.encoder`` remembers its last input and output, and answers the same input again
    without running. Whisper's word alignment (``whisper.timing.find_alignment``, which calls
    ``model(mel, tokens)``) encodes the audio that decoding has just encoded; this skips that second run."""
    encoder = model.encoder
    encode = encoder.forward
    last: tuple[torch.Tensor, torch.Tensor] | None = None  # (log-Mel input, audio features)

    def remembering_forward(mel: torch.Tensor) -> torch.Tensor:
        nonlocal last
        if last is not None and last[0].shape == mel.shape and torch.equal(last[0], mel):
            return last[1]
        features = encode(mel)
        last = (mel, features)
        return features

    encoder.forward = remembering_forward  # an instance attribute: used instead of the class's forward
    try:
        yield
    finally:
        if encoder.__dict__.get("forward") is remembering_forward:
            del encoder.forward


def transcribe_buffer(model: whisper.Whisper, audio: np.ndarray, prompt: str = "", language: str | None = None) -> dict:
    """Transcribe at most 30 s of ``audio`` (float32, 16 kHz) in one greedy decode, with word timestamps.

    ``prompt``: text said before the audio. ``language``: a code such as "en" (None: detect; English for .en
    models). Returns a result shaped like ``model.transcribe``'s: ``text``, ``language`` and ``segments``, each with
    ``start`` and ``end`` (seconds from the audio's start), ``text``, ``words`` (``word``, ``start``, ``end``,
    ``probability``) and the decode's ``avg_logprob``, ``no_speech_prob`` and ``compression_ratio``. Unlike
    ``model.transcribe``, the last segment may be unfinished: it is kept, not decoded again.
    """
    if len(audio) > N_SAMPLES:
        raise ValueError(f"transcribe_buffer takes at most 30 s of audio, got {len(audio) / SAMPLE_RATE:.1f} s.")
    num_frames = len(audio) // HOP_LENGTH  # frames of real audio (10 ms each), as model.transcribe counts them
    samples = torch.from_numpy(np.ascontiguousarray(audio, np.float32))
    mel = log_mel_window(samples, model.dims.n_mels, frames=num_frames)
    mel = mel.to(model.device, torch.float16 if use_fp16(model) else torch.float32)
    options = decoding_options(model, language, prompt=prompt or None)
    with encoder_remembered(model):
        result = whisper.decode(model, mel, options)
        tokenizer = get_tokenizer(
            model.is_multilingual, num_languages=model.num_languages, language=result.language, task="transcribe"
        )
        segments, _ = to_segments(result, tokenizer, 0.0, num_frames, keep_unfinished=True)
        segments = [{"seek": 0, **s} for s in segments if s["text"].strip()]
        add_word_timestamps(
            segments=segments,
            model=model,
            tokenizer=tokenizer,
            mel=mel,
            num_frames=num_frames,
            last_speech_timestamp=0.0,
        )
    return {"text": result.text, "segments": segments, "language": result.language}


def warm_up(model: whisper.Whisper) -> None:
    """Pay Whisper's one-time costs before a microphone starts: the model's first pass, and the compilation of
    its word-alignment code (by numba, which holds the GIL for seconds: every other thread would stall)."""
    from whisper.timing import dtw

    transcribe_buffer(model, np.zeros(SAMPLE_RATE, np.float32))
    dtw(torch.zeros(2, 2))
