"""What transcribe-batch writes: ``NAME.json`` and ``NAME.srt`` per recording, atomically, and ``errors.csv``.

Taught in notebooks/09_batch_transcription.ipynb. A file is first written under a temporary name in the same
folder, then renamed over its final name (``os.replace``, atomic on one file system): a run killed at any moment
leaves each output whole or absent, never half-written. The JSON is written last, so a recording counts as done
(and is skipped by the next run) only when both of its files are there.

Resume goes by content, not by name: the JSON records its ``source`` (the input's SHA-256, read in blocks, the model
and the options that change the text: language and plain; not the batch size), and a recording is done only when
the JSON under its name records the same. The same recording with another model or options is transcribed again and
replaces its outputs. A *different* recording under a name already in the folder (or an output from before sources
were recorded) never replaces it: it is written beside it as ``NAME~HASH`` (HASH: the first ``HASH_CHARS`` hex
digits of its SHA-256), and the summary and ``errors.csv`` say which name was reused.

Any name a file system allows works (unicode, spaces, leading dashes). A name whose ``NAME.json`` would be longer than
``MAX_NAME_BYTES`` bytes is cut at a whole character and ends in ``~`` and a hash of the whole name (the same every
run); the JSON records the original name.
"""

from __future__ import annotations

import csv
import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..commands import UsageError
from ..formats import to_srt, write_atomic, write_csv

ERRORS_CSV = "errors.csv"
ERROR_COLUMNS = ("input", "error")
MAX_NAME_BYTES = 255  # the longest file name on common file systems (ext4, XFS, btrfs: bytes of UTF-8)
SUFFIXES = (".json", ".srt")  # the outputs of one recording
HASH_CHARS = 12  # hex digits of SHA-256 that tell a shortened or a reused name apart
HASH_BLOCK_BYTES = 1 << 20  # bytes read at a time while hashing an input (memory stays flat)
SAME_WORK = ("sha256", "model", "options")  # what a JSON's source must match for its recording to count as done


@dataclass(frozen=True)
class Placement:
    """Where a recording's outputs go: ``name`` (``name``.json, ``name``.srt), whether an earlier run already made
    them (``done``), and the name a different recording holds when these are written beside it (``reused``)."""

    name: str
    done: bool
    reused: str = ""


def output_name(name: str) -> str:
    """``name`` as its outputs are named: itself, or, where ``NAME.json`` would exceed ``MAX_NAME_BYTES`` bytes, its
    start (whole UTF-8 characters) followed by ``~`` and ``HASH_CHARS`` hex digits of the SHA-256 of the whole name."""
    room = MAX_NAME_BYTES - max(len(s) for s in SUFFIXES)  # bytes left for the name
    encoded = name.encode()
    if len(encoded) <= room:
        return name
    start = encoded[: room - 1 - HASH_CHARS].decode(errors="ignore")  # "ignore": a character cut in two is dropped
    return f"{start}~{hashlib.sha256(encoded).hexdigest()[:HASH_CHARS]}"


def output_paths(out: Path, name: str) -> tuple[Path, Path]:
    """The JSON and SRT paths of output name ``name`` (from :func:`output_name`) in folder ``out``."""
    return out / f"{name}.json", out / f"{name}.srt"


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file's bytes (hex), read ``HASH_BLOCK_BYTES`` at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(HASH_BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def source_of(
    path: Path, name: str, model: str, language: str | None, plain: bool = False, speakers: str | None = None
) -> dict:
    """What a recording's JSON records about how it was made: its input (``file``, ``name``, ``sha256``), the
    ``model`` and the ``options`` that change the text (``speakers``, only when asked for: "found" or how many)."""
    options = {"language": language, "plain": plain} | ({"speakers": speakers} if speakers else {})
    return {"name": name, "file": str(path), "sha256": file_sha256(path), "model": model, "options": options}


def _recorded(out: Path, name: str) -> dict | None:
    """The source recorded in output ``name``'s JSON: None when there is no JSON, {} when it records none."""
    json_path, _ = output_paths(out, name)
    try:
        result = json.loads(json_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    source = result.get("source") if isinstance(result, dict) else None
    return source if isinstance(source, dict) else {}


def _same_work(recorded: dict | None, source: dict) -> bool:
    return recorded is not None and all(recorded.get(key) == source[key] for key in SAME_WORK)


def place(out: Path, name: str, source: dict) -> Placement:
    """Where recording ``name`` made from ``source`` (:func:`source_of`) goes in ``out``, and whether it is done
    (see the module's docstring: its own name unless a different recording holds it, then ``NAME~HASH``)."""
    own = output_name(name)
    recorded = _recorded(out, own)
    if recorded is None or recorded.get("sha256") == source["sha256"]:
        return Placement(own, _same_work(recorded, source))
    beside = output_name(f"{name}~{source['sha256'][:HASH_CHARS]}")
    return Placement(beside, _same_work(_recorded(out, beside), source), reused=own)


def write_result(out: Path, name: str, result: dict, source: dict, srt: str | None = None) -> None:
    """Write a recording's result as ``NAME.srt`` (``srt``, or Whisper's SRT of the result) then ``NAME.json``
    (Whisper's result: text, segments with times, language, duration; and its ``source``), each atomically."""
    json_path, srt_path = output_paths(out, name)
    write_atomic(srt_path, to_srt(result) if srt is None else srt)
    write_atomic(json_path, json.dumps({**result, "source": source}, ensure_ascii=False, indent=1) + "\n")


def check_out(out: Path) -> None:
    """A UsageError naming the folder and the fix unless ``out`` is a folder this process can write in (it is
    created if only its last part is missing): checked before any model loads."""
    parent = out.absolute().parent
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder: give a folder (it is created if missing).")
    if not parent.is_dir():
        blocking = next((p for p in parent.parents if p.exists()), None)
        if parent.exists() or (blocking is not None and not blocking.is_dir()):
            raise UsageError(f"--out {out} lies under a file, not a folder: choose a folder path for --out.")
        raise UsageError(f"--out {out}: its parent folder {parent} does not exist: create it first (mkdir -p).")
    try:
        out.mkdir(exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        raise UsageError(
            f"--out {out}: cannot write there ({error.strerror}): choose a folder you may write in."
        ) from error


def start_run(out: Path) -> None:
    """Clear what a killed run may have left: temporary files never renamed, and the last run's ``errors.csv``
    (its inputs are tried again)."""
    for partial in out.glob(".*.partial"):  # formats.write_atomic's temporary names
        partial.unlink()
    (out / ERRORS_CSV).unlink(missing_ok=True)


def add_error(out: Path, source: Path, error: str) -> None:
    """Add one input and what went wrong to ``errors.csv``, which is written again whole, atomically."""
    path = out / ERRORS_CSV
    rows = []
    if path.is_file():
        with path.open(newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
    write_csv([*rows, {"input": str(source), "error": error}], ERROR_COLUMNS, path)
