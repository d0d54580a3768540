#!/usr/bin/env python3
"""Rebuild the voices that notebook 12 tells apart: short prompts of 8 distinct real speakers, plus JFK.

    python data/build_voices.py          # write data/voices/*.ogg, voices.csv, voices_segments.csv
    python data/build_voices.py --check  # rebuild into a temp dir and compare with the committed files

Each voice recording is split in two: ``dev`` (what the clustering threshold is chosen on) and ``heldout`` (never
used to choose anything). A split is whole prompts (sentences of 2 to 7 s, silence trimmed) taken in name order,
alternately into ``dev`` and ``heldout``, joined by PROMPT_GAP_S of digital silence; voices_segments.csv gives each
prompt's place. Allison Smith speaks in two recordings (English and Mexican Spanish prompts): one speaker, two
files. Inputs are pinned Debian and PyPI packages (sha256 checked, cached as build_clips.py caches them); needs
numpy, soundfile and soxr.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from build_clips import (
    NODEJS_WHISPER,
    POCKETSPHINX,
    PROMPT_AUDIO,
    SAMPLE_RATE_HZ,
    _deb,
    fetch,
    load,
    peak_normalise,
    prompt_transcripts,
    same_bytes,
    to_16k,
    write_or_check,
)

DATA_DIR = Path(__file__).resolve().parent
STORED_RATE_HZ = (
    8_000  # every voice is stored at telephone rate: the Asterisk prompts' own (no band tells voices apart)
)
PROMPT_GAP_S = 0.3  # digital silence between two prompts of one split
PROMPT_S = (2.0, 7.0)  # seconds: a prompt shorter or longer than this (after trimming) is not used
TRIM_DB = 40.0  # dB below the prompt's peak: quieter 10 ms frames at either end are trimmed away
TRIM_FRAME = 160  # samples (10 ms at 16 kHz)
SOUNDS = "usr/share/asterisk/sounds"

ES_CO = _deb(
    "asterisk-prompt-es-co", "0.20070403-2.1", "6702696e045514699e87dc8fb70f370717e5df91f821f7bec8dd0df1be008e83"
)
FR_ARMELLE = _deb(
    "asterisk-prompt-fr-armelle", "20070613-2.2", "162570b1a9b3512a98f06b89f60c7c17cf1b9b52297315adca9a4e5be728bea3"
)
IT_MENARDI = _deb(
    "asterisk-prompt-it-menardi-wav",
    "1:1.4.22+mm20110907-3.1",
    "3094530d98f8758ac275572d59624c41f60969fef883f34f4886d144f3dfeb21",
)


@dataclass(frozen=True)
class Voice:
    id: str  # one recording of one speaker
    speaker: str  # who speaks: two recordings of one person share it
    language: str
    package: object  # build_clips.Package
    folder: str  # inside the unpacked package
    suffix: str  # ".wav" or ".gsm" (raw GSM 6.10 at 8 kHz)
    licence: str
    who: str  # the speaker and the source, for the manifest
    seconds: tuple[float, float]  # at least this much speech in (dev, heldout)
    transcripts: str | None = None  # the core-sounds language whose transcript list matches, if any


VOICES = [
    Voice("allison_en", "allison", "en", PROMPT_AUDIO["en"], f"{SOUNDS}/en_US_f_Allison", ".wav", "CC-BY-SA-3.0",
          "Allison Smith, Asterisk core sounds (US English)", (20.0, 10.0), "en"),
    Voice("allison_es", "allison", "es", PROMPT_AUDIO["es"], f"{SOUNDS}/es_MX_f_Allison", ".wav", "CC-BY-SA-3.0",
          "Allison Smith, Asterisk core sounds (Mexican Spanish): the same person as allison_en", (10.0, 8.0), "es"),
    Voice("june_fr", "june", "fr", PROMPT_AUDIO["fr"], f"{SOUNDS}/fr_CA_f_June", ".wav", "CC-BY-SA-3.0",
          "June Wallack, Asterisk core sounds (Canadian French)", (20.0, 10.0), "fr"),
    Voice("armelle_fr", "armelle", "fr", FR_ARMELLE, f"{SOUNDS}/fr", ".gsm", "BSD-style (see data/README.md)",
          "Armelle Desjardins, French prompts (copyright 2006 Michel Gutierrez)", (20.0, 10.0)),
    Voice("carlo_it", "carlo", "it", PROMPT_AUDIO["it"], f"{SOUNDS}/it_IT_m_Carlo", ".wav", "CC-BY-3.0",
          "Carlo Flora, Asterisk core sounds (Italian)", (20.0, 10.0), "it"),
    Voice("paola_it", "paola", "it", IT_MENARDI, f"{SOUNDS}/it_IT_f_Menardi", ".wav", "CC-BY-SA-3.0",
          "Paola Dal Zot, Italian prompts by Marco Menardi (www.voip.ammdomus.it)", (20.0, 10.0)),
    Voice("july_es", "july", "es", ES_CO, f"{SOUNDS}/es", ".gsm", "GPL-2",
          "July E. Jiménez, Colombian Spanish prompts (Avatar Ltda.)", (20.0, 10.0)),
    Voice("ivrvoice_ru", "ivrvoice", "ru", PROMPT_AUDIO["ru"], f"{SOUNDS}/ru_RU_f_IvrvoiceRU", ".wav", "CC-BY-3.0",
          "the ivrvoice.ru voice, Asterisk core sounds (Russian)", (20.0, 10.0), "ru"),
]  # fmt: skip
LIBRIVOX = {"dev": ["0870", "0880", "0890"], "heldout": ["0920", "0930"]}  # sense_and_sensibility_01_austen_64kb-N
COLUMNS = ["id", "file", "language", "kind", "duration", "transcript", "licence", "source", "speaker", "split"]


def trim(audio: np.ndarray) -> np.ndarray:
    """``audio`` without the 10 ms frames at either end that are TRIM_DB quieter than its peak."""
    frames = len(audio) // TRIM_FRAME
    rms = np.sqrt(np.mean(audio[: frames * TRIM_FRAME].reshape(frames, TRIM_FRAME) ** 2, axis=1))
    loud = np.flatnonzero(rms > np.max(np.abs(audio)) * 10 ** (-TRIM_DB / 20))
    return audio[loud[0] * TRIM_FRAME : (loud[-1] + 1) * TRIM_FRAME] if len(loud) else audio[:0]


def decode(path: Path) -> np.ndarray:
    if path.suffix == ".gsm":
        audio, rate = sf.read(path, dtype="float32", format="RAW", subtype="GSM610", samplerate=8000, channels=1)
        return to_16k(audio, rate)
    return load(path)


def prompts_of(voice: Voice) -> dict[str, list[tuple[str, np.ndarray]]]:
    """(name, audio) of each prompt of ``voice``, split into dev and heldout."""
    folder = fetch(voice.package) / voice.folder
    split: dict[str, list[tuple[str, np.ndarray]]] = {"dev": [], "heldout": []}
    need = dict(zip(split, voice.seconds))
    turn = 0
    for path in sorted(folder.glob(f"*{voice.suffix}")):
        open_splits = [s for s in split if sum(len(a) for _, a in split[s]) < need[s] * SAMPLE_RATE_HZ]
        if not open_splits:
            break
        audio = trim(decode(path))
        if PROMPT_S[0] * SAMPLE_RATE_HZ <= len(audio) <= PROMPT_S[1] * SAMPLE_RATE_HZ:
            split[open_splits[turn % len(open_splits)]].append((path.stem, audio))
            turn += 1
    return split


def librivox_prompts() -> dict[str, list[tuple[str, np.ndarray, str]]]:
    folder = fetch(POCKETSPHINX) / f"pocketsphinx-{POCKETSPHINX.version}/test/data/librivox"
    out = {}
    for split, utterances in LIBRIVOX.items():
        stems = [folder / f"sense_and_sensibility_01_austen_64kb-{u}" for u in utterances]
        out[split] = [
            (s.name, trim(load(s.with_suffix(".wav"))), s.with_suffix(".txt").read_text().strip()) for s in stems
        ]
    return out


def rows() -> list[tuple[list[str], np.ndarray, list[tuple[str, float, float]]]]:
    """(manifest row, audio, [(prompt, start_s, end_s)]) of every voice split."""
    out = []
    gap = np.zeros(round(PROMPT_GAP_S * SAMPLE_RATE_HZ), np.float32)

    def add(vid, speaker, language, split, pieces, licence, source):
        audio, segments, at = [], [], 0
        for name, piece, _ in pieces:
            segments.append((name, at / SAMPLE_RATE_HZ, (at + len(piece)) / SAMPLE_RATE_HZ))
            audio += [piece, gap]
            at += len(piece) + len(gap)
        audio = np.concatenate(audio[:-1])
        texts = [text for _, _, text in pieces]
        transcript = " ".join(texts) if all(texts) else ""  # blank where the package ships no transcript list
        row = [f"{vid}_{split}", f"voices/{vid}_{split}.ogg", language, "voice", f"{len(audio) / SAMPLE_RATE_HZ:.2f}"]
        out.append((row + [transcript, licence, source, speaker, split], audio, segments))

    for voice in VOICES:
        texts = prompt_transcripts(voice.transcripts) if voice.transcripts else {}
        for split, pieces in prompts_of(voice).items():
            names = " ".join(n for n, _ in pieces)
            source = f"{voice.package.pin} /{voice.folder}/{{{names}}}{voice.suffix}; {voice.who}"
            pieces = [(n, a, texts.get(n, "")) for n, a in pieces]
            add(voice.id, voice.speaker, voice.language, split, pieces, voice.licence, source)
    folder = f"pocketsphinx-{POCKETSPHINX.version}/test/data/librivox"
    for split, pieces in librivox_prompts().items():
        source = f"{POCKETSPHINX.pin} {folder}; LibriVox reader of Jane Austen, Sense and Sensibility, chapter 1"
        add("librivox_en", "librivox", "en", split, pieces, "public domain", source)
    jfk_path = "package/cpp/whisper.cpp/samples/jfk.mp3"
    jfk = [("jfk", trim(load(fetch(NODEJS_WHISPER) / jfk_path)), "")]
    source = f"{NODEJS_WHISPER.pin} {jfk_path}; John F. Kennedy, inaugural address (1961): held out only, 11 s"
    add("jfk_en", "jfk", "en", "heldout", jfk, "public domain", source)
    return out


def write(folder: Path) -> None:
    (folder / "voices").mkdir(parents=True, exist_ok=True)
    with (
        (folder / "voices.csv").open("w", newline="", encoding="utf-8") as manifest,
        (folder / "voices_segments.csv").open("w", newline="", encoding="utf-8") as segments_file,
    ):
        writer, segment_writer = (
            csv.writer(manifest, lineterminator="\n"),
            csv.writer(segments_file, lineterminator="\n"),
        )
        writer.writerow(COLUMNS)
        segment_writer.writerow(["id", "prompt", "start_s", "end_s"])
        for row, audio, segments in rows():
            sf.write(folder / row[1], peak_normalise(audio), SAMPLE_RATE_HZ, format="OGG", subtype="OPUS")
            writer.writerow(row)
            segment_writer.writerows([row[0], name, f"{a:.4f}", f"{b:.4f}"] for name, a, b in segments)


def same(built: Path, committed: Path) -> bool:
    """Whether two outputs match: CSVs byte for byte, Ogg files by their decoded samples (an Ogg stream has a
    random serial number, so its bytes differ from run to run)."""
    if built.suffix != ".ogg" or not committed.is_file():
        return same_bytes(built, committed)
    return np.array_equal(sf.read(built, dtype="int16")[0], sf.read(committed, dtype="int16")[0])


def main() -> int:
    return write_or_check(
        __doc__,
        write,
        lambda out: (
            ["voices.csv", "voices_segments.csv"] + [f"voices/{p.name}" for p in sorted((out / "voices").iterdir())]
        ),
        same,
    )


if __name__ == "__main__":
    sys.exit(main())
