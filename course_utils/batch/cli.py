"""python -m course_utils transcribe-batch PATH... --out DIR: transcribe many recordings, batched, resumable.

For each recording, DIR/NAME.json (Whisper's result: text, segments with times, language) and DIR/NAME.srt are
written atomically. A rerun skips recordings whose outputs exist, so a killed run loses no finished file. A bad
input (not audio, empty, unreadable) is named in one line and listed in DIR/errors.csv, the others are still
transcribed, and the exit status is 1. --engine ray runs the same work as a Ray Data pipeline, on a local Ray
instance or on the cluster at --address. Decoding is greedy (temperature 0), 30 s windows cut at pauses, decoded
--batch-size windows at a time (notebooks/09_batch_transcription.ipynb).
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
from whisper.tokenizer import LANGUAGES, TO_LANGUAGE_CODE

from ..commands import UsageError, reading_user_input
from .local import Job, Outcome
from .outputs import ERRORS_CSV, add_error, is_done, start_run, write_result

PROG = "python -m course_utils transcribe-batch"
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".webm", ".mp4", ".aac")  # found in folders
ENGINES = ("local", "ray")
DEFAULT_MODEL = "tiny.en"
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


def check_language(model: str, language: str | None) -> str | None:
    """``language`` as Whisper's code ("French" or "fr" -> "fr"); a UsageError if unknown or impossible."""
    if language is None:
        return None
    code = TO_LANGUAGE_CODE.get(language.lower(), language.lower())
    if code not in LANGUAGES:
        raise UsageError(f"Unknown --language {language}: give a code such as en, fr, es, or leave it out.")
    if model.endswith(".en") and code != "en":
        raise UsageError(f"--language {language} was asked of the English-only {model}: use e.g. --model base.")
    return code


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


def transcribe_batch(
    jobs: list[Job],
    out: Path,
    engine: str = "local",
    model: str = DEFAULT_MODEL,
    batch_size: int = DEFAULT_BATCH_SIZE,
    language: str | None = None,
    address: str | None = None,
    progress: bool = True,
) -> dict:
    """Transcribe the jobs whose outputs are not in ``out`` yet; write each result as it comes. Returns the
    summary: files_ok, files_failed, files_skipped, audio_s (seconds transcribed), wall_s."""
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    start_run(out)
    todo = [job for job in jobs if not is_done(out, job.name)]
    summary = {"files_ok": 0, "files_failed": 0, "files_skipped": len(jobs) - len(todo), "audio_s": 0.0}
    bar = tqdm.tqdm(total=len(jobs), initial=summary["files_skipped"], unit="file", disable=not progress)
    with bar:
        for outcome in outcomes(todo, engine, model, batch_size, language, address) if todo else ():
            if outcome.error:
                bar.write(f"{PROG}: {outcome.error} (listed in {out / ERRORS_CSV})", sys.stderr)
                add_error(out, outcome.job.path, outcome.error)
                summary["files_failed"] += 1
            else:
                write_result(out, outcome.job.name, outcome.result)
                summary["files_ok"] += 1
                summary["audio_s"] += outcome.audio_s
            speed = summary["audio_s"] / (time.perf_counter() - started)
            done = tqdm.tqdm.format_interval(summary["audio_s"])
            bar.set_postfix_str(f"{done} of audio, {speed:.1f}x real time", refresh=False)
            bar.update(1)
    summary["audio_s"] = round(summary["audio_s"], 2)
    summary["wall_s"] = round(time.perf_counter() - started, 2)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="audio files, or folders searched for audio")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for NAME.json, NAME.srt, errors.csv")
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"Whisper model name (default {DEFAULT_MODEL})")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        metavar="N",
        help=f"30 s windows decoded together (default {DEFAULT_BATCH_SIZE})",
    )
    parser.add_argument("--language", metavar="L", help="language code, e.g. en (default: detected per window)")
    parser.add_argument("--engine", choices=ENGINES, default="local", help="local (default) or ray")
    parser.add_argument("--address", metavar="ADDR", help="a running Ray cluster (--engine ray; default: a local one)")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object, last")
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        raise UsageError(f"--batch-size {args.batch_size}: give a whole number of windows, 1 or more, e.g. 8.")
    if args.address and args.engine != "ray":
        raise UsageError("--address names a Ray cluster: add --engine ray, or leave --address out.")
    from ..models import check_models

    with reading_user_input():
        check_models([args.model])
    language = check_language(args.model, args.language)
    jobs = find_jobs(args.paths)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file: give a folder (it is created if missing).")
    summary = transcribe_batch(jobs, out, args.engine, args.model, args.batch_size, language, args.address)
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"{summary['files_ok']} transcribed, {summary['files_skipped']} already done, "
            f"{summary['files_failed']} failed; {summary['audio_s']} s of audio in {summary['wall_s']} s."
        )
    return 1 if summary["files_failed"] else 0
