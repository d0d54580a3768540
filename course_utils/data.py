"""The bundled audio clips and their manifest (data/clips.csv): transcripts, languages, licences.

Used from notebooks/00_first_transcript.ipynb on; data/README.md tells where each clip comes from.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MANIFEST = DATA_DIR / "clips.csv"
KINDS = ("speech", "sung", "mix")  # mix: sung vocals over instrumental music


@dataclass(frozen=True)
class Clip:
    """One row of a clip manifest."""

    id: str
    path: Path  # absolute path of the audio file
    language: str  # ISO 639-1 code, e.g. "en"
    kind: str  # one of KINDS
    duration: float  # seconds
    transcript: str  # what is said or sung
    licence: str
    source: str
    music_to_voice_db: float | None  # mixes only: music level over voice level, in dB


def read_manifest(manifest: str | os.PathLike = MANIFEST) -> list[Clip]:
    """Every clip of a manifest CSV (columns as in data/clips.csv; files relative to the CSV's folder)."""
    manifest = Path(manifest)
    with manifest.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return [
        Clip(
            id=row["id"],
            path=(manifest.parent / row["file"]).resolve(),
            language=row["language"],
            kind=row["kind"],
            duration=float(row["duration"]),
            transcript=row["transcript"],
            licence=row["licence"],
            source=row["source"],
            music_to_voice_db=float(row["music_to_voice_db"]) if row.get("music_to_voice_db") else None,
        )
        for row in rows
    ]


def clips(kind: str | None = None, language: str | None = None) -> list[Clip]:
    """The bundled clips, optionally only one ``kind`` ("speech", "sung", "mix") or ``language``."""
    return [c for c in read_manifest() if kind in (None, c.kind) and language in (None, c.language)]


def clip(clip_id: str) -> Clip:
    """The bundled clip called ``clip_id`` (e.g. "jfk")."""
    found = {c.id: c for c in read_manifest()}
    if clip_id not in found:
        raise KeyError(f"No bundled clip '{clip_id}'. Bundled clips: {', '.join(found)}.")
    return found[clip_id]
