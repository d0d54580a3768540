"""The bundled audio clips and their manifest (data/clips.csv): transcripts, languages, licences.

Used from notebooks/00_first_transcript.ipynb on; data/README.md tells where each clip comes from.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from .audio import duration as duration_of
from .audio import load_audio

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MANIFEST = DATA_DIR / "clips.csv"
NONSPEECH_MANIFEST = DATA_DIR / "nonspeech.csv"  # sounds in which nobody speaks, and speech followed by them
VOICES_MANIFEST = DATA_DIR / "voices.csv"  # recordings of distinct speakers (notebooks/12_who_spoke.ipynb)
SPEECH_KINDS = ("speech", "sung", "mix")  # mix: sung vocals over instrumental music
NONSPEECH_KINDS = ("silence", "noise", "applause", "music")  # nothing is said: the transcript is blank
# speech followed by one of those, or with a long pause inside (notebooks/08_hallucinations.ipynb)
SPEECH_THEN_KINDS = ("speech+silence", "speech+applause", "speech+music", "speech+gap")
# speech kept for who is speaking (data/voices.csv): its transcript is blank where its package ships none
VOICE_KINDS = ("voice",)
KINDS = SPEECH_KINDS + NONSPEECH_KINDS + SPEECH_THEN_KINDS + VOICE_KINDS


REQUIRED_COLUMNS = ("id", "file", "language", "transcript")  # a manifest's other columns may be blank or absent
OPTIONAL_COLUMNS = ("kind", "duration", "licence", "source", "music_to_voice_db", "speaker", "split")
DEFAULT_KIND = "speech"  # for a row whose kind is blank and whose transcript is not ("silence" where it is)


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
    speaker: str = ""  # voices only: who speaks (two recordings of one person share it)
    split: str = ""  # voices only: "dev" (what thresholds are chosen on) or "heldout" (never used to choose)

    @property
    def has_speech(self) -> bool:
        """Whether anything is said (the transcript is not blank)."""
        return bool(self.transcript.strip())


def read_manifest(manifest: str | os.PathLike = MANIFEST, problems: list[str] | None = None) -> list[Clip]:
    """Every clip of a manifest CSV with the columns of data/clips.csv (a teacher's own clips, too).

    Only REQUIRED_COLUMNS must be filled in, the transcript only where something is said (a clip of a kind in
    NONSPEECH_KINDS, as in data/nonspeech.csv, has none). A file path may be absolute or relative to the CSV's folder; a blank
    kind is DEFAULT_KIND and a blank duration is measured from the audio (seconds). A manifest without a required
    column raises ValueError. A row that cannot be used (no audio file at its path, an id used before, a number
    that is not one, audio that ffmpeg cannot decode where the duration is measured) raises ValueError naming its
    line; or, when ``problems`` is a list, that row is left out and the line saying why is appended to it.
    """
    manifest = Path(manifest)
    with manifest.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(
                f"{manifest} lacks the column(s) {', '.join(missing)}. A manifest needs {', '.join(REQUIRED_COLUMNS)}"
                f" and may have {', '.join(OPTIONAL_COLUMNS)}, as data/clips.csv has."
            )
        rows = list(reader)
    clips: list[Clip] = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            clip = _clip_of({k: (v or "").strip() for k, v in row.items() if k is not None}, manifest.parent)
            if any(clip.id == c.id for c in clips):
                raise ValueError(f"the id {clip.id} is used by an earlier row too")
            clips.append(clip)
        except ValueError as error:
            message = f"{manifest.name} line {line}: {error}"
            if problems is None:
                raise ValueError(message) from None
            problems.append(message)
    return clips


def _clip_of(row: dict[str, str], folder: Path) -> Clip:
    """The clip of one manifest row (cells stripped, absent columns missing); ValueError saying what is wrong."""
    kind = row.get("kind") or (DEFAULT_KIND if row.get("transcript") else "silence")
    blank = [
        c
        for c in REQUIRED_COLUMNS
        if not row.get(c) and not (c == "transcript" and kind in NONSPEECH_KINDS + VOICE_KINDS)
    ]
    if blank:
        raise ValueError(f"{', '.join(blank)} left blank")
    path = (folder / row["file"]).resolve()
    if not path.is_file():
        raise ValueError(f"no audio file at {path} (a relative path starts from the manifest's folder)")
    if kind not in KINDS:
        raise ValueError(f"kind {kind} is not one of {', '.join(KINDS)}")
    duration = _number(row, "duration")
    return Clip(
        id=row["id"],
        path=path,
        language=row["language"],
        kind=kind,
        duration=round(duration_of(load_audio(path)), 2) if duration is None else duration,
        transcript=row.get("transcript", ""),
        licence=row.get("licence", ""),
        source=row.get("source", ""),
        music_to_voice_db=_number(row, "music_to_voice_db"),
        speaker=row.get("speaker", ""),
        split=row.get("split", ""),
    )


def _number(row: dict[str, str], column: str) -> float | None:
    """The number in ``row[column]``, None where it is blank or absent."""
    if not row.get(column):
        return None
    try:
        return float(row[column])
    except ValueError:
        raise ValueError(f"{column} '{row[column]}' is not a number") from None


def clips(kind: str | None = None, language: str | None = None) -> list[Clip]:
    """The bundled clips, optionally only one ``kind`` ("speech", "sung", "mix") or ``language``."""
    return [c for c in read_manifest() if kind in (None, c.kind) and language in (None, c.language)]


def clip(clip_id: str) -> Clip:
    """The bundled clip called ``clip_id`` (e.g. "jfk")."""
    found = {c.id: c for c in read_manifest()}
    if clip_id not in found:
        raise KeyError(f"No bundled clip '{clip_id}'. Bundled clips: {', '.join(found)}.")
    return found[clip_id]
