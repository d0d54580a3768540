"""python -m course_utils bench-batch: throughput of the kit's batched pipeline against batch size, faster-whisper beside.

    python -m course_utils bench-batch --models tiny.en,base --out results/batch

On the bundled English speech (every clip, REPEATS times over), each model transcribes every recording with
:func:`course_utils.transcribe.transcribe_batch` (what ``transcribe-batch`` runs: the speech found by Silero VAD, cut
into streams, BATCH_SIZES 30 s windows decoded together, Whisper's fallback), language English. For each batch
size: throughput (audio seconds per wall second), the encoder's seconds (its runs timed) and the rest of the wall
time as ``decoder_s`` (decoding, with the VAD and the log-Mel), the 30 s windows encoded, the peak memory of the
process during the run, and the WER of the texts against the clips' transcripts. The ``engine`` column says
``openai-whisper`` for these rows (the kit's pipeline on openai-whisper's model).

In the same run, faster-whisper (CTranslate2, int8) transcribes the same audio with the same pip-shipped weights,
greedily and without the previous text as prompt: batch size 1 is ``WhisperModel.transcribe``, one recording at a
time with timestamps; batch size FASTER_BATCH is its ``BatchedInferencePipeline``, which cuts the audio into its
own VAD chunks and decodes them together without timestamps or previous text: a different pipeline, not the same
one batched. Each model runs in its own process. Writes OUT/throughput.csv and prints the table.
Taught in notebooks/09_batch_transcription.ipynb, which loads the table instead of measuring again.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from ..audio import SAMPLE_RATE, load_audio
from ..commands import BENCH_MODELS, UsageError, model_names, reading_user_input
from ..data import clip as bundled_clip
from ..data import clips
from ..formats import write_atomic, write_csv
from ..models import OFFLINE_SOURCES, load_model, offline_cache_dir, read_offline_weights
from ..transcribe import transcribe_batch
from ..wer import word_error_rate
from .common import ChildFailed, PeakMemory, command_parser, encoder_timed, measure_in_children

BATCH_SIZES = (1, 2, 4, 8, 16)
REPEATS = 2  # the English speech twice over: enough windows to fill a batch of 16
FASTER_BATCH = 8  # batch size of faster-whisper's BatchedInferencePipeline
TARGET_SPEEDUP = 1.5  # batch 8 against batch 1, on the 2-core CPU
WARM_UP_S = 5  # seconds of the first recording decoded before timing: the first call pays one-time costs
COLUMNS = (
    "engine",
    "model",
    "batch_size",
    "windows",
    "audio_s",
    "wall_s",
    "encoder_s",
    "decoder_s",
    "audio_s_per_s",
    "peak_memory_mb",
    "wer",
    "threads",
)


def ctranslate2_folder(name: str) -> Path:
    """The CTranslate2 (faster-whisper) model folder of the pip-shipped weights of ``name``: the package's own
    folder where model.bin ships whole (tiny.en); else model.bin assembled (sha256 checked) in the course's cache."""
    package, file = OFFLINE_SOURCES[name].config
    shipped = Path(str(resources.files(package) / file)).parent
    if (shipped / "model.bin").is_file():
        return shipped
    folder = offline_cache_dir() / f"ct2-{name}"
    if not (folder / "model.bin").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        for extra in ("config.json", "vocabulary.txt", "tokenizer.json"):
            shutil.copy(shipped / extra, folder / extra)
        write_atomic(folder / "model.bin", read_offline_weights(name))
    return folder


def english_speech(clip_ids: list[str], repeats: int = REPEATS) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The bundled clips ``clip_ids``, ``repeats`` times over: samples and transcript by name ("jfk#0", "jfk#1")."""
    audio, references = {}, {}
    for clip in map(bundled_clip, clip_ids):
        samples = load_audio(clip.path)
        for r in range(repeats):
            audio[f"{clip.id}#{r}"], references[f"{clip.id}#{r}"] = samples, clip.transcript
    return audio, references


def corpus_wer(texts: dict[str, str], references: dict[str, str]) -> float:
    """Errors over reference words, summed over every recording (Whisper's normalizer, course_utils.wer)."""
    results = [word_error_rate(references[name], text) for name, text in texts.items()]
    return sum(r.substitutions + r.deletions + r.insertions for r in results) / sum(r.reference_words for r in results)


def measure_openai(
    name: str, audio: dict[str, np.ndarray], references: dict[str, str], batch_sizes: list[int]
) -> list[dict]:
    """:func:`course_utils.transcribe.transcribe_batch` on ``audio`` (16 kHz samples by name): a row per batch size."""
    audio_s = sum(len(s) for s in audio.values()) / SAMPLE_RATE
    model = load_model(name)
    first = next(iter(audio.values()))
    list(transcribe_batch(model, [("warm-up", first[: WARM_UP_S * SAMPLE_RATE])], 1, language="en"))
    rows = []
    for size in batch_sizes:
        with PeakMemory() as memory, encoder_timed(model) as encoder:
            started = time.perf_counter()
            texts = {
                file: result["text"] for file, result in transcribe_batch(model, audio.items(), size, language="en")
            }
            wall_s = time.perf_counter() - started
        row = _row("openai-whisper", name, size, audio_s, wall_s, memory.peak_mb, corpus_wer(texts, references))
        row |= {"windows": encoder.windows, "encoder_s": round(encoder.seconds, 2)}
        rows.append(row | {"decoder_s": round(wall_s - encoder.seconds, 2)})
    return rows


def measure_faster(name: str, audio: dict[str, np.ndarray], references: dict[str, str]) -> list[dict]:
    """faster-whisper, int8, greedy, on ``audio``: one recording at a time, then its BatchedInferencePipeline
    (its own VAD chunks, no timestamps): one row each, without the encoder's share or the windows."""
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    audio_s = sum(len(s) for s in audio.values()) / SAMPLE_RATE
    model = WhisperModel(
        str(ctranslate2_folder(name)), device="cpu", compute_type="int8", cpu_threads=torch.get_num_threads()
    )
    pipelines = {1: model, FASTER_BATCH: BatchedInferencePipeline(model)}
    options = {"language": "en", "beam_size": 1, "temperature": 0.0, "condition_on_previous_text": False}
    rows = []
    for size, pipeline in pipelines.items():
        batch = {} if size == 1 else {"batch_size": size}
        "".join(s.text for s in pipeline.transcribe(next(iter(audio.values())), **options, **batch)[0])  # warm-up
        with PeakMemory() as memory:
            started = time.perf_counter()
            texts = {
                file: "".join(s.text for s in pipeline.transcribe(samples, **options, **batch)[0])
                for file, samples in audio.items()
            }
            wall_s = time.perf_counter() - started
        rows.append(
            _row("faster-whisper int8", name, size, audio_s, wall_s, memory.peak_mb, corpus_wer(texts, references))
        )
    return rows


def _row(engine: str, model: str, size: int, audio_s: float, wall_s: float, peak_mb: float, wer: float) -> dict:
    """One row of throughput.csv; ``windows``, ``encoder_s`` and ``decoder_s`` empty (openai-whisper's fill them)."""
    return {
        "engine": engine,
        "model": model,
        "batch_size": size,
        "windows": None,
        "audio_s": round(audio_s, 1),
        "wall_s": round(wall_s, 2),
        "encoder_s": None,
        "decoder_s": None,
        "audio_s_per_s": round(audio_s / wall_s, 2),
        "peak_memory_mb": round(peak_mb),
        "wer": round(wer, 4),
        "threads": torch.get_num_threads(),
    }


def speedups(rows: list[dict]) -> dict[str, float]:
    """Per model: openai-whisper's throughput at batch 8 over its throughput at batch 1."""
    openai = [r for r in rows if r["engine"] == "openai-whisper"]
    by = {(r["model"], int(r["batch_size"])): float(r["audio_s_per_s"]) for r in openai}
    return {model: by[(model, 8)] / by[(model, 1)] for model, size in by if size == 1 and (model, 8) in by}


def print_table(rows: list[dict]) -> None:
    print(
        f"{'engine':<21}{'model':<9}{'batch':>6}{'audio s/s':>10}{'wall s':>8}{'encoder s':>10}{'decoder s':>10}"
        f"{'peak MB':>8}{'WER %':>7}"
    )
    for r in rows:
        split = [f"{r[k]:>10}" if r[k] not in (None, "") else f"{'n/a':>10}" for k in ("encoder_s", "decoder_s")]
        print(
            f"{r['engine']:<21}{r['model']:<9}{r['batch_size']:>6}{r['audio_s_per_s']:>10}{r['wall_s']:>8}"
            f"{''.join(split)}{r['peak_memory_mb']:>8}{100 * float(r['wer']):>7.1f}"
        )
    if any(r["engine"] != "openai-whisper" and int(r["batch_size"]) > 1 for r in rows):
        print(
            f"faster-whisper at batch {FASTER_BATCH}: its BatchedInferencePipeline, over its own VAD chunks, without "
            "timestamps or the previous text (a different pipeline)"
        )
    for model, speedup in speedups(rows).items():
        verdict = "met" if speedup >= TARGET_SPEEDUP else "NOT met"
        print(f"{model}: batch 8 gives {speedup:.2f}x the throughput of batch 1 (target {TARGET_SPEEDUP}x: {verdict})")


def batch_sizes(text: str) -> list[int]:
    """An argparse type: comma-separated batch sizes, each 1 or more."""
    try:
        sizes = [int(size) for size in text.split(",") if size.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a list of whole numbers, e.g. 1,2,4,8") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"'{text}': give batch sizes of 1 or more, e.g. 1,2,4,8")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = command_parser("bench-batch", __doc__)
    parser.add_argument("--models", default=BENCH_MODELS, help=f"comma-separated (default {BENCH_MODELS})")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for throughput.csv")
    parser.add_argument(
        "--repeats",
        type=int,
        default=REPEATS,
        metavar="N",
        help=f"times the English speech is decoded (default {REPEATS}: about 230 s of audio)",
    )
    default_sizes = ",".join(map(str, BATCH_SIZES))
    parser.add_argument(
        "--batch-sizes", type=batch_sizes, default=list(BATCH_SIZES), help=f"comma-separated (default {default_sizes})"
    )
    parser.add_argument("--clips", help="comma-separated clip ids (default: every English speech clip)")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: measure one model in this process
    args = parser.parse_args(argv)
    clip_ids = args.clips.split(",") if args.clips else [c.id for c in clips(kind="speech", language="en")]
    if args.child:
        audio, references = english_speech(clip_ids, args.repeats)
        rows = measure_openai(args.child, audio, references, args.batch_sizes)
        print(json.dumps(rows + measure_faster(args.child, audio, references)))
        return 0
    names = model_names(args.models)
    offline_only = [n for n in names if n not in OFFLINE_SOURCES]
    if args.repeats < 1:
        raise UsageError(f"--repeats {args.repeats}: give 1 or more.")
    if offline_only:
        raise UsageError(f"bench-batch compares the pip-shipped weights: --models takes {', '.join(OFFLINE_SOURCES)}.")
    out = Path(args.out)
    with reading_user_input():
        for clip_id in clip_ids:
            bundled_clip(clip_id)
        out.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    child = [
        "--repeats",
        str(args.repeats),
        "--batch-sizes",
        ",".join(map(str, args.batch_sizes)),
        "--clips",
        ",".join(clip_ids),
    ]
    try:
        for _, model_rows in measure_in_children("bench-batch", names, ["--out", str(out), *child]):
            rows += model_rows
            write_csv(rows, COLUMNS, out / "throughput.csv")  # after each model: a stopped run keeps the models done
    except ChildFailed as failed:
        return failed.returncode
    print_table(rows)
    return 0
