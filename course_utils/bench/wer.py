"""``python -m course_utils bench-wer``: word error rate and speed of Whisper models on every clip of a manifest.

    python -m course_utils bench-wer --manifest data/clips.csv --models tiny.en,base --out results/wer

Writes ``OUT/wer.csv`` (one row per clip and model) and three plots as PNG. A teacher can score their own clips
with a manifest like data/clips.csv: only id, file, language and transcript must be filled in (see
:func:`course_utils.data.read_manifest`), and a row that cannot be measured is named on stderr. Decoding is
greedy (temperature 0), so the WER column is the same on every run on the same machine; seconds and real-time
factor vary from run to run.
Taught in notebooks/04_model_sizes_wer.ipynb, which calls :func:`benchmark` and the plots below.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import torch
import whisper

from ..audio import SAMPLE_RATE, duration, load_audio
from ..commands import UsageError, model_names, reading_user_input
from ..data import MANIFEST, REQUIRED_COLUMNS, Clip, read_manifest
from ..formats import write_csv
from ..models import OFFLINE_SOURCES, check_models, is_online, load_model, memory_shortfall
from ..transcribe import transcribe
from ..wer import word_error_rate

ONLINE_MODELS = ("tiny", "base", "small", "medium", "large-v3", "turbo")  # compared when the model server answers
# Whisper itself, greedy (the same words on every run); plain: not the kit's speech finder, which skips loud music
DECODING = {"plain": True, "temperature": 0.0, "condition_on_previous_text": False}
PLOTS = ("wer_vs_parameters.png", "wer_vs_time.png", "wer_vs_music_to_voice.png")
MARKERS = "osD^v<>ph*"  # one per song in the music-to-voice plot
FIGURE_SIZE = (9, 3.5)  # inches: one plot across the width of JupyterLab (900 px at 100 dpi)


@dataclass
class Measurement:
    """One model on one clip: a row of wer.csv. ``wer`` is None when the pair was skipped (see ``note``)."""

    clip_id: str
    model: str
    wer: float | None  # a fraction (0.25 = 25 %); a character error rate where unit is "character"
    substitutions: int | None
    deletions: int | None
    insertions: int | None
    seconds: float | None  # wall time of the transcription alone (model loaded, audio decoded beforehand)
    rtf: float | None  # real-time factor: seconds / clip duration; below 1 is faster than real time
    hypothesis: str
    reference: str  # the clip's transcript, as written in the manifest
    kind: str
    language: str
    music_to_voice_db: float | None
    duration: float  # seconds of audio
    parameters: int  # of the model, counted
    device: str  # "cpu" or "cuda": the timings hold for this device only
    reference_words: int | None
    unit: str  # "word", or "character" for languages written without spaces
    note: str  # why a pair was skipped; empty otherwise


COLUMNS = tuple(f.name for f in fields(Measurement))


def read_clips(manifest: str | os.PathLike) -> list[Clip]:
    """The clips of ``manifest`` that can be measured: each row that cannot is named in one line on stderr."""
    manifest = Path(manifest)
    if not manifest.is_file():
        raise FileNotFoundError(
            f"No manifest at {manifest}. Give the path of a CSV with at least the columns "
            f"{', '.join(REQUIRED_COLUMNS)}."
        )
    problems: list[str] = []
    clips = []
    for clip in read_manifest(manifest, problems):
        try:
            load_audio(clip.path)
            clips.append(clip)
        except ValueError as error:
            problems.append(f"{manifest.name}, clip {clip.id}: {error}")
    for problem in problems:
        print(f"Leaving out {problem}", file=sys.stderr)
    if not clips:
        raise ValueError(f"{manifest} lists no clip that can be measured: add one row per audio file.")
    return clips


def models_to_compare(device: str | None = None, names: list[str] | None = None) -> list[str]:
    """The models of ``names`` that fit in the memory free on ``device``; the others are left out with a message
    on stderr. ``names`` defaults to the models the course compares: ONLINE_MODELS when the model server
    answers, else the offline ones."""
    if names is None:
        names = list(ONLINE_MODELS if is_online() else OFFLINE_SOURCES)
    chosen = []
    for name in names:
        shortfall = memory_shortfall(name, device)
        if shortfall:
            print(f"Leaving out {shortfall}.", file=sys.stderr)
        else:
            chosen.append(name)
    return chosen


def _warm_up(model: whisper.Whisper) -> None:
    """Run the encoder and one decoding step on a second of silence (``plain``: the kit's default would skip it as
    silent): one-off start-up costs stay out of timings."""
    transcribe(model, np.zeros(SAMPLE_RATE, np.float32), plain=True, language="en", sample_len=1, temperature=0.0)


def measure(model: whisper.Whisper, name: str, clip: Clip, audio: np.ndarray, parameters: int) -> Measurement:
    """Transcribe ``clip`` (its samples ``audio`` at 16 kHz) with ``model`` and score it against the transcript.

    The clip's language is forced (no detection); an English-only model on another language is skipped.
    """
    seconds_of_audio = duration(audio, SAMPLE_RATE)
    row = Measurement(
        clip_id=clip.id,
        model=name,
        wer=None,
        substitutions=None,
        deletions=None,
        insertions=None,
        seconds=None,
        rtf=None,
        hypothesis="",
        reference=clip.transcript,
        kind=clip.kind,
        language=clip.language,
        music_to_voice_db=clip.music_to_voice_db,
        duration=round(seconds_of_audio, 3),
        parameters=parameters,
        device=model.device.type,
        reference_words=None,
        unit="",
        note="",
    )
    if name.endswith(".en") and clip.language != "en":
        row.note = "skipped: English-only model"
        return row
    start = time.perf_counter()
    row.hypothesis = transcribe(model, audio, language=clip.language, **DECODING)["text"].strip()
    seconds = time.perf_counter() - start
    result = word_error_rate(clip.transcript, row.hypothesis, clip.language)
    row.wer, row.reference_words, row.unit = round(result.wer, 4), result.reference_words, result.unit
    row.substitutions, row.deletions, row.insertions = result.substitutions, result.deletions, result.insertions
    row.seconds, row.rtf = round(seconds, 3), round(seconds / seconds_of_audio, 4)
    return row


def benchmark(
    clips: list[Clip], names: list[str], device: str | None = None, progress: bool = True
) -> list[Measurement]:
    """Every model of ``names`` on every clip, one model in memory at a time; a progress bar on stderr.

    Pick ``names`` with :func:`models_to_compare`, which leaves out the models that would not fit in memory.
    """
    from tqdm import tqdm

    audios = {clip.id: load_audio(clip.path) for clip in clips}
    rows: list[Measurement] = []
    with tqdm(total=len(clips) * len(names), unit="clip", file=sys.stderr, disable=not progress) as bar:
        for name in names:
            bar.set_description(f"loading {name}")
            model = load_model(name, device)
            parameters = sum(p.numel() for p in model.parameters())
            _warm_up(model)
            for clip in clips:
                bar.set_description(f"{name} on {clip.id}")
                rows.append(measure(model, name, clip, audios[clip.id], parameters))
                bar.update()
            del model
            gc.collect()
    return rows


def format_table(rows: list[Measurement], timings: bool = True) -> str:
    """A plain-text table: clip, model, WER (%), S, D, I and, with ``timings``, seconds and real-time factor."""
    header = ["clip", "model", "WER %", "S", "D", "I"] + (["seconds", "RTF"] if timings else []) + ["note"]
    lines = []
    for row in rows:
        scored = row.wer is not None
        cells = [row.clip_id, row.model]
        cells += (
            [f"{100 * row.wer:.1f}", str(row.substitutions), str(row.deletions), str(row.insertions)]
            if scored
            else ["-"] * 4
        )
        if timings:
            cells += [f"{row.seconds:.2f}", f"{row.rtf:.3f}"] if scored else ["-"] * 2
        lines.append(cells + [row.note or ("CER: scored per character" if row.unit == "character" else "")])
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    text = {0, 1, len(header) - 1}  # clip, model and note are aligned left; numbers right
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i in text else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths))
        ).rstrip()
        for cells in [header, *lines]
    )


def _word_scored_by_all(rows: list[Measurement]) -> list[Measurement]:
    """Rows of the clips that every model scored in words: so that each model's mean covers the same clips."""
    models = {row.model for row in rows}
    scored = {(r.clip_id, r.model) for r in rows if r.wer is not None and r.unit == "word"}
    common = {r.clip_id for r in rows if all((r.clip_id, m) in scored for m in models)}
    return [r for r in rows if r.clip_id in common]


def _group_by(rows: list[Measurement], key) -> dict:
    """``rows`` in lists by ``key(row)``."""
    groups: dict = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups


def _model_order(rows: list[Measurement]) -> list[str]:
    return sorted({r.model for r in rows}, key=lambda m: next(r.parameters for r in rows if r.model == m))


def _plot_against(rows: list[Measurement], x_of, xlabel: str, title: str, ax=None, log_x: bool = False):
    """Mean WER per clip kind (one line each) against a per-model quantity ``x_of(model rows)``."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=FIGURE_SIZE, layout="constrained")
    rows = _word_scored_by_all(rows)
    models = _model_order(rows)
    by_model = _group_by(rows, lambda r: r.model)
    for kind, kind_rows in sorted(_group_by(rows, lambda r: r.kind).items()):
        per_model = _group_by(kind_rows, lambda r: r.model)
        xs = [x_of(by_model[m]) for m in models if m in per_model]
        ys = [100 * np.mean([r.wer for r in per_model[m]]) for m in models if m in per_model]
        n = len({r.clip_id for r in kind_rows})
        ax.plot(xs, ys, marker="o", label=f"{kind} ({n} clip{'s' * (n != 1)})")
    for i, m in enumerate(models):  # names along the bottom, staggered: medium and turbo are nearly the same size
        ax.annotate(
            m,
            (x_of(by_model[m]), 0),
            xytext=(0, 4 + 10 * (i % 2)),
            textcoords="offset points",
            ha="center",
            fontsize=8,
            xycoords=("data", "axes fraction"),
        )
    if log_x:
        ax.set_xscale("log")
        ticks = [x_of(by_model[m]) for m in models]
        ax.set_xticks(ticks, [f"{t:.0f}" for t in ticks])
        ax.minorticks_off()
    ax.margins(x=0.08)
    ax.set(title=title, xlabel=xlabel, ylabel="mean WER over clips (%)")
    ax.set_ylim(bottom=-0.2 * max(ax.get_ylim()[1], 1))  # room for the names under the lowest line
    ax.set_yticks([tick for tick in ax.get_yticks() if 0 <= tick <= ax.get_ylim()[1]])  # no negative WER
    ax.legend(title="clip kind", loc="upper left", bbox_to_anchor=(1.01, 1))  # beside the plot, not over a line
    return ax


def plot_wer_vs_parameters(rows: list[Measurement], ax=None):
    """Mean WER per clip kind against each model's parameter count (log scale); returns the axes."""
    return _plot_against(
        rows,
        lambda mr: mr[0].parameters / 1e6,
        "parameters (millions, log scale)",
        "WER against model size",
        ax,
        log_x=True,
    )


def plot_wer_vs_time(rows: list[Measurement], ax=None):
    """Mean WER per clip kind against each model's mean real-time factor; returns the axes."""
    return _plot_against(
        rows,
        lambda mr: float(np.mean([r.rtf for r in mr])),
        "mean real-time factor (s of compute per s of audio)",
        "WER against transcription time",
        ax,
    )


def plot_wer_vs_music_to_voice(rows: list[Measurement], ax=None):
    """WER of each song against its music-to-voice ratio (dB): a colour per model, a marker per song.

    A song is the lyric a mix shares with a sung clip; that unaccompanied clip is drawn at "none" on the left.
    Returns the axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    if ax is None:
        _, ax = plt.subplots(figsize=FIGURE_SIZE, layout="constrained")
    rows = _word_scored_by_all(rows)
    mixes = [r for r in rows if r.music_to_voice_db is not None]
    ratios = sorted({r.music_to_voice_db for r in mixes})
    if not mixes:
        ax.text(0.5, 0.5, "no mixes scored by every model", transform=ax.transAxes, ha="center")
        ratios = [0.0]
    no_music = ratios[0] - 5  # where the unaccompanied version of each song is drawn
    songs = sorted({(r.language, r.reference) for r in mixes})
    song_rows = {song: [r for r in rows if (r.language, r.reference) == song] for song in songs}
    models = _model_order(rows)
    for m, model in enumerate(models):
        for s, song in enumerate(songs):
            heard = [r for r in song_rows[song] if r.model == model]
            points = [(r.music_to_voice_db, r.wer) for r in heard if r.music_to_voice_db is not None]
            points += [(no_music, r.wer) for r in heard if r.kind == "sung" and r.music_to_voice_db is None]
            xs, ys = zip(*sorted(points))
            ax.plot(xs, [100 * y for y in ys], color=f"C{m}", marker=MARKERS[s % len(MARKERS)], alpha=0.8)
    handles = [Line2D([], [], color=f"C{m}", label=model) for m, model in enumerate(models)]
    handles += [
        Line2D([], [], color="grey", marker=MARKERS[s % len(MARKERS)], linestyle="", label=_song_label(song_rows[song]))
        for s, song in enumerate(songs)
    ]
    ax.set_xticks([no_music, *ratios], ["none", *(f"{r:g}" for r in ratios)])
    ax.set(
        title="WER against music-to-voice ratio",
        xlabel="music-to-voice ratio (dB; louder music to the right)",
        ylabel="WER (%)",
    )
    ax.set_ylim(bottom=0)
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1))  # beside the plot
    return ax


def _song_label(song_rows: list[Measurement]) -> str:
    """A song's name in a legend: the id of its unaccompanied clip (``song_daisy``), else of its first mix."""
    unaccompanied = sorted(r.clip_id for r in song_rows if r.music_to_voice_db is None)
    return (unaccompanied or sorted(r.clip_id for r in song_rows))[0]


def save_plots(rows: list[Measurement], out: str | os.PathLike) -> list[Path]:
    """Draw the three plots of ``rows`` and save them as PLOTS in folder ``out``; returns their paths."""
    from matplotlib.figure import Figure  # no pyplot: nothing opens a window or changes the backend

    paths = []
    for plot, name in zip((plot_wer_vs_parameters, plot_wer_vs_time, plot_wer_vs_music_to_voice), PLOTS):
        figure = Figure(figsize=FIGURE_SIZE, layout="constrained")
        plot(rows, figure.subplots())
        paths.append(Path(out) / name)
        figure.savefig(paths[-1], dpi=100)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils bench-wer",
        description="Word error rate and real-time factor of Whisper models on every clip of a manifest.",
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        default=MANIFEST,
        help="CSV like data/clips.csv; id, file, language and transcript must be filled in, paths "
        "are relative to its folder (default: the bundled clips)",
    )
    parser.add_argument(
        "--models",
        default=None,
        help="comma-separated model names, e.g. tiny.en,base (default: every model the course "
        "compares that can be loaded here and fits in memory)",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder for wer.csv and the plots (created if needed)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when a GPU is present)")
    args = parser.parse_args(argv)
    if args.device is not None and args.device.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError(f"--device {args.device}: this machine has no CUDA GPU; leave out --device to use the CPU.")
    if args.device not in (None, "cpu") and not args.device.startswith("cuda"):
        raise UsageError(f"--device {args.device}: use cpu or cuda.")
    with reading_user_input():  # every mistake is found before the first model loads
        names = None  # the models the course compares
        if args.models is not None:
            names = model_names(args.models)
            check_models(names)
        names = models_to_compare(args.device, names)
        if not names:
            raise UsageError("No model fits in the memory free here: close other programs or give smaller --models.")
        clips = read_clips(args.manifest)
        args.out.mkdir(parents=True, exist_ok=True)
    rows = benchmark(clips, names, args.device)
    write_csv(rows, COLUMNS, args.out / "wer.csv")
    save_plots(rows, args.out)
    print(format_table(rows))
    print(f"Wrote {args.out / 'wer.csv'} and {', '.join(PLOTS)} in {args.out}.")
    return 0
