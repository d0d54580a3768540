"""python -m course_utils bench-gpu: Whisper's work timed on an NVIDIA GPU beside the CPU, every result checked.

The GPU and half precision are chosen by themselves (cu.load_model, cu.use_fp16).

    python -m course_utils bench-gpu --out results/gpu/gpu_check.txt  (or: python tools/gpu_check.py --out ...)

For each model (default tiny.en and base), loaded with ``course_utils.load_model`` (which picks the GPU when there
is one; ``course_utils.use_fp16`` then picks half precision), then again on the CPU, it times:

- ``transcribe``: ``cu.transcribe`` of each clip, greedy;
- ``detect_language``: ``model.detect_language`` on a French clip (multilingual models only);
- ``live pass``: one ``course_utils.live.transcribe_buffer`` on the first clip;
- ``transcribe_batch``: ``course_utils.transcribe.transcribe_batch`` of ``--batch`` one-window English clips,
  ``--batch`` windows decoded together (the pipeline of ``transcribe-batch``, notebooks/09).

Each model is warmed up first (CUDA start-up, numba's compilation). It prints torch and GPU details and a table:
per task the audio seconds, each device's seconds and speed (x real time), the GPU's speed-up, and the check: every
transcript near the clip's reference (word error rate at most ``MAX_WER``), the French clip found French, and the
GPU's words the CPU's (fp16 against fp32: word error rate between them at most ``MAX_DEVICE_WER``). Sized to finish
within five minutes on a GPU machine, the CPU column taking most of it. Without a GPU it says so and measures the
CPU column only.
Exit status: 0 when every check passes, 1 when one fails (or, with ``--require-gpu``, when there is no GPU), 2 for
bad arguments.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
import whisper

from ..audio import SAMPLE_RATE, load_audio
from ..commands import BENCH_MODELS
from ..data import Clip, clip, clips
from ..live import transcribe_buffer
from ..live import warm_up as warm_up_live
from ..models import check_models, default_device, load_model, use_fp16
from ..transcribe import transcribe, transcribe_batch
from ..wer import word_error_rate
from .common import command_parser, synchronize

DEFAULT_CLIPS = "jfk,librivox_1"
LANGUAGE_CLIP = "prompt_fr_1"  # detect_language must find French
BATCH_CLIP_S = 30  # seconds: the batch task's clips are the English speech clips of one window
DEFAULT_BATCH = 8
TASKS = ("transcribe", "detect_language", "live", "batch")
MAX_WER = 0.35  # a transcript farther than this from the clip's reference fails
MAX_DEVICE_WER = 0.1  # the GPU's transcript (fp16) may differ from the CPU's (fp32) by this much


@dataclass
class Task:
    name: str  # e.g. "transcribe jfk"
    audio_s: float  # seconds of audio the work hears
    work: Callable[[], object]
    judge: Callable[[object], tuple[str, str, bool]]  # result -> (what was heard, a short verdict, passed)


@dataclass
class Measurement:
    seconds: float
    heard: str  # the transcript, or the language detected
    verdict: str  # e.g. "WER 0.05"
    ok: bool


def judge_transcript(reference: str) -> Callable[[str], tuple[str, str, bool]]:
    def judge(text: str) -> tuple[str, str, bool]:
        wer = word_error_rate(reference, text).wer
        return text, f"WER {wer:.2f}", wer <= MAX_WER

    return judge


def judge_batch(references: dict[str, str]) -> Callable[[list], tuple[str, str, bool]]:
    """Judge ``transcribe_batch``'s (name, result) pairs against the references by name."""

    def judge(results: list) -> tuple[str, str, bool]:
        texts = dict(results)
        wers = [word_error_rate(references[name], texts[name]["text"]).wer for name in references]
        heard = " ".join(texts[name]["text"] for name in references)
        return heard, f"WER <= {max(wers):.2f}", max(wers) <= MAX_WER

    return judge


def judge_language(expected: str) -> Callable[[tuple], tuple[str, str, bool]]:
    def judge(detected: tuple) -> tuple[str, str, bool]:
        probabilities = detected[1]
        language = max(probabilities, key=probabilities.get)
        return language, f"{language} {probabilities[language]:.2f}", language == expected

    return judge


def tasks(model: whisper.Whisper, chosen: list[Clip], batch: int, wanted: list[str]) -> Iterator[Task]:
    """The timed work of one model; audio (and detect_language's log-Mel, on the model's device) read beforehand."""
    sr, dtype = SAMPLE_RATE, torch.float16 if use_fp16(model) else torch.float32
    audios = {c.id: load_audio(c.path) for c in chosen}
    if "transcribe" in wanted:
        for c in chosen:
            audio = audios[c.id]
            yield Task(
                f"transcribe {c.id}",
                len(audio) / sr,
                lambda audio=audio: transcribe(model, audio, temperature=0.0, language="en")["text"],
                judge_transcript(c.transcript),
            )
    if "detect_language" in wanted and model.is_multilingual:
        french = clip(LANGUAGE_CLIP)
        audio = load_audio(french.path)
        mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), model.dims.n_mels).to(model.device, dtype)
        yield Task(
            f"detect_language {french.id}",
            len(audio) / sr,
            lambda: model.detect_language(mel),
            judge_language(french.language),
        )
    if "live" in wanted:
        audio = audios[chosen[0].id][: whisper.audio.N_SAMPLES]
        yield Task(
            f"live pass {chosen[0].id}",
            len(audio) / sr,
            lambda: transcribe_buffer(model, audio)["text"],
            judge_transcript(chosen[0].transcript),
        )
    if "batch" in wanted:
        one_window = [c for c in clips(kind="speech", language="en") if c.duration <= BATCH_CLIP_S]
        names = {f"{one_window[i % len(one_window)].id}#{i}": one_window[i % len(one_window)] for i in range(batch)}
        recordings = [(name, load_audio(c.path)) for name, c in names.items()]
        yield Task(
            f"transcribe_batch x{batch}",
            sum(len(a) for _, a in recordings) / sr,
            lambda: list(transcribe_batch(model, recordings, batch, language="en")),
            judge_batch({name: c.transcript for name, c in names.items()}),
        )


def measure(task: Task, device: str) -> Measurement:
    synchronize(device)
    started = time.perf_counter()
    result = task.work()
    synchronize(device)
    seconds = time.perf_counter() - started
    return Measurement(seconds, *task.judge(result))


def measure_model(model: whisper.Whisper, name: str, args: argparse.Namespace) -> list[tuple[str, float, Measurement]]:
    """(task, seconds of audio, measurement) of each task, after a warm-up; the GPU's peak memory counted afresh."""
    device = model.device.type
    warm_up(model, load_audio(args.clips[0].path))
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    measured = []
    for task in tasks(model, args.clips, args.batch, args.tasks):
        print(f"{device} {name}: {task.name} ...", file=sys.stderr, flush=True)
        measured.append((task.name, task.audio_s, measure(task, device)))
    return measured


def warm_up(model: whisper.Whisper, audio: np.ndarray) -> None:
    """Pay one-time costs before timing: CUDA's start-up, the first pass, numba's compilation of word alignment."""
    transcribe(model, audio[:SAMPLE_RATE], temperature=0.0, language="en")
    warm_up_live(model)


def machine_lines(chosen: tuple[str, bool]) -> list[str]:
    """Python, torch, CUDA and the GPU; whether the course chose the GPU and fp16 when there is one."""
    lines = [
        f"Whisper Lab GPU check, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"Python {platform.python_version()}, torch {torch.__version__} (CUDA {torch.version.cuda}, cuDNN "
        f"{torch.backends.cudnn.version()}), openai-whisper {whisper.__version__}, "
        f"{torch.get_num_threads()} CPU threads",
    ]
    if torch.cuda.is_available():
        gpu = torch.cuda.get_device_properties(0)
        lines.append(f"GPU: {gpu.name}, {gpu.total_memory / 2**30:.1f} GiB, compute capability {gpu.major}.{gpu.minor}")
    else:
        lines.append(
            f"No NVIDIA GPU found (torch.cuda.is_available() is False; torch {torch.__version__}): the CPU column only."
        )
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    verdict = "ok" if chosen == (expected, expected == "cuda") else "FAILED"
    lines.append(f"cu.load_model chose {chosen[0]}, cu.use_fp16 chose fp16={chosen[1]}: {verdict}")
    return lines


def table_lines(rows: dict[tuple[str, str], dict[str, Measurement]], audio_s: dict, devices: list[str]) -> list[str]:
    header = f"{'model':<9}{'task':<24}{'audio s':>8}"
    for device in devices:
        header += f"{device + ' s':>9}{'x real time':>13}"
    header += f"{'GPU speed-up':>14}  check" if len(devices) == 2 else "  check"
    lines = [header]
    for (model, task), by_device in rows.items():
        line = f"{model:<9}{task:<24}{audio_s[model, task]:>8.1f}"
        for device in devices:
            seconds = by_device[device].seconds
            line += f"{seconds:>9.2f}{audio_s[model, task] / seconds:>12.1f}x"
        if len(devices) == 2:
            line += f"{by_device['cpu'].seconds / by_device['cuda'].seconds:>13.1f}x"
        line += "  " + check(by_device)
        lines.append(line)
    return lines


def check(by_device: dict[str, Measurement]) -> str:
    """'ok' or 'FAILED', with each device's verdict and, with two devices, whether they heard the same."""
    verdicts = " / ".join(m.verdict for m in by_device.values())
    ok = all(m.ok for m in by_device.values())
    if "cuda" in by_device and "cpu" in by_device:
        gpu, cpu = by_device["cuda"].heard, by_device["cpu"].heard
        apart = 0.0 if gpu == cpu else word_error_rate(cpu, gpu).wer
        ok = ok and apart <= MAX_DEVICE_WER
        verdicts += f"; GPU vs CPU words: WER {apart:.2f}"
    return f"{'ok' if ok else 'FAILED'} ({verdicts})"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The arguments, checked: clips and tasks as lists, an unknown name ends the run (exit status 2)."""
    parser = command_parser("bench-gpu", __doc__)
    parser.add_argument("--models", default=BENCH_MODELS, help=f"comma-separated (default {BENCH_MODELS})")
    parser.add_argument("--clips", default=DEFAULT_CLIPS, help=f"English clips to transcribe ({DEFAULT_CLIPS})")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="windows decoded at once (default 8)")
    parser.add_argument("--tasks", default=",".join(TASKS), help=f"comma-separated, of {', '.join(TASKS)}")
    parser.add_argument("--out", type=Path, help="also write the report here, e.g. results/gpu/gpu_check.txt")
    parser.add_argument("--require-gpu", action="store_true", help="fail (exit status 1) when there is no GPU")
    args = parser.parse_args(argv)
    args.models, args.tasks = args.models.split(","), args.tasks.split(",")
    try:
        args.clips = [clip(c) for c in args.clips.split(",")]
    except KeyError as error:
        parser.error(error.args[0])
    try:
        check_models(args.models)  # every model known, and loadable here (offline: tiny.en and base)
    except ValueError as error:
        parser.error(str(error))
    if not_english := [c.id for c in args.clips if c.language != "en"]:
        parser.error(f"--clips takes English clips; {', '.join(not_english)} is not. See data/clips.csv.")
    if unknown := sorted(set(args.tasks) - set(TASKS)):
        parser.error(f"unknown task(s) {', '.join(unknown)}: choose from {', '.join(TASKS)}.")
    if args.batch < 1:
        parser.error("--batch must be at least 1.")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.require_gpu and not torch.cuda.is_available():
        print(
            f"No NVIDIA GPU found (torch.cuda.is_available() is False; torch {torch.__version__}). Run this on a "
            "machine with a GPU and a CUDA build of torch.",
            file=sys.stderr,
        )
        return 1
    auto = default_device()
    devices = [auto, "cpu"] if auto == "cuda" else [auto]
    chosen = None  # (device, fp16) as cu.load_model and cu.use_fp16 pick them
    rows: dict[tuple[str, str], dict[str, Measurement]] = {}
    audio_s: dict[tuple[str, str], float] = {}
    peaks = []
    for device in devices:
        for name in args.models:
            model = load_model(name, device=None if device == auto else device)  # None: chosen automatically
            chosen = chosen or (model.device.type, use_fp16(model))
            for task, seconds_of_audio, measurement in measure_model(model, name, args):
                rows.setdefault((name, task), {})[device] = measurement
                audio_s[name, task] = seconds_of_audio
            del model
            if device == "cuda":
                peaks.append(f"{name} {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")
                torch.cuda.empty_cache()  # the next model's peak is its own

    lines = machine_lines(chosen) + [""] + table_lines(rows, audio_s, devices)
    if peaks:
        lines.append(f"\nPeak GPU memory allocated by torch while timing: {', '.join(peaks)}.")
    report = "\n".join(lines) + "\n"
    print(report, end="")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)
    passed = "FAILED" not in report
    print("All checks passed." if passed else "Some checks FAILED: see the table.", file=sys.stderr)
    return 0 if passed else 1
