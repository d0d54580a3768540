"""What transcribe-batch writes: ``NAME.json`` and ``NAME.srt`` per recording, atomically, and ``errors.csv``.

Taught in notebooks/09_batch_transcription.ipynb. A file is first written under a temporary name in the same
folder, then renamed over its final name (``os.replace``, atomic on one file system): a run killed at any moment
leaves each output whole or absent, never half-written. The JSON is written last, so a recording counts as done
(and is skipped by the next run) only when both of its files are there.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ..formats import to_srt, write_atomic

ERRORS_CSV = "errors.csv"
ERROR_COLUMNS = ("input", "error")


def output_paths(out: Path, name: str) -> tuple[Path, Path]:
    """The JSON and SRT paths of recording ``name`` in folder ``out``."""
    return out / f"{name}.json", out / f"{name}.srt"


def is_done(out: Path, name: str) -> bool:
    """Whether recording ``name`` was transcribed by an earlier run: both of its outputs exist."""
    return all(path.is_file() for path in output_paths(out, name))


def write_result(out: Path, name: str, result: dict) -> None:
    """Write recording ``name``'s result as ``NAME.srt`` then ``NAME.json`` (Whisper's result: text, segments with
    times, language), each atomically."""
    json_path, srt_path = output_paths(out, name)
    write_atomic(srt_path, to_srt(result))
    write_atomic(json_path, json.dumps(result, ensure_ascii=False, indent=1) + "\n")


def start_run(out: Path) -> None:
    """Clear what a killed run may have left: temporary files never renamed, and the last run's ``errors.csv``
    (its inputs are tried again)."""
    for partial in out.glob(".*.partial"):  # formats.write_atomic's temporary names
        partial.unlink()
    (out / ERRORS_CSV).unlink(missing_ok=True)


def add_error(out: Path, source: Path, error: str) -> None:
    """Append one failed input and why to ``errors.csv`` (one whole row per write, header first)."""
    path = out / ERRORS_CSV
    new = not path.is_file()
    with path.open("a", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        if new:
            writer.writerow(ERROR_COLUMNS)
        writer.writerow((str(source), error))
