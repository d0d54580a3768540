"""python -m course_utils transcribe-batch PATH... --out DIR: transcribe many recordings, batched, resumable.

For each recording, DIR/NAME.json (Whisper's result: text, segments with times, language, duration, and the
``source`` it was made from) and DIR/NAME.srt are written atomically. The default model, base, is multilingual: the
language is detected per recording and written into its JSON (a .en model hears English only: every recording is
transcribed as English). Long recordings are read a piece at a time, so memory does not grow with their length.

A rerun skips a recording only when the JSON under its name records the same input (SHA-256 of its bytes), model
and language: a killed run loses no finished file, and a changed --model does the files again. A different
recording under a name already in DIR is written beside it as NAME~HASH, never over it (the summary and
DIR/errors.csv say which name was reused). A bad input (not audio, empty, unreadable) or an output that cannot be
written is named in one line and listed in DIR/errors.csv, the others are still transcribed, and the exit status
is 1. --speakers adds who spoke (notebooks/12_who_spoke.ipynb): each segment of the JSON gets its ``speaker``
("Speaker 1", ...), the JSON the ``speakers`` turns, and each SRT cue starts with "[Speaker 1]". --engine ray runs the same work as a Ray Data pipeline, on a local Ray instance or on the cluster at
--address. Decoding follows Whisper's own loop, 30 s windows of speech decoded --batch-size at a time
(notebooks/09_batch_transcription.ipynb).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import tqdm

from ..commands import MULTILINGUAL_MODEL, UsageError, add_language_option, language_option, reading_user_input
from ..transcribe import duration_in_header
from .local import Job, Outcome
from .outputs import ERRORS_CSV, add_error, check_out, place, source_of, start_run, write_result

PROG = "python -m course_utils transcribe-batch"
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".webm", ".mp4", ".aac")  # found in folders
ENGINES = ("local", "ray")
DEFAULT_MODEL = MULTILINGUAL_MODEL  # multilingual: the language is detected per recording
DEFAULT_BATCH_SIZE = 8  # windows decoded together


def find_jobs(paths: list[str | Path]) -> list[Job]:
    """One Job per audio file named, or found (by its suffix, AUDIO_SUFFIXES) in a folder named, searched
    recursively. Outputs are named after the file; a file in a subfolder gets ``subfolder__name``."""
    jobs = []
    for given in map(Path, paths):
        if given.is_dir():
            found = sorted(p for p in given.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
            if not found:
                raise UsageError(f"{given} holds no audio file ({' '.join(AUDIO_SUFFIXES)}): name recordings.")
            jobs += [Job("__".join(p.relative_to(given).with_suffix("").parts), p) for p in found]
        elif given.exists():
            jobs.append(Job(given.stem, given))
        else:
            raise UsageError(f"No such file or folder: {given}. Give audio files or folders that hold them.")
    twice = [name for name, n in Counter(job.name for job in jobs).items() if n > 1]
    if twice:
        raise UsageError(f"Two inputs would both be written as {twice[0]}.json: rename one, or use two --out folders.")
    return jobs


def outcomes(
    jobs: list[Job], engine: str, model: str, batch_size: int, language: str | None, address: str | None
) -> Iterator[Outcome]:
    """Each job's Outcome from the chosen engine, as soon as it is known."""
    if engine == "ray":
        from .ray_engine import transcribe_files_on_ray

        return transcribe_files_on_ray(jobs, model, batch_size, language, address)
    from ..models import load_model
    from .local import transcribe_files

    with reading_user_input():
        loaded = load_model(model)
    return transcribe_files(loaded, jobs, batch_size, language)


def speed_words(audio_s: float, wall_s: float) -> str:
    """How fast ``audio_s`` seconds of audio went by in ``wall_s`` seconds, in words: "4.2 x faster than real time"
    or "1.5 x slower than real time"."""
    if audio_s <= 0 or wall_s <= 0:
        return "no audio done yet"
    ratio = audio_s / wall_s
    return f"{ratio:.1f} x faster than real time" if ratio >= 1 else f"{1 / ratio:.1f} x slower than real time"


def run_jobs(
    jobs: list[Job],
    out: Path,
    engine: str = "local",
    model: str = DEFAULT_MODEL,
    batch_size: int = DEFAULT_BATCH_SIZE,
    language: str | None = None,
    address: str | None = None,
    progress: bool = True,
    speakers: bool = False,
    num_speakers: int | None = None,
) -> dict:
    """Transcribe the jobs not done in ``out`` yet (:func:`course_utils.batch.outputs.place`: by content, model and
    language); write each result as it comes. Returns the summary: files_ok, files_failed, files_skipped,
    names_reused ({name taken by a different recording: the name written instead}), audio_s (seconds transcribed),
    wall_s, model, english_only. ``speakers``: label each segment with who spoke (``num_speakers`` of them, or as
    many as :func:`course_utils.speakers.who_spoke` finds).

    The progress bar counts seconds of audio done of the total (the files' durations, read from their headers
    before decoding), with an estimate of the time left from the average speed so far, which settles once the
    first recordings are done.
    """
    started = time.perf_counter()
    check_out(out)  # before any model loads
    start_run(out)
    asked = (str(num_speakers) if num_speakers else "found") if speakers else None
    sources = {job.name: source_of(job.path, job.name, model, language, speakers=asked) for job in jobs}
    placements = {job.name: place(out, job.name, sources[job.name]) for job in jobs}
    todo = [job for job in jobs if not placements[job.name].done]
    summary = {"files_ok": 0, "files_failed": 0, "files_skipped": len(jobs) - len(todo), "names_reused": {}}
    summary |= {"audio_s": 0.0, "model": model, "english_only": model.endswith(".en")}
    for job in todo:
        placement = placements[job.name]
        if placement.reused:
            summary["names_reused"][placement.reused] = placement.name
            add_error(out, job.path, f"{placement.reused} holds a different recording: written as {placement.name}")
    durations = {job.name: duration_in_header(job.path) or 0.0 for job in todo}  # 0: no duration in the header
    bar = tqdm.tqdm(
        total=sum(durations.values()),
        unit="s",
        smoothing=0,  # the estimate of the time left uses the average speed since the start: it settles
        bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s of audio [{elapsed}<{remaining}{postfix}]",
        disable=not progress,
    )
    with bar:
        for outcome in outcomes(todo, engine, model, batch_size, language, address) if todo else ():
            labels = (speakers, num_speakers)
            error = outcome.error or _write(out, placements[outcome.job.name].name, outcome, sources, labels)
            if error:
                bar.write(f"{PROG}: {outcome.job.path}: {error} (listed in {out / ERRORS_CSV})", sys.stderr)
                add_error(out, outcome.job.path, error)
                summary["files_failed"] += 1
            else:
                summary["files_ok"] += 1
                summary["audio_s"] += outcome.audio_s
            bar.set_postfix_str(speed_words(summary["audio_s"], time.perf_counter() - started), refresh=False)
            bar.update(durations[outcome.job.name])
    summary["audio_s"] = round(summary["audio_s"], 2)
    summary["wall_s"] = round(time.perf_counter() - started, 2)
    return summary


def _write(out: Path, name: str, outcome: Outcome, sources: dict[str, dict], labels: tuple[bool, int | None]) -> str:
    """Write an outcome's outputs as ``name`` (with speakers where ``labels`` asks: (speakers, num_speakers)); the
    one-line error if they could not be written, else ""."""
    result, srt = outcome.result, None
    if labels[0]:
        from ..speakers import label_words, speaker_srt, who_spoke

        turns = who_spoke(outcome.job.path, num_speakers=labels[1])
        result = label_words(result, turns) | {"speakers": [vars(t) for t in turns]}
        srt = speaker_srt(result)
    try:
        write_result(out, name, result, sources[outcome.job.name], srt)
    except OSError as error:
        return f"could not write {name}.json and {name}.srt: {error.strerror or error}"
    return ""


def summary_line(summary: dict) -> str:
    """The summary in words, one line: what was done, how fast, which names were reused, and, for a .en model,
    that it heard English only."""
    line = (
        f"{summary['files_ok']} transcribed, {summary['files_skipped']} already done, "
        f"{summary['files_failed']} failed; {summary['audio_s']} s of audio in {summary['wall_s']} s "
        f"({speed_words(summary['audio_s'], summary['wall_s'])})."
    )
    for reused, written in summary["names_reused"].items():
        line += f" {reused} holds a different recording: written as {written}."
    if summary["english_only"]:
        line += f" {summary['model']} hears English only: every recording was transcribed as English."
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="audio files, or folders searched for audio")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for NAME.json, NAME.srt, errors.csv")
    parser.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        help=f"Whisper model name (default {DEFAULT_MODEL}, multilingual; a .en model such as tiny.en hears English "
        "only)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        metavar="N",
        help=f"30 s windows decoded together (default {DEFAULT_BATCH_SIZE})",
    )
    add_language_option(parser)
    parser.add_argument("--engine", choices=ENGINES, default="local", help="local (default) or ray")
    parser.add_argument("--address", metavar="ADDR", help="a running Ray cluster (--engine ray; default: a local one)")
    parser.add_argument("--speakers", action="store_true", help="label each segment with who spoke (notebook 12)")
    parser.add_argument(
        "--num-speakers", type=int, metavar="N", help="with --speakers: how many speak (default: found)"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object, last")
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        raise UsageError(f"--batch-size {args.batch_size}: give a whole number of windows, 1 or more, e.g. 8.")
    if args.num_speakers is not None and (args.num_speakers < 1 or not args.speakers):
        raise UsageError(f"--num-speakers {args.num_speakers}: give 1 or more, with --speakers.")
    if args.address and args.engine != "ray":
        raise UsageError("--address names a Ray cluster: add --engine ray, or leave --address out.")
    from ..models import check_models

    with reading_user_input():
        check_models([args.model])
    language = language_option(args.model, args.language)
    jobs = find_jobs(args.paths)
    out = Path(args.out)
    summary = run_jobs(
        jobs,
        out,
        args.engine,
        args.model,
        args.batch_size,
        language,
        args.address,
        speakers=args.speakers,
        num_speakers=args.num_speakers,
    )
    print(json.dumps(summary, ensure_ascii=False) if args.json else summary_line(summary))
    return 1 if summary["files_failed"] else 0
