"""The kit's command line: python -m course_utils COMMAND [--help]

doctor      check this machine before class (Python, torch, ffmpeg, models, Jupyter, disk)
bench       load time, real-time factor and peak memory of models on the bundled speech
bench-wer   word error rate of models on a clip manifest (notebooks/04)
bench-live  live chunked transcription of a file played in real time: dropped samples, commit latency,
            buffer length, WER (notebooks/05)
transcribe-batch  many recordings to JSON and SRT, batched, resumable, locally or on Ray (notebooks/09)
bench-batch       throughput against batch size, encoder and decoder time, memory, WER; faster-whisper beside
bench-hallucination  words Whisper writes where nobody speaks, with and without cures (notebooks/08)
captions    live captions in the browser for every viewer, transcribed or translated to English (notebooks/10)
"""

from __future__ import annotations

import difflib
import importlib
import sys

from .commands import UsageError

PROG = "python -m course_utils"
COMMANDS = {  # command -> module with a main(argv) -> int
    "doctor": "course_utils.doctor",
    "bench": "course_utils.bench",
    "bench-wer": "course_utils.bench.wer",
    "bench-live": "course_utils.bench.live",
    "transcribe-batch": "course_utils.batch.cli",
    "bench-batch": "course_utils.bench.batch",
    "bench-hallucination": "course_utils.bench.hallucination",
    "captions": "course_utils.captions.cli",
}


def main(argv: list[str] | None = None) -> int:
    """Run ``argv[0]``'s command; a UsageError it raises is one line on stderr and exit status 2."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    command = argv[0]
    if command not in COMMANDS:
        close = difflib.get_close_matches(command, COMMANDS, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        print(f"{PROG}: error: unknown command '{command}': {hint}commands: {', '.join(COMMANDS)}.", file=sys.stderr)
        return 2
    try:
        return importlib.import_module(COMMANDS[command]).main(argv[1:])
    except UsageError as error:
        print(f"{PROG} {command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
