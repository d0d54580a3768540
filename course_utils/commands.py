"""What every command of ``python -m course_utils`` shares: a user's mistake is one line on stderr, exit status 2.

A command raises :class:`UsageError` for a mistake the user can fix; ``course_utils.__main__`` prints it as
``python -m course_utils COMMAND: error: MESSAGE`` and exits with status 2, the way argparse reports a bad flag.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from .models import OfflineModelError


class UsageError(Exception):
    """A mistake the user can fix (a missing file, an unknown model name): one line on stderr, exit status 2."""


def model_names(models: str) -> list[str]:
    """The names in the value of a --models option, e.g. "tiny.en,base"; a UsageError if it names none."""
    names = [name.strip() for name in models.split(",") if name.strip()]
    if not names:
        raise UsageError("--models names no model: give e.g. --models tiny.en,base.")
    return names


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


def write_csv(rows: Sequence, columns: Sequence[str], path: str | os.PathLike) -> Path:
    """Write dataclass ``rows`` to ``path`` as CSV, ``columns`` as the header; None is an empty cell."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: "" if value is None else value for key, value in asdict(row).items()})
    return path
