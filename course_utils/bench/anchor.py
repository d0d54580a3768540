"""python -m course_utils bench-anchor: score another live system's output as bench-live scores the kit's.

    python -m course_utils bench-anchor --emissions simul.jsonl --clip long_speech --model tiny.en

Reads the JSON lines ufal/SimulStreaming's simulation from a file prints (one per emission: ``text`` and
``emission_time``, seconds since the audio started), splits each emission into words, all committed at its
emission time, and measures them exactly as ``bench-live`` does: word latency against an offline transcription of
the same clip with the same model (median, 95th percentile, max), and the WER of the committed text against the
clip's reference and against offline. The commands and the patch that run SimulStreaming are in
results/live/anchor.md; the AlignAtt policy it anchors is taught in notebooks/05_live_transcription.ipynb.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..audio import load_audio
from ..commands import DEFAULT_MODEL, UsageError, reading_user_input
from ..data import clip
from ..live import Word, join_words
from ..models import load_model
from .common import command_parser
from .live import _wer, commit_latencies, offline_words


def emitted_words(lines: list[str]) -> list[Word]:
    """The words of SimulStreaming's JSON lines, each committed at its line's ``emission_time`` (seconds)."""
    words = []
    for line in lines:
        if line.strip().startswith("{"):
            emission = json.loads(line)
            at = float(emission["emission_time"])
            words += [Word(" " + text, 0.0, 0.0, committed_at=at) for text in emission["text"].split()]
    return words


def score(words: list[Word], reference_words: list[Word], reference: str | None) -> dict:
    """Latency (source seconds) and WER of ``words`` against the offline ``reference_words`` and ``reference``."""
    latencies = commit_latencies(words, reference_words)
    offline_text = join_words(reference_words)
    return {
        "latency_median_s": round(float(np.median(latencies)), 2) if latencies else None,
        "latency_p95_s": round(float(np.percentile(latencies, 95)), 2) if latencies else None,
        "latency_max_s": round(float(np.max(latencies)), 2) if latencies else None,
        "wer_committed": _wer(reference, join_words(words)),
        "wer_offline": _wer(reference, offline_text),
        "wer_vs_offline": _wer(offline_text, join_words(words)),
        "words_committed": len(words),
        "words_timed": len(latencies),
    }


def main(argv: list[str] | None = None) -> int:
    parser = command_parser("bench-anchor", __doc__.strip())
    parser.add_argument("--emissions", required=True, metavar="JSONL", help="SimulStreaming's output (JSON lines)")
    parser.add_argument("--clip", default="long_speech", metavar="ID", help="the bundled clip it heard")
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"the Whisper model it ran (default {DEFAULT_MODEL})")
    args = parser.parse_args(argv)
    with reading_user_input():
        if not Path(args.emissions).is_file():
            raise UsageError(f"No file {args.emissions}: give SimulStreaming's JSON-lines output.")
        lines = Path(args.emissions).read_text(encoding="utf-8").splitlines()
        bundled = clip(args.clip)
        audio = load_audio(bundled.path)
        model = load_model(args.model)
    result = score(emitted_words(lines), offline_words(model, audio), bundled.transcript)
    print(json.dumps({"system": "SimulStreaming", "clip": args.clip, "model": args.model, **result}))
    return 0
