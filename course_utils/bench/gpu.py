"""Check the course on an NVIDIA GPU: device and fp16 chosen by themselves, Whisper's work timed beside the CPU's.

    python tools/gpu_check.py --out results/gpu/gpu_check.txt

For each model (default tiny.en and base), loaded with ``course_utils.load_model`` (which picks the GPU when there
is one; ``course_utils.use_fp16`` then picks half precision), then again on the CPU, it times:

- ``transcribe``: ``cu.transcribe`` of each clip, greedy;
- ``detect_language``: ``model.detect_language`` on a French clip (multilingual models only);
- ``live pass``: one ``course_utils.live.transcribe_buffer`` on the first clip;
- ``batched decode``: one ``whisper.decode`` of ``--batch`` log-Mel windows (English clips) at once.

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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a clone: python tools/gpu_check.py

import numpy as np  # noqa: E402
import torch  # noqa: E402
import whisper  # noqa: E402

import course_utils as cu  # noqa: E402
from course_utils import live  # noqa: E402
from course_utils.wer import word_error_rate  # noqa: E402

DEFAULT_MODELS = "tiny.en,base"
DEFAULT_CLIPS = "jfk,librivox_1"
LANGUAGE_CLIP = "prompt_fr_1"  # detect_language must find French
BATCH_CLIPS = [c.id for c in cu.clips(kind="speech", language="en") if c.duration <= 30]  # one window each
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


def judge_batch(references: list[str]) -> Callable[[list], tuple[str, str, bool]]:
    def judge(results: list) -> tuple[str, str, bool]:
        wers = [word_error_rate(r, result.text).wer for r, result in zip(references, results)]
        return " ".join(result.text for result in results), f"WER <= {max(wers):.2f}", max(wers) <= MAX_WER

    return judge


def judge_language(expected: str) -> Callable[[tuple], tuple[str, str, bool]]:
    def judge(detected: tuple) -> tuple[str, str, bool]:
        probabilities = detected[1]
        language = max(probabilities, key=probabilities.get)
        return language, f"{language} {probabilities[language]:.2f}", language == expected

    return judge


def tasks(model: whisper.Whisper, clips: list[cu.Clip], batch: int, wanted: list[str]) -> Iterator[Task]:
    """The timed work of one model; log-Mel windows are computed beforehand, on the model's device."""
    sr, dtype = cu.SAMPLE_RATE, torch.float16 if cu.use_fp16(model) else torch.float32
    audios = {c.id: cu.load_audio(c.path) for c in clips}
    if "transcribe" in wanted:
        for c in clips:
            audio = audios[c.id]
            yield Task(
                f"transcribe {c.id}",
                len(audio) / sr,
                lambda audio=audio: cu.transcribe(model, audio, temperature=0.0, language="en")["text"],
                judge_transcript(c.transcript),
            )
    if "detect_language" in wanted and model.is_multilingual:
        french = cu.clip(LANGUAGE_CLIP)
        audio = cu.load_audio(french.path)
        mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), model.dims.n_mels).to(model.device, dtype)
        yield Task(
            f"detect_language {french.id}",
            len(audio) / sr,
            lambda: model.detect_language(mel),
            judge_language(french.language),
        )
    if "live" in wanted:
        audio = audios[clips[0].id][: whisper.audio.N_SAMPLES]
        yield Task(
            f"live pass {clips[0].id}",
            len(audio) / sr,
            lambda: live.transcribe_buffer(model, audio)["text"],
            judge_transcript(clips[0].transcript),
        )
    if "batch" in wanted:
        chosen = [cu.clip(BATCH_CLIPS[i % len(BATCH_CLIPS)]) for i in range(batch)]
        windows = [cu.load_audio(c.path) for c in chosen]
        mels = torch.stack([whisper.log_mel_spectrogram(whisper.pad_or_trim(a), model.dims.n_mels) for a in windows])
        mels = mels.to(model.device, dtype)
        options = whisper.DecodingOptions(
            language="en", temperature=0.0, without_timestamps=True, fp16=cu.use_fp16(model)
        )
        yield Task(
            f"batched decode x{batch}",
            sum(len(a) for a in windows) / sr,
            lambda: whisper.decode(model, mels, options),
            judge_batch([c.transcript for c in chosen]),
        )


def synchronize(device: str) -> None:
    """Wait for the GPU to finish what it was given: its work runs asynchronously, so a timer must wait for it."""
    if device == "cuda":
        torch.cuda.synchronize()


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
    warm_up(model, cu.load_audio(args.clips[0].path))
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    measured = []
    for task in tasks(model, args.clips, args.batch, args.tasks):
        print(f"{device} {name}: {task.name} ...", file=sys.stderr, flush=True)
        measured.append((task.name, task.audio_s, measure(task, device)))
    return measured


def warm_up(model: whisper.Whisper, audio: np.ndarray) -> None:
    """Pay one-time costs before timing: CUDA's start-up, the first pass, numba's compilation of word alignment."""
    cu.transcribe(model, audio[: cu.SAMPLE_RATE], temperature=0.0, language="en")
    live.warm_up(model)


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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=DEFAULT_MODELS, help=f"comma-separated (default {DEFAULT_MODELS})")
    parser.add_argument("--clips", default=DEFAULT_CLIPS, help=f"English clips to transcribe ({DEFAULT_CLIPS})")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="windows decoded at once (default 8)")
    parser.add_argument("--tasks", default=",".join(TASKS), help=f"comma-separated, of {', '.join(TASKS)}")
    parser.add_argument("--out", type=Path, help="also write the report here, e.g. results/gpu/gpu_check.txt")
    parser.add_argument("--require-gpu", action="store_true", help="fail (exit status 1) when there is no GPU")
    args = parser.parse_args(argv)
    args.models, args.tasks = args.models.split(","), args.tasks.split(",")
    try:
        args.clips = [cu.clip(c) for c in args.clips.split(",")]
    except KeyError as error:
        parser.error(error.args[0])
    if unknown := [n for n in args.models if n not in whisper.available_models()]:
        parser.error(f"unknown model(s) {', '.join(unknown)}: choose from {', '.join(whisper.available_models())}.")
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
    auto = cu.default_device()
    devices = [auto, "cpu"] if auto == "cuda" else [auto]
    chosen = None  # (device, fp16) as cu.load_model and cu.use_fp16 pick them
    rows: dict[tuple[str, str], dict[str, Measurement]] = {}
    audio_s: dict[tuple[str, str], float] = {}
    peaks = []
    for device in devices:
        for name in args.models:
            try:
                model = cu.load_model(name, device=None if device == auto else device)  # None: chosen automatically
            except cu.OfflineModelError as error:
                print(error, file=sys.stderr)
                return 2
            chosen = chosen or (model.device.type, cu.use_fp16(model))
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


if __name__ == "__main__":
    sys.exit(main())
