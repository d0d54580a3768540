"""Transcribe with the kit's defaults: fp16 only on a GPU, clear errors for bad input, long audio in pieces.

Taught in notebooks/00_first_transcript.ipynb, where ``model.transcribe`` is first called by hand.

Audio up to ``PIECE_S`` seconds (10 minutes) goes to ``model.transcribe`` as it is. On longer audio Whisper would
hold the whole recording, its log-Mel spectrogram and the STFT behind it in memory: gigabytes for two hours. Such
audio is read and transcribed ``PIECE_S`` seconds at a time instead, with a progress bar. A word may be cut where a
piece ends, so the segments Whisper found in its last 30 s window of a piece are dropped and the next piece starts
where Whisper started that window (after a finished segment, as Whisper chooses its own windows); the pieces'
segments are then joined into one result, with times counted from the start of the audio.

The kit stays silent where nobody speaks (notebooks/08_hallucinations.ipynb). Whisper's plain defaults write
"you" over silence, "Thank you." over applause and music, and invent words in long pauses; so by default
``transcribe`` first finds the speech with Silero VAD (:func:`course_utils.hallucination.find_speech`, a small
trained network shipped in the ``silero-vad`` pip package) and gives Whisper only those stretches
(``clip_timestamps``). Stretches less than 3 s apart are one, and speech within 2 s of either end of the audio
reaches that end, so a pause between sentences keeps its context and the bundled speech is heard as without it.
Audio in which it finds no speech gives no segments at all. Every other option is Whisper's own.

Measured by ``python -m course_utils bench-hallucination`` (results/hallucination/, the ``kit`` rows): on the 33
sounds without speech of data/nonspeech.csv, tiny.en wrote words on 11 with Whisper's defaults and on 0 with these
(95 % interval 0 to 10 %), base on 8 and 0; on the 16 clips of speech followed by silence, applause or music or with
a long gap, words nobody said in 1 clip and 0 (both models; mean WER 9.4 and 9.9 % with tiny.en, 0.8 and 0.4 % with
base). On the ten bundled English speech clips the text is the same as with Whisper's defaults (mean WER 6.7 %
tiny.en, 1.0 % base). The other cures measured there cost words or miss hallucinations: dropping every segment with
``no_speech_prob`` above 0.6 took the mean WER of clean speech to 9.2 % (tiny.en) and 4.6 % (base);
``condition_on_previous_text=False`` left words on as many sounds as before.

``plain=True`` gives ``model.transcribe``'s own defaults instead (and options given by name always win).
"""

from __future__ import annotations

import os
import re
import subprocess
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import tqdm
import whisper
from whisper.audio import FRAMES_PER_SECOND, HOP_LENGTH, N_SAMPLES
from whisper.utils import format_timestamp, make_safe

from .audio import SAMPLE_RATE, ffmpeg_exe, load_audio, load_audio_piece
from .models import language_for, use_fp16
from .segments import log_mel_window
from .speech import find_speech
from .streams import Stream, cut_points, cut_streams, run_streams

PIECE_S = 600  # seconds of audio transcribed at a time; longer audio is cut into pieces (must exceed 2 windows)
WINDOW_S = N_SAMPLES // SAMPLE_RATE  # 30 s: what Whisper hears at once
END_SLACK = SAMPLE_RATE // 10  # samples: a piece this much shorter than asked for holds the end of the audio
MIN_WORD_S = 0.2  # seconds: shorter audio cannot hold a spoken word
CARRY_MAX_S = PIECE_S // 2  # seconds: longer speech touching a piece's end is cut at a pause, not carried whole
OVERLAP_S = 1  # seconds the next piece re-reads where a piece ends in silence (a word starting there is whole)
PROMPT_SEGMENTS = 20  # earlier segments whose text prompts the next piece (Whisper keeps the last 223 tokens)

Reader = Callable[[int, int], np.ndarray]  # (start, count) -> count samples from sample start on, fewer at the end


def transcribe(model: whisper.Whisper, audio: str | os.PathLike | np.ndarray, plain: bool = False, **options) -> dict:
    """``model.transcribe(audio, **options)``, with half precision only on a GPU and audio via :func:`load_audio`,
    kept silent where nobody speaks (see the module's docstring; ``plain=True``: Whisper's own defaults).

    Returns Whisper's result: ``text``, ``segments`` (start and end in seconds) and ``language``.

    Says so where Whisper would silently return text: raises ValueError for audio without samples, and for a
    ``language`` other than English or ``task="translate"`` asked of an English-only (``.en``) model; warns when
    the audio is shorter than ``MIN_WORD_S`` seconds. Audio longer than ``PIECE_S`` seconds is transcribed piece
    by piece (see the module's docstring; a file is read a piece at a time, so memory does not grow with its
    length), with a progress bar over audio seconds; as in Whisper, ``verbose=True`` prints each segment instead
    and ``verbose=None`` shows nothing.
    """
    check_options(model, options)
    options.setdefault("fp16", use_fp16(model))
    read = _reader(audio)
    first = read(0, PIECE_S * SAMPLE_RATE)
    if _is_last(first):
        check_length(first)
        return _transcribe_piece(model, first, plain, options)
    if "clip_timestamps" in options:
        raise ValueError(
            f"clip_timestamps needs the whole recording at once, and this one is longer than {PIECE_S} s, which "
            "cu.transcribe reads in pieces. Cut the audio first, or call model.transcribe(cu.load_audio(...), ...)."
        )
    return _transcribe_in_pieces(model, read, first, duration_in_header(audio), plain, options)


def _transcribe_piece(model: whisper.Whisper, audio: np.ndarray, plain: bool, options: dict) -> dict:
    """``model.transcribe`` on ``audio``; unless ``plain``, on its speech alone."""
    if plain or "clip_timestamps" in options:
        return model.transcribe(audio, **options)
    regions = find_speech(audio)
    if not regions:
        return {"text": "", "segments": [], "language": options.get("language") or _language_of(model, audio)}
    return model.transcribe(audio, clip_timestamps=[t for region in regions for t in region], **options)


def _language_of(model: whisper.Whisper, audio: np.ndarray) -> str:
    """The language Whisper detects in the first 30 s of ``audio`` ("en" for an English-only model), as
    ``model.transcribe`` detects it."""
    if not model.is_multilingual:
        return "en"
    mel = log_mel_window(torch.from_numpy(np.ascontiguousarray(audio[:N_SAMPLES])), model.dims.n_mels)
    _, probabilities = model.detect_language(mel.to(model.device, torch.float16 if use_fp16(model) else torch.float32))
    return max(probabilities, key=probabilities.get)


def check_options(model: whisper.Whisper, options: dict) -> None:
    """Raise ValueError for a language Whisper does not know, or a language or task that an English-only model would
    silently replace by English (:func:`course_utils.models.language_for`); the language becomes its code."""
    if options.get("language") is not None:
        options["language"] = language_for(model, options["language"])
    if not model.is_multilingual and options.get("task", "transcribe") != "transcribe":
        raise ValueError(
            f"task={options['task']!r} needs a multilingual model: an English-only (.en) model only transcribes. "
            "Use a multilingual model such as base: cu.load_model('base')."
        )


def check_length(audio: np.ndarray) -> None:
    """Raise ValueError for audio without samples; warn when it is too short (``MIN_WORD_S``) to hold a word."""
    if audio.size == 0:
        raise ValueError("No samples: the audio is empty (a 0-length array or a silent file). Pass a recording.")
    if len(audio) < MIN_WORD_S * SAMPLE_RATE:
        warnings.warn(
            f"The audio lasts {len(audio) / SAMPLE_RATE:.2f} s, too short to hold a word (under {MIN_WORD_S} s): "
            "Whisper returns nothing or invents text. Pass a longer recording.",
            stacklevel=3,
        )


def _reader(audio: str | os.PathLike | np.ndarray) -> Reader:
    if isinstance(audio, np.ndarray):
        samples = load_audio(audio)
        return lambda start, count: samples[start : start + count]
    return lambda start, count: load_audio_piece(audio, start / SAMPLE_RATE, count / SAMPLE_RATE)


def _is_last(piece: np.ndarray) -> bool:
    """Whether ``piece``, asked for ``PIECE_S`` seconds, holds the end of the audio."""
    return len(piece) < PIECE_S * SAMPLE_RATE - END_SLACK


def duration_in_header(audio: str | os.PathLike | np.ndarray) -> float | None:
    """Length of ``audio`` in seconds, for the progress bar: a file's as ffmpeg reads it in the header, if there."""
    if isinstance(audio, np.ndarray):
        return max(audio.shape) / SAMPLE_RATE
    command = [ffmpeg_exe(), "-nostdin", "-i", str(audio)]  # no output file: ffmpeg only describes the input
    probe = subprocess.run(command, capture_output=True, text=True, errors="replace")
    found = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", probe.stderr)
    return None if found is None else 3600 * int(found[1]) + 60 * int(found[2]) + float(found[3])


def _transcribe_in_pieces(
    model: whisper.Whisper, read: Reader, first: np.ndarray, total_s: float | None, plain: bool, options: dict
) -> dict:
    """Transcribe audio longer than one piece, piece by piece, and join the results (see the module's docstring)."""
    verbose = options.pop("verbose", False)
    segments: list[dict] = []
    start, piece = 0, first  # start: the sample where ``piece`` begins
    with tqdm.tqdm(total=total_s and round(total_s), unit="s", disable=verbose is not False) as bar:
        while True:
            result = _transcribe_piece(model, piece, plain, {**options, "verbose": None})
            options["language"] = result["language"]  # detected once, on the first piece
            last = _is_last(piece)
            kept, used = (result["segments"], len(piece)) if last else _finished(result["segments"], len(piece))
            for segment in kept:
                segments.append(_shifted(segment, start, len(segments)))
                if verbose:
                    s = segments[-1]
                    print(make_safe(f"[{format_timestamp(s['start'])} --> {format_timestamp(s['end'])}] {s['text']}"))
            bar.update(round((start + used) / SAMPLE_RATE) - bar.n)
            if last:
                break
            _prompt_next_piece(options, segments)
            start += used
            piece = read(start, PIECE_S * SAMPLE_RATE)
    return {"text": "".join(s["text"] for s in segments), "segments": segments, "language": options["language"]}


def _finished(segments: list[dict], piece_samples: int) -> tuple[list[dict], int]:
    """The segments of a piece that are surely whole, and the sample (from the piece's start) to go on from.

    Whisper's window that reached into the piece's last ``WINDOW_S`` seconds may hold a word cut at the piece's
    end: its segments and any later ones are dropped, and the next piece starts where that window started. With no
    such window (the end of the piece is silent), the next piece starts ``WINDOW_S`` seconds before this one ends.
    """
    tail_s = piece_samples / SAMPLE_RATE - WINDOW_S
    late = [s["seek"] for s in segments if s["end"] > tail_s]  # seek: the frame where the segment's window starts
    restart = min(late) if late else round(tail_s * FRAMES_PER_SECOND)
    return [s for s in segments if s["seek"] < restart], restart * HOP_LENGTH


def _shifted(segment: dict, start: int, segment_id: int) -> dict:
    """``segment`` of a piece that begins at sample ``start``, with times counted from the start of the audio."""
    offset_s = start / SAMPLE_RATE
    shifted = {
        **segment,
        "id": segment_id,
        "seek": segment["seek"] + start // HOP_LENGTH,
        "start": segment["start"] + offset_s,
        "end": segment["end"] + offset_s,
    }
    if "words" in segment:
        shifted["words"] = [{**w, "start": w["start"] + offset_s, "end": w["end"] + offset_s} for w in segment["words"]]
    return shifted


def _prompt_next_piece(options: dict, segments: list[dict]) -> None:
    """Give the next piece the text so far as its ``initial_prompt``, as Whisper conditions each window on the
    previous ones: not with ``condition_on_previous_text=False``, nor after a high-temperature segment (Whisper
    drops its prompt then); ``carry_initial_prompt=True`` keeps the caller's prompt on every window instead."""
    if options.get("carry_initial_prompt") or (not segments and options.get("condition_on_previous_text", True)):
        return  # the caller's prompt stays: on every window, or (nothing said yet) on the next one
    if options.get("condition_on_previous_text", True) and segments[-1]["temperature"] <= 0.5:
        options["initial_prompt"] = "".join(s["text"] for s in segments[-PROMPT_SEGMENTS:])
    else:
        options.pop("initial_prompt", None)


def transcribe_batch(
    model: whisper.Whisper,
    recordings: Iterable[tuple[str, str | os.PathLike | np.ndarray]],
    batch_size: int = 8,
    plain: bool = False,
    language: str | None = None,
    task: str = "transcribe",
    on_error: Callable[[str, Exception], None] | None = None,
) -> Iterator[tuple[str, dict]]:
    """:func:`transcribe` for many recordings, ``batch_size`` 30 s windows decoded together
    (:mod:`course_utils.streams`, notebooks/09_batch_transcription.ipynb); yields (name, result) per recording,
    as soon as it is done, so memory holds about one batch and the pieces under way.

    The same steps as :func:`transcribe`: the speech found first (not with ``plain``), the language detected per
    recording on its first 30 s (``language`` None), Whisper's temperature fallback and no-speech rule. Unlike it, a
    window does not get the text before it as its prompt (a batch has one prompt), and long speech is cut at pauses
    into streams (:mod:`course_utils.streams`): one-window recordings get the same text, longer ones nearly the same.

    ``recordings``: (name, audio), a name never twice; audio is a file, read ``PIECE_S`` seconds at a time through
    ffmpeg (:func:`speech_pieces`: memory does not grow with the recording's length), or 16 kHz float32 samples.
    Each result also has ``duration``, the recording's length in seconds; no segment ends after it. A recording
    that cannot be read (OSError, ValueError: not audio, empty) goes to ``on_error(name, error)`` and gives no
    result, the others go on; without ``on_error`` the error is raised.
    """
    if language is not None:
        language = language_for(model, language)
    under_way: dict[str, _Recording] = {}
    finished: list[str] = []

    def streams() -> Iterator[Stream]:
        for name, audio in recordings:
            state = under_way[name] = _Recording()
            try:
                for start, piece, regions in speech_pieces(_reader(audio), plain):
                    if start == 0:
                        check_length(piece)
                        state.language = language or _language_of(model, piece)
                    cut = cut_streams(name, piece, regions, model.dims.n_mels)
                    for stream in cut:
                        stream.index += state.cut
                        stream.offset_s += start / SAMPLE_RATE
                        stream.language = state.language
                    state.cut += len(cut)
                    state.pending += len(cut)
                    state.duration_s = (start + len(piece)) / SAMPLE_RATE
                    yield from cut
            except (OSError, ValueError) as error:
                if on_error is None:
                    raise
                state.failed = True
                on_error(name, error)
            state.read_all = True
            if state.pending == 0:
                finished.append(name)

    def results() -> Iterator[tuple[str, dict]]:
        while finished:
            name = finished.pop(0)
            state = under_way.pop(name)
            if not state.failed:
                yield name, state.result()

    for stream in run_streams(model, streams(), batch_size, task):
        state = under_way[stream.recording]
        state.segments[stream.index] = stream.segments
        state.pending -= 1
        if state.read_all and state.pending == 0:
            finished.append(stream.recording)
        yield from results()
    yield from results()


@dataclass
class _Recording:
    """A recording under way in :func:`transcribe_batch`: its streams' segments (by the stream's place), not the
    streams themselves, so a long recording's log-Mel is let go stream by stream."""

    language: str | None = None
    cut: int = 0  # streams cut so far
    pending: int = 0  # streams cut and not yet decoded
    duration_s: float = 0.0  # seconds read so far (all of it once ``read_all``)
    read_all: bool = False
    failed: bool = False
    segments: dict[int, list[dict]] = field(default_factory=dict)

    def result(self) -> dict:
        """Whisper's result (text, segments, language) and ``duration``; times never past the recording's end."""
        ordered = [s for index in sorted(self.segments) for s in self.segments[index]]
        segments = [
            {"id": i, **s, "start": min(s["start"], self.duration_s), "end": min(s["end"], self.duration_s)}
            for i, s in enumerate(ordered)
        ]
        text = "".join(s["text"] for s in segments)
        return {"text": text, "segments": segments, "language": self.language, "duration": self.duration_s}


def speech_pieces(read: Reader, plain: bool = False) -> Iterator[tuple[int, np.ndarray, list[tuple[float, float]]]]:
    """(start, piece, regions) for a recording read ``PIECE_S`` seconds at a time: ``start`` the sample where the
    piece begins, ``regions`` the (start, end) seconds of speech in it (from the piece's start; the whole piece with
    ``plain``). No word is lost where pieces meet: a region of speech touching a piece's end is left to the next
    piece, which starts where that region starts (:func:`_carry`)."""
    start = 0
    while True:
        piece = read(start, PIECE_S * SAMPLE_RATE)
        regions = [(0.0, len(piece) // HOP_LENGTH / FRAMES_PER_SECOND)] if plain else find_speech(piece)
        if _is_last(piece):
            yield start, piece, regions
            return
        kept, carried = _carry(piece, regions)
        yield start, piece, kept
        start += carried


def _carry(piece: np.ndarray, regions: list[tuple[float, float]]) -> tuple[list[tuple[float, float]], int]:
    """The regions of a piece (not the last) decoded now, and the sample (from the piece's start) the next piece
    starts at: where the region touching the piece's end starts; for a region longer than ``CARRY_MAX_S`` seconds,
    at its quietest point before its last ``WINDOW_S`` seconds (:func:`course_utils.streams.cut_points`), the part
    before it decoded now. With no speech at its end, the next piece overlaps this one by ``OVERLAP_S`` seconds."""
    end_s = len(piece) // HOP_LENGTH / FRAMES_PER_SECOND
    if not regions or regions[-1][1] < end_s - OVERLAP_S:  # find_speech takes speech near the end to the end
        return regions, len(piece) - OVERLAP_S * SAMPLE_RATE
    start_s, _ = regions[-1]
    first = round(start_s * SAMPLE_RATE)
    if end_s - start_s <= CARRY_MAX_S:
        return regions[:-1], first
    cut = first + cut_points(piece[first:], len(piece) - first - WINDOW_S * SAMPLE_RATE)[1]
    return [*regions[:-1], (start_s, cut // HOP_LENGTH / FRAMES_PER_SECOND)], cut // HOP_LENGTH * HOP_LENGTH
