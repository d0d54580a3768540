"""Who spoke when? Speaker labels for a Whisper transcript: diarization written out, on a CPU, offline.

Taught in notebooks/12_who_spoke.ipynb. Speech is found with the kit's Silero VAD (:func:`course_utils.speech.
find_speech`), each WINDOW_S window of it (every HOP_S) becomes a voice print (a d-vector of resemblyzer's GE2E
speaker encoder, whose trained weights ship inside its pip package), the windows are clustered (agglomerative,
average linkage on cosine distance: into as many speakers as given, or cut at DISTANCE_THRESHOLD), short turns are
smoothed away, and :func:`label_words` gives each Whisper word the speaker whose turn covers most of it.
:func:`conversation` builds the constructed conversations of data/voices.csv that all of this is measured on.
"""

from __future__ import annotations

import copy
import csv
import warnings
from dataclasses import dataclass

import numpy as np

from .audio import SAMPLE_RATE, load_audio
from .data import DATA_DIR, VOICES_MANIFEST, Clip, read_manifest
from .formats import to_srt
from .speech import find_speech

WINDOW_S = 1.5  # seconds of speech in one voice print
HOP_S = 0.75  # seconds between the starts of two windows
VAD_PAD_S = 0.1  # seconds kept either side of the speech Silero VAD finds (tighter than transcription's)
VAD_JOIN_S = 0.3  # seconds: speech closer than this is one region
MIN_TURN_S = 1.0  # seconds: a shorter turn between two others is given to its neighbours (smoothing)
DISTANCE_THRESHOLD = 1.0  # cosine distance (mean-removed prints) where clusters stop merging: chosen on dev, frozen
# cosine distance: prints all closer than this (average linkage, last merge) are one speaker. On dev, each voice
# recording alone merges by 0.23 to 0.33, and each conversation's last merge is 0.42 to 0.52.
ONE_SPEAKER_DISTANCE = 0.35
LEVEL_DBFS = -30.0  # RMS level of speech the encoder was trained on (resemblyzer's audio_norm_target_dBFS)
MEL_STEP_S = 0.01  # seconds per frame of the encoder's mel spectrogram
COLLAR_S = 0.25  # seconds not scored on EACH side of a reference boundary (pyannote's collar is the total: 2x)
GAP_RANGE_S = (0.2, 0.6)  # seconds of silence between two turns of a constructed conversation
SEGMENTS_CSV = DATA_DIR / "voices_segments.csv"  # where each prompt lies inside its voice recording
# The constructed conversations, (seed, voice recordings) each: two to four speakers, two voices in one language in
# each, Allison Smith from two recordings (English, Spanish) in the four-speaker ones. Same kinds in both splits.
CONVERSATIONS = {
    "dev": [
        (0, ("allison_en", "librivox_en")),
        (1, ("june_fr", "armelle_fr")),
        (2, ("carlo_it", "paola_it", "july_es")),
        (3, ("allison_en", "allison_es", "ivrvoice_ru", "carlo_it", "june_fr")),
    ],
    "heldout": [
        (0, ("allison_en", "librivox_en", "jfk_en")),
        (1, ("carlo_it", "paola_it")),
        (2, ("june_fr", "armelle_fr", "july_es")),
        (3, ("allison_en", "allison_es", "ivrvoice_ru", "paola_it", "july_es")),
    ],
}

_ENCODER = None


@dataclass(frozen=True)
class Turn:
    """One speaker talking from ``start`` to ``end`` (seconds)."""

    start: float
    end: float
    speaker: str


def load_encoder():
    """resemblyzer's VoiceEncoder on the CPU (its 17 MB pretrained.pt ships in the wheel: no download), loaded once."""
    global _ENCODER
    if _ENCODER is None:
        with warnings.catch_warnings():  # resemblyzer imports scipy.ndimage.morphology, deprecated since scipy 1.8
            warnings.simplefilter("ignore", DeprecationWarning)
            from resemblyzer import VoiceEncoder

        _ENCODER = VoiceEncoder("cpu", verbose=False)
    return _ENCODER


def voice_prints(audio: np.ndarray, windows: list[tuple[float, float]]) -> np.ndarray:
    """One d-vector per (start, end) window of ``audio`` (16 kHz float32), shape (windows, 256), each of unit length.

    The audio is brought to LEVEL_DBFS first; all windows of one length go through the encoder as one batch.
    """
    import torch
    from resemblyzer.audio import wav_to_mel_spectrogram

    encoder = load_encoder()
    rms = np.sqrt(np.mean(np.square(audio, dtype=np.float64))) or 1.0
    mel = wav_to_mel_spectrogram((audio * (10 ** (LEVEL_DBFS / 20) / rms)).astype(np.float32))
    frames = [(round(a / MEL_STEP_S), max(round(b / MEL_STEP_S), round(a / MEL_STEP_S) + 1)) for a, b in windows]
    prints = np.zeros((len(windows), 256), np.float32)
    for length in sorted({b - a for a, b in frames}):
        rows = [i for i, (a, b) in enumerate(frames) if b - a == length]
        batch = np.stack(
            [np.pad(mel[a:b], ((0, length - len(mel[a:b])), (0, 0))) for a, b in (frames[i] for i in rows)]
        )
        with torch.inference_mode():
            prints[rows] = encoder(torch.from_numpy(batch)).numpy()
    return prints


def sliding_windows(regions: list[tuple[float, float]], window_s: float = WINDOW_S, hop_s: float = HOP_S):
    """(start, end) in seconds of each window: every ``hop_s`` inside each speech region, ``window_s`` long; a
    region shorter than a window is one window; the last window of a region ends at the region's end."""
    windows = []
    for start, end in regions:
        if end - start <= window_s:
            windows.append((start, end))
            continue
        count = int(np.ceil((end - start - window_s) / hop_s)) + 1
        windows += [
            (min(start + i * hop_s, end - window_s), min(start + i * hop_s, end - window_s) + window_s)
            for i in range(count)
        ]
    return windows


def cluster(prints: np.ndarray, num_speakers: int | None = None, threshold: float = DISTANCE_THRESHOLD) -> np.ndarray:
    """A cluster number (0, 1, ...) per voice print: agglomerative, average linkage on cosine distance between the
    prints less their mean (what every window of this recording shares: the room, the microphone), into
    ``num_speakers`` clusters, or, when None, merged until the closest clusters are ``threshold`` apart. When
    None and every print is within ONE_SPEAKER_DISTANCE of the others (average linkage, before the mean is taken
    away), one speaker is talking."""
    from scipy.cluster.hierarchy import fcluster, linkage

    if len(prints) < 2:
        return np.zeros(len(prints), int)
    if num_speakers is None and linkage(prints, method="average", metric="cosine")[-1, 2] < ONE_SPEAKER_DISTANCE:
        return np.zeros(len(prints), int)
    tree = linkage(prints - prints.mean(axis=0), method="average", metric="cosine")
    if num_speakers is None:
        return fcluster(tree, t=threshold, criterion="distance") - 1
    return fcluster(tree, t=num_speakers, criterion="maxclust") - 1


def turns_of(windows: list[tuple[float, float]], labels: np.ndarray, regions: list[tuple[float, float]]) -> list[Turn]:
    """Speaker turns from labelled windows: inside each speech region a window speaks from halfway after the
    previous window's start to halfway before the next one's; runs of one label become one turn. Speakers are
    named "Speaker 1", "Speaker 2", ... in the order they first speak."""
    turns: list[Turn] = []
    names: dict[int, str] = {}
    for start, end in regions:
        inside = [i for i, (a, b) in enumerate(windows) if a >= start - 1e-6 and b <= end + 1e-6]
        for k, i in enumerate(inside):
            a = start if k == 0 else (windows[inside[k - 1]][1] + windows[i][0]) / 2
            b = end if k == len(inside) - 1 else (windows[i][1] + windows[inside[k + 1]][0]) / 2
            name = names.setdefault(int(labels[i]), f"Speaker {len(names) + 1}")
            if turns and turns[-1].speaker == name and abs(turns[-1].end - a) < 1e-6:
                turns[-1] = Turn(turns[-1].start, b, name)
            else:
                turns.append(Turn(a, b, name))
    return turns


def smooth(turns: list[Turn], min_turn_s: float = MIN_TURN_S) -> list[Turn]:
    """Turns shorter than ``min_turn_s`` that touch a neighbour are given to the longer touching neighbour, then
    touching turns of one speaker are joined. Speakers are renamed in the order they first speak."""
    turns = list(turns)
    while True:
        short = [i for i, t in enumerate(turns) if t.end - t.start < min_turn_s and _neighbours(turns, i)]
        if not short:
            break
        i = min(short, key=lambda j: turns[j].end - turns[j].start)
        j = max(_neighbours(turns, i), key=lambda n: turns[n].end - turns[n].start)
        turns[i] = Turn(turns[i].start, turns[i].end, turns[j].speaker)
        turns = _joined(turns)
    names: dict[str, str] = {}
    return [Turn(t.start, t.end, names.setdefault(t.speaker, f"Speaker {len(names) + 1}")) for t in turns]


def _neighbours(turns: list[Turn], i: int) -> list[int]:
    """Indices of the turns touching turn ``i`` with another speaker."""
    return [
        j
        for j in (i - 1, i + 1)
        if 0 <= j < len(turns)
        and turns[j].speaker != turns[i].speaker
        and min(abs(turns[j].end - turns[i].start), abs(turns[i].end - turns[j].start)) < 1e-6
    ]


def _joined(turns: list[Turn]) -> list[Turn]:
    out: list[Turn] = []
    for t in turns:
        if out and out[-1].speaker == t.speaker and abs(out[-1].end - t.start) < 1e-6:
            out[-1] = Turn(out[-1].start, t.end, t.speaker)
        else:
            out.append(t)
    return out


def who_spoke(audio, num_speakers: int | None = None, threshold: float = DISTANCE_THRESHOLD) -> list[Turn]:
    """Who spoke when in ``audio`` (a path or 16 kHz float32): speaker turns, times in seconds, speakers named
    "Speaker 1", "Speaker 2", ... in the order they first speak. ``num_speakers``: how many there are, or None to
    find out (clusters closer than ``threshold``, a cosine distance, are one speaker).

    Silero VAD finds the speech, WINDOW_S windows every HOP_S become voice prints, agglomerative clustering labels
    them, and turns under MIN_TURN_S are smoothed away. Taught in notebooks/12_who_spoke.ipynb.
    """
    if num_speakers is not None and num_speakers < 1:
        raise ValueError(f"num_speakers={num_speakers}: give 1 or more, or None to find out how many speak.")
    audio = load_audio(audio)
    regions = find_speech(audio, pad_s=VAD_PAD_S, join_s=VAD_JOIN_S)
    windows = sliding_windows(regions)
    if not windows:
        return []
    labels = cluster(voice_prints(audio, windows), num_speakers, threshold)
    return smooth(turns_of(windows, labels, regions))


def speaker_at(start: float, end: float, turns: list[Turn]) -> str:
    """The speaker whose turns cover most of ``start``-``end`` (seconds); if none touches it, the nearest turn's."""
    overlap: dict[str, float] = {}
    for t in turns:
        overlap[t.speaker] = overlap.get(t.speaker, 0.0) + max(0.0, min(end, t.end) - max(start, t.start))
    if overlap and max(overlap.values()) > 0:
        return max(overlap, key=overlap.get)
    middle = (start + end) / 2
    return min(turns, key=lambda t: min(abs(t.start - middle), abs(t.end - middle))).speaker if turns else ""


def label_words(result: dict, turns: list[Turn]) -> dict:
    """A copy of Whisper's ``result`` in which every word (word timestamps) has the ``speaker`` whose turn covers
    most of it, and segments are cut where the speaker changes, each with its ``speaker``. Segments without words
    get the speaker covering most of the segment."""
    labelled = copy.deepcopy(result)
    segments = []
    for segment in labelled["segments"]:
        words = segment.get("words") or []
        if not words:
            segments.append({**segment, "speaker": speaker_at(segment["start"], segment["end"], turns)})
            continue
        for word in words:
            word["speaker"] = speaker_at(word["start"], word["end"], turns)
        runs: list[list[dict]] = []
        for word in words:
            if runs and runs[-1][-1]["speaker"] == word["speaker"]:
                runs[-1].append(word)
            else:
                runs.append([word])
        for run in runs:
            text = "".join(w["word"] for w in run)
            segments.append(
                {**segment, "start": run[0]["start"], "end": run[-1]["end"], "text": text, "words": run}
                | {"speaker": run[0]["speaker"]}
            )
    for i, segment in enumerate(segments):
        segment["id"] = i
    labelled["segments"] = segments
    return labelled


def speaker_lines(labelled: dict) -> list[str]:
    """ "Speaker 1: ..." lines of a :func:`label_words` result: one per run of segments of one speaker."""
    lines: list[list[str]] = []
    for segment in labelled["segments"]:
        if lines and lines[-1][0] == segment["speaker"]:
            lines[-1].append(segment["text"].strip())
        else:
            lines.append([segment["speaker"], segment["text"].strip()])
    return [f"{speaker}: {' '.join(texts)}" for speaker, *texts in lines]


def speaker_srt(labelled: dict) -> str:
    """SubRip subtitles of a :func:`label_words` result, each cue starting with its speaker: "[Speaker 1] ..."."""
    plain = [
        {k: v for k, v in s.items() if k != "words"} | {"text": f"[{s['speaker']}] {s['text'].strip()}"}
        for s in labelled["segments"]
    ]
    return to_srt({**labelled, "segments": plain})


# ---------------------------------------------------------------- the constructed conversations


def voices(split: str) -> list[Clip]:
    """The voice recordings of data/voices.csv in ``split`` ("dev" or "heldout")."""
    return [c for c in read_manifest(VOICES_MANIFEST) if c.split == split]


def prompts_of(clip: Clip) -> list[tuple[float, float]]:
    """(start, end) in seconds of each prompt inside a voice recording (data/voices_segments.csv)."""
    with SEGMENTS_CSV.open(newline="", encoding="utf-8") as file:
        return [(float(r["start_s"]), float(r["end_s"])) for r in csv.DictReader(file) if r["id"] == clip.id]


def conversation(
    recordings: list[str], split: str, seed: int, turns: int | None = None
) -> tuple[np.ndarray, list[Turn]]:
    """A constructed conversation and its reference turns: whole prompts of the voice ``recordings`` (ids without
    the split, e.g. ["allison_en", "june_fr"]) of ``split``, taken in turn, the next speaker drawn at random
    (``seed``) among the others, with GAP_RANGE_S pauses of digital silence between. Clean turns, no overlap.
    Two recordings of one person (allison_en, allison_es) are one speaker. ``turns``: how many (default: until a
    recording has prompts left: every prompt once)."""
    rng = np.random.default_rng(seed)
    clips = {c.id.removesuffix(f"_{split}"): c for c in voices(split)}
    missing = [r for r in recordings if r not in clips]
    if missing:
        raise KeyError(
            f"No {split} voice recording {', '.join(missing)} in data/voices.csv; there are {', '.join(clips)}."
        )
    queues = {
        r: [load_audio(clips[r].path)[round(a * SAMPLE_RATE) : round(b * SAMPLE_RATE)] for a, b in prompts_of(clips[r])]
        for r in recordings
    }
    pieces, reference, at, current = [], [], 0.0, None
    while any(queues.values()) and (turns is None or len(reference) < turns):
        left = [r for r in recordings if queues[r]]
        choices = [r for r in left if clips[r].speaker != (clips[current].speaker if current else None)] or left
        current = choices[rng.integers(len(choices))]
        piece = queues[current].pop(0)
        if pieces:
            gap = np.zeros(round(rng.uniform(*GAP_RANGE_S) * SAMPLE_RATE), np.float32)
            pieces.append(gap)
            at += len(gap) / SAMPLE_RATE
        pieces.append(piece)
        reference.append(Turn(round(at, 3), round(at + len(piece) / SAMPLE_RATE, 3), clips[current].speaker))
        at += len(piece) / SAMPLE_RATE
    return np.concatenate(pieces).astype(np.float32), reference


# ---------------------------------------------------------------- measuring


def _annotation(turns: list[Turn]):
    from pyannote.core import Annotation, Segment

    annotation = Annotation()
    for i, t in enumerate(turns):
        annotation[Segment(t.start, t.end), i] = t.speaker
    return annotation


def pair_scores(prints: np.ndarray, speakers: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Cosine similarity of every pair of ``prints`` (one row per stretch of speech, of whoever ``speakers`` names):
    (the pairs of one speaker, the pairs of two)."""
    unit = prints / np.linalg.norm(prints, axis=1, keepdims=True)
    similarity = unit @ unit.T
    upper = np.triu_indices(len(prints), k=1)
    same = np.array([speakers[i] == speakers[j] for i, j in zip(*upper)])
    return similarity[upper][same], similarity[upper][~same]


def equal_error_rate(same: np.ndarray, different: np.ndarray) -> tuple[float, float]:
    """(EER, threshold): at the similarity threshold where the share of one-speaker pairs below it (missed) is
    closest to the share of two-speaker pairs at or above it (falsely accepted), the mean of the two shares."""
    thresholds = np.sort(np.concatenate([same, different]))
    missed = np.array([np.mean(same < t) for t in thresholds])
    accepted = np.array([np.mean(different >= t) for t in thresholds])
    best = int(np.argmin(np.abs(missed - accepted)))
    return float((missed[best] + accepted[best]) / 2), float(thresholds[best])


def scored_error(reference: list[Turn], hypothesis: list[Turn], collar_s: float = COLLAR_S) -> tuple[float, float]:
    """(seconds of missed speech + false alarm + speaker confusion, seconds of reference speech scored) by
    pyannote.metrics, speakers mapped one to one for the least error, ``collar_s`` seconds on each side of every
    reference boundary not scored (pyannote's ``collar`` is the total width: 2 x ``collar_s``)."""
    from pyannote.core import Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    metric = DiarizationErrorRate(collar=2 * collar_s, skip_overlap=False)
    scored = Timeline([Segment(0.0, max(t.end for t in reference + hypothesis))])  # the whole recording
    parts = metric(_annotation(reference), _annotation(hypothesis), uem=scored, detailed=True)
    return parts["missed detection"] + parts["false alarm"] + parts["confusion"], parts["total"]


def diarization_error_rate(reference: list[Turn], hypothesis: list[Turn], collar_s: float = COLLAR_S) -> float:
    """DER: the share of reference speech whose speaker is missed, invented or confused (:func:`scored_error`)."""
    error_s, total_s = scored_error(reference, hypothesis, collar_s)
    return error_s / total_s


def speaker_mapping(reference: list[Turn], hypothesis: list[Turn]) -> dict[str, str]:
    """Hypothesis speaker -> reference speaker, one to one, for the most time in common (as DER maps them)."""
    from pyannote.metrics.diarization import DiarizationErrorRate

    return dict(DiarizationErrorRate().optimal_mapping(_annotation(reference), _annotation(hypothesis)))


def words_right(labelled: dict, reference: list[Turn], hypothesis: list[Turn]) -> tuple[int, int]:
    """(words given the right speaker, words) in a :func:`label_words` result: a word's right speaker is the
    reference speaker covering most of it; hypothesis speakers are mapped as :func:`speaker_mapping` maps them."""
    mapping = speaker_mapping(reference, hypothesis)
    words = [w for s in labelled["segments"] for w in s.get("words", [])]
    right = sum(mapping.get(w["speaker"]) == speaker_at(w["start"], w["end"], reference) for w in words)
    return right, len(words)
