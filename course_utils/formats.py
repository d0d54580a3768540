"""Writing results: subtitles with Whisper's own SRT writer, CSV tables, and any file whole or not at all.

Subtitles are taught in notebooks/00_first_transcript.ipynb (Whisper's writers), atomic files in
notebooks/09_batch_transcription.ipynb (``transcribe-batch`` never leaves a half-written output).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from pathlib import Path

from whisper.utils import WriteSRT


def to_srt(result: dict, max_line_width: int | None = None, max_line_count: int | None = None) -> str:
    """SubRip subtitles of Whisper's ``result`` (its ``segments``, times in seconds), by Whisper's own writer:
    one cue per segment, or, when the segments have ``words`` and a ``max_line_width`` (characters) is given, cues
    of at most ``max_line_count`` lines cut between words."""
    out = io.StringIO()
    WriteSRT(".").write_result(result, out, max_line_width=max_line_width, max_line_count=max_line_count)
    return out.getvalue()


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (text, or bytes) to ``path`` whole or not at all: a temporary file beside it, flushed to disk, then renamed over
    ``path`` (``os.replace``, atomic on one file system). The temporary name is short (``.`` and a hash of the
    name) whatever the length of ``path``'s, and ends in ``.partial``."""
    path = Path(path)
    digest = hashlib.sha256(f"{path.name}.{os.getpid()}".encode()).hexdigest()[:16]
    partial = path.with_name(f".{digest}.partial")
    try:
        with partial.open("wb") as file:
            file.write(data.encode("utf-8") if isinstance(data, str) else data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def write_csv(rows: Sequence, columns: Sequence[str], path: str | os.PathLike) -> Path:
    """Write ``rows`` (dataclasses or dicts) to ``path`` as CSV, atomically, ``columns`` as the header; None is an
    empty cell."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        cells = asdict(row) if is_dataclass(row) else dict(row)
        writer.writerow({key: "" if value is None else value for key, value in cells.items()})
    return write_atomic(path, out.getvalue())
