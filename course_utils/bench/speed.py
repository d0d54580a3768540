"""python -m course_utils bench: load time, real-time factor and peak memory of models on the bundled speech.

Each model runs in a fresh Python process, so its peak memory is its own. The real-time factor (RTF) is
transcription time divided by audio duration: 0.1 means ten times faster than real time.
"""

from __future__ import annotations

import argparse
import json
import time

from ..audio import SAMPLE_RATE, load_audio
from ..commands import BENCH_MODELS, model_names, reading_user_input
from ..data import clip, clips
from ..models import check_models, load_model
from ..transcribe import transcribe
from .common import ChildFailed, PeakMemory, command_parser, measure_in_children

WARM_UP_S = 5  # seconds of the first clip transcribed before timing (speech, so the VAD and Whisper both run)


def measure(name: str, clip_ids: list[str]) -> dict:
    """Load ``name``, warm it up, then transcribe the clips greedily; times in seconds, the peak memory (MB) of
    this process from the load on."""
    with PeakMemory() as memory:
        started = time.perf_counter()
        with reading_user_input():  # the weights' pip packages missing: one line from this child process
            model = load_model(name)
        load_s = time.perf_counter() - started
        audios = [load_audio(clip(c).path) for c in clip_ids]
        transcribe(model, audios[0][: WARM_UP_S * SAMPLE_RATE], temperature=0)
        started = time.perf_counter()
        for audio in audios:
            transcribe(model, audio, temperature=0, language="en")
        seconds = time.perf_counter() - started
    audio_s = sum(len(a) for a in audios) / SAMPLE_RATE
    return {
        "model": name,
        "device": str(model.device),
        "load_s": round(load_s, 2),
        "audio_s": round(audio_s, 1),
        "transcribe_s": round(seconds, 2),
        "rtf": round(seconds / audio_s, 3),
        "peak_memory_mb": round(memory.peak_mb),
    }


def main(argv: list[str] | None = None) -> int:
    parser = command_parser("bench", __doc__)
    parser.add_argument("--models", default=BENCH_MODELS, help=f"comma-separated (default {BENCH_MODELS})")
    parser.add_argument("--clips", help="comma-separated clip ids (default: every English speech clip)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per model")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: measure one model in this process
    args = parser.parse_args(argv)
    clip_ids = args.clips.split(",") if args.clips else [c.id for c in clips(kind="speech", language="en")]
    if args.child:
        print(json.dumps(measure(args.child, clip_ids)))
        return 0
    names = model_names(args.models)
    with reading_user_input():  # before any child starts: an unknown clip or model is one line, not a traceback
        for clip_id in clip_ids:
            clip(clip_id)
        check_models(names)
    try:
        rows = [row for _, row in measure_in_children("bench", names, ["--clips", ",".join(clip_ids)])]
    except ChildFailed as failed:
        return failed.returncode
    if args.json:
        print("\n".join(json.dumps(row) for row in rows))
        return 0
    print(f"{len(clip_ids)} clips, {rows[0]['audio_s']} s of English speech, greedy decoding (temperature 0)\n")
    print(f"{'model':<10}{'device':<8}{'load s':>8}{'transcribe s':>14}{'RTF':>8}{'x real time':>13}{'peak MB':>9}")
    for r in rows:
        print(
            f"{r['model']:<10}{r['device']:<8}{r['load_s']:>8}{r['transcribe_s']:>14}{r['rtf']:>8}"
            f"{1 / r['rtf']:>12.1f}x{r['peak_memory_mb']:>9}"
        )
    return 0
