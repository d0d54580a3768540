"""What every command of ``python -m course_utils`` shares: the registry of commands, the default model, the one
``--language`` option, and the rule that a user's mistake is one line on stderr with exit status 2.

A command is a module with a docstring (its first line is the command's summary in ``--help``) and a
``main(argv: list[str] | None = None) -> int``. It raises :class:`UsageError` for a mistake the user can fix;
``course_utils.__main__`` prints it as ``python -m course_utils COMMAND: error: MESSAGE`` and exits with status 2,
the way argparse reports a bad flag. The registry names modules, not objects, so this core module imports none
of them: a command is imported only when it runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from .models import OfflineModelError, language_for

PROG = "python -m course_utils"
DEFAULT_MODEL = "tiny.en"  # the fastest real model: live transcription, captions and the benchmarks
BENCH_MODELS = "tiny.en,base"  # the models the benchmarks compare by default: both load offline
MULTILINGUAL_MODEL = "base"  # the smallest model that hears (and translates) every language
COMMANDS = {  # command -> module with a main(argv) -> int, in the order --help lists them
    "doctor": "course_utils.doctor",
    "transcribe-batch": "course_utils.batch.cli",
    "captions": "course_utils.captions.cli",
    "bench": "course_utils.bench.speed",
    "bench-wer": "course_utils.bench.wer",
    "bench-live": "course_utils.bench.live",
    "bench-hallucination": "course_utils.bench.hallucination",
    "bench-batch": "course_utils.bench.batch",
    "bench-batch-memory": "course_utils.bench.batch_memory",
    "bench-captions": "course_utils.bench.captions",
    "bench-gpu": "course_utils.bench.gpu",
    "bench-pass-cost": "course_utils.bench.pass_cost",
    "bench-speakers": "course_utils.bench.speakers",
    "bench-anchor": "course_utils.bench.anchor",
}
LANGUAGE_HELP = "language spoken, as a code (fr) or a name (French); default: detected (English for .en models)"


class UsageError(Exception):
    """A mistake the user can fix (a missing file, an unknown model name): one line on stderr, exit status 2."""


def model_names(models: str) -> list[str]:
    """The names in the value of a --models option, e.g. "tiny.en,base"; a UsageError if it names none."""
    names = [name.strip() for name in models.split(",") if name.strip()]
    if not names:
        raise UsageError("--models names no model: give e.g. --models tiny.en,base.")
    return names


def add_language_option(parser: argparse.ArgumentParser) -> None:
    """The one ``--language`` option every command that transcribes takes; check it with :func:`language_option`."""
    parser.add_argument("--language", metavar="LANGUAGE", help=LANGUAGE_HELP)


def language_option(model: str, language: str | None) -> str | None:
    """The code of ``--language`` for the model named ``model`` (None: detect), by the kit's one language check
    (:func:`course_utils.models.language_for`): the same one-line UsageError in every command."""
    if language is None:
        return None
    with reading_user_input():
        return language_for(model, language)


@contextmanager
def reading_user_input() -> Iterator[None]:
    """Turn the errors raised while reading what the user named (files, clips, models) into a UsageError.

    Wrap only that reading: an error later on is a bug, and keeps its traceback.
    """
    try:
        yield
    except KeyError as error:  # str() of a KeyError quotes its message
        raise UsageError(error.args[0]) from error
    except (OSError, ValueError, OfflineModelError) as error:
        raise UsageError(str(error)) from error
