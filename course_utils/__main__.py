"""The kit's command line: ``python -m course_utils COMMAND``.

    doctor      check this machine before class (Python, torch, ffmpeg, models, Jupyter, disk)
    bench       load time, real-time factor and peak memory of models on the bundled speech
    bench-wer   word error rate of models on a clip manifest (notebooks/04)
    bench-live  live chunked transcription of a file played in real time: dropped samples, commit latency,
                buffer length, WER (notebooks/05)
"""

from __future__ import annotations

import importlib
import sys

COMMANDS = {  # command -> module with a main(argv) -> int
    "doctor": "course_utils.doctor",
    "bench": "course_utils.bench",
    "bench-wer": "course_utils.bench_wer",
    "bench-live": "course_utils.bench_live",
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
