"""python -m course_utils bench-batch-memory: peak memory of transcribe-batch against a recording's length.

    python -m course_utils bench-batch-memory --model tiny.en --lengths 600,3600,10800 --repeats 2 --out results/batch

transcribe-batch reads a long recording a piece at a time (course_utils/transcribe.py, ``speech_pieces``), so its
memory should not grow with the recording's length. For each length (seconds), speech-like audio is made from a
bundled clip (``--clip``, JFK's 11 s by default) followed by silence, every ``PERIOD_S`` seconds, written as a
temporary FLAC by ffmpeg (looped, so the benchmark itself never holds the whole recording). Each run is its own
process (``python -m course_utils transcribe-batch FILE --out TMP --model M --json``); its peak resident memory
(RSS) is read from the OS when it ends (``os.wait4``'s ``ru_maxrss``: the largest of the process and of the ffmpeg
processes it waited for). Writes OUT/memory.csv and prints the table. Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio import SAMPLE_RATE, ffmpeg_exe, load_audio, save_wav
from ..commands import DEFAULT_MODEL, UsageError, reading_user_input
from ..data import clip
from ..formats import write_csv

DEFAULT_LENGTHS = "600,3600,10800"  # seconds: 10 minutes, 1 hour, 3 hours
DEFAULT_CLIP = "jfk"
REPEATS = 2
PERIOD_S = 60  # seconds of audio per repetition: the clip, then silence up to this (speech about a fifth)
COLUMNS = ("length_s", "run", "peak_rss_mb", "wall_s", "audio_s", "files_ok")
KIB = 1024  # ru_maxrss is in KiB on Linux


@dataclass(frozen=True)
class Run:
    """One transcribe-batch process on one recording: its peak RSS (MB) and wall seconds."""

    length_s: int
    run: int
    peak_rss_mb: float
    wall_s: float
    audio_s: float
    files_ok: int


def make_recording(path: Path, clip_id: str, length_s: int, folder: Path) -> Path:
    """Write ``length_s`` seconds of speech-like audio to ``path`` (FLAC): clip ``clip_id``, silence up to
    ``PERIOD_S`` seconds, again and again (ffmpeg loops one period)."""
    speech = load_audio(clip(clip_id).path)
    period = np.zeros(max(PERIOD_S * SAMPLE_RATE, len(speech)), np.float32)
    period[: len(speech)] = speech
    unit = save_wav(folder / "period.wav", period)
    command = [ffmpeg_exe(), "-nostdin", "-y", "-loglevel", "error", "-stream_loop", "-1", "-i", str(unit)]
    subprocess.run([*command, "-t", str(length_s), "-c:a", "flac", str(path)], check=True)
    return path


def measure(recording: Path, model: str, out: Path) -> tuple[float, float, dict]:
    """Run transcribe-batch on ``recording`` in its own process: (peak RSS in MB, wall seconds, its summary)."""
    command = [sys.executable, "-m", "course_utils", "transcribe-batch", str(recording), "--out", str(out)]
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, "--model", model, "--json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall_s = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"transcribe-batch exited with {process.returncode}: {output.strip()[-300:]}")
    return usage.ru_maxrss * KIB / 1e6, wall_s, json.loads(output.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils bench-batch-memory",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"Whisper model name (default {DEFAULT_MODEL})")
    parser.add_argument("--lengths", default=DEFAULT_LENGTHS, help=f"seconds, comma-separated ({DEFAULT_LENGTHS})")
    parser.add_argument("--clip", default=DEFAULT_CLIP, help=f"bundled clip repeated (default {DEFAULT_CLIP})")
    parser.add_argument("--repeats", type=int, default=REPEATS, metavar="N", help=f"runs per length ({REPEATS})")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for memory.csv")
    args = parser.parse_args(argv)
    try:
        lengths = [int(length) for length in args.lengths.split(",")]
    except ValueError as error:
        raise UsageError(f"--lengths {args.lengths}: give whole seconds, e.g. {DEFAULT_LENGTHS}.") from error
    if args.repeats < 1 or min(lengths) < 1:
        raise UsageError("--repeats and --lengths must be 1 or more.")
    with reading_user_input():
        clip(args.clip)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(1, args.repeats + 1):
            for length_s in lengths:
                recording = make_recording(Path(folder) / f"speech_{length_s}.flac", args.clip, length_s, Path(folder))
                results = Path(folder) / f"out_{length_s}_{run}"
                peak_mb, wall_s, summary = measure(recording, args.model, results)
                runs.append(
                    Run(length_s, run, round(peak_mb, 1), round(wall_s, 1), summary["audio_s"], summary["files_ok"])
                )
                print(" ".join(f"{key}={value}" for key, value in vars(runs[-1]).items()), flush=True)
                recording.unlink()
    write_csv(runs, COLUMNS, out / "memory.csv")
    return 0
