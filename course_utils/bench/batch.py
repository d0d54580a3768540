"""python -m course_utils bench-batch: throughput of batched decoding against batch size, and faster-whisper beside.

    python -m course_utils bench-batch --models tiny.en,base --out results/batch

On the bundled English speech (every clip, REPEATS times over, cut into 30 s windows), each model decodes the
windows greedily BATCH_SIZES at a time. For each batch size: throughput (audio seconds per wall second), the
encoder's and the decoder's seconds, the peak memory of the process during the run, and the WER of the stitched
texts against the clips' transcripts (it must not change with the batch size). In the same run, faster-whisper
(CTranslate2, int8) transcribes the same audio with the same pip-shipped weights: one recording at a time, and with
its BatchedInferencePipeline. Each model runs in its own process. Writes OUT/throughput.csv and prints the table.
Taught in notebooks/09_batch_transcription.ipynb, which loads the table instead of measuring again.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import threading
import time
from importlib import resources
from pathlib import Path

import psutil
import torch

from ..audio import SAMPLE_RATE, load_audio
from ..commands import UsageError, model_names, reading_user_input
from ..data import clips
from ..models import OFFLINE_SOURCES, load_model, offline_cache_dir, read_offline_weights
from ..wer import word_error_rate

BATCH_SIZES = (1, 2, 4, 8, 16)
DEFAULT_MODELS = "tiny.en,base"
REPEATS = 2  # the English speech twice over: enough windows to fill a batch of 16
FASTER_BATCH = 8  # batch size of faster-whisper's BatchedInferencePipeline
TARGET_SPEEDUP = 1.5  # batch 8 against batch 1, on the 2-core CPU
SAMPLE_EVERY_S = 0.01  # seconds between two readings of the process's memory
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


class PeakMemory:
    """The peak resident memory (MB) of this process while the ``with`` block runs, read every SAMPLE_EVERY_S."""

    def __enter__(self) -> PeakMemory:
        self.peak_mb, self._stop = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        process = psutil.Process()
        while True:
            self.peak_mb = max(self.peak_mb, process.memory_info().rss / 1e6)
            if self._stop.wait(SAMPLE_EVERY_S):
                return

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


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
        partial = folder / "model.bin.partial"
        partial.write_bytes(read_offline_weights(name))
        partial.replace(folder / "model.bin")
    return folder


def english_speech(repeats: int = REPEATS) -> tuple[dict[str, object], dict[str, str]]:
    """The bundled English speech, ``repeats`` times over: samples and transcript by name ("jfk#0", "jfk#1")."""
    audio, references = {}, {}
    for clip in clips(kind="speech", language="en"):
        samples = load_audio(clip.path)
        for r in range(repeats):
            audio[f"{clip.id}#{r}"], references[f"{clip.id}#{r}"] = samples, clip.transcript
    return audio, references


def corpus_wer(texts: dict[str, str], references: dict[str, str]) -> float:
    """Errors over reference words, summed over every recording (Whisper's normalizer, course_utils.wer)."""
    results = [word_error_rate(references[name], text) for name, text in texts.items()]
    return sum(r.substitutions + r.deletions + r.insertions for r in results) / sum(r.reference_words for r in results)


def measure_openai(name: str, batch_sizes: tuple[int, ...] = BATCH_SIZES, repeats: int = REPEATS) -> list[dict]:
    """openai-whisper's decode on batches of windows: one row per batch size."""
    audio, references = english_speech(repeats)
    windows = [w for file, samples in audio.items() for w in cut_windows(file, samples)]
    audio_s = sum(len(s) for s in audio.values()) / SAMPLE_RATE
    model = load_model(name)
    decode_windows(model, windows[:1], "en")  # warm-up: the first call pays one-time costs
    rows = []
    for size in batch_sizes:
        timings, stitcher, texts = Timings(), Stitcher(), {}
        with PeakMemory() as memory:
            started = time.perf_counter()
            for i in range(0, len(windows), size):
                batch = windows[i : i + size]
                for w, (segments, language) in zip(batch, decode_windows(model, batch, "en", timings)):
                    result = stitcher.add(w.file, w.index, w.count, segments, language)
                    if result is not None:
                        texts[w.file] = result["text"]
            wall_s = time.perf_counter() - started
        rows.append(
            _row(
                "openai-whisper",
                name,
                size,
                len(windows),
                audio_s,
                wall_s,
                memory.peak_mb,
                corpus_wer(texts, references),
                timings,
            )
        )
    return rows


def measure_faster(name: str, repeats: int = REPEATS) -> list[dict]:
    """faster-whisper, int8, greedy, on the same audio: one recording at a time, then its batched pipeline."""
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    audio, references = english_speech(repeats)
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
            _row(
                "faster-whisper int8",
                name,
                size,
                None,
                audio_s,
                wall_s,
                memory.peak_mb,
                corpus_wer(texts, references),
                None,
            )
        )
    return rows


def _row(engine, model, size, windows, audio_s, wall_s, peak_mb, wer, timings: Timings | None) -> dict:
    return {
        "engine": engine,
        "model": model,
        "batch_size": size,
        "windows": windows,
        "audio_s": round(audio_s, 1),
        "wall_s": round(wall_s, 2),
        "encoder_s": timings and round(timings.encoder_s, 2),
        "decoder_s": timings and round(timings.decoder_s, 2),
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
    for model, speedup in speedups(rows).items():
        verdict = "met" if speedup >= TARGET_SPEEDUP else "NOT met"
        print(f"{model}: batch 8 gives {speedup:.2f}x the throughput of batch 1 (target {TARGET_SPEEDUP}x: {verdict})")


def write_rows(path: Path, rows: list[dict]) -> None:
    """Write the measured rows as a CSV with COLUMNS."""
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils bench-batch",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--models", default=DEFAULT_MODELS, help=f"comma-separated (default {DEFAULT_MODELS})")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for throughput.csv")
    parser.add_argument(
        "--repeats",
        type=int,
        default=REPEATS,
        metavar="N",
        help=f"times the English speech is decoded (default {REPEATS}: 22 windows)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: measure one model in this process
    args = parser.parse_args(argv)
    if args.child:
        rows = measure_openai(args.child, repeats=args.repeats) + measure_faster(args.child, args.repeats)
        print(json.dumps(rows))
        return 0
    names = model_names(args.models)
    offline_only = [n for n in names if n not in OFFLINE_SOURCES]
    if args.repeats < 1:
        raise UsageError(f"--repeats {args.repeats}: give 1 or more.")
    if offline_only:
        raise UsageError(f"bench-batch compares the pip-shipped weights: --models takes {', '.join(OFFLINE_SOURCES)}.")
    out = Path(args.out)
    with reading_user_input():
        out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in names:
        child = ["--out", str(out), "--repeats", str(args.repeats), "--child", name]
        command = [sys.executable, "-m", "course_utils", "bench-batch", *child]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr.rstrip(), file=sys.stderr)
            return done.returncode
        rows += json.loads(done.stdout.strip().splitlines()[-1])
        write_rows(out / "throughput.csv", rows)  # after each model: a run stopped later keeps the models done
    print_table(rows)
    return 0
