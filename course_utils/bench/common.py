"""What the benchmarks share: each model measured in a child process of its own, the peak memory of a stretch of
work, and the seconds Whisper's encoder takes (the rest of a decode is the decoder's).

Used by ``bench`` (:mod:`course_utils.bench.speed`) and ``bench-batch`` (:mod:`course_utils.bench.batch`, whose
table notebooks/09_batch_transcription.ipynb reads), and by ``bench-gpu`` (:mod:`course_utils.bench.gpu`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

import psutil
import torch
import whisper

SAMPLE_EVERY_S = 0.01  # seconds between two readings of the process's resident memory


def command_parser(command: str, doc: str) -> argparse.ArgumentParser:
    """The argument parser of ``python -m course_utils COMMAND``, whose --help shows the module's docstring ``doc``
    as written."""
    return argparse.ArgumentParser(
        prog=f"python -m course_utils {command}", description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )


class ChildFailed(Exception):
    """A child process measuring one model exited with an error (its stderr is already printed)."""

    def __init__(self, returncode: int) -> None:
        super().__init__(f"the child process exited with status {returncode}")
        self.returncode = returncode


def measure_in_children(command: str, names: list[str], args: list[str]) -> Iterator[tuple[str, object]]:
    """For each model of ``names``: ``python -m course_utils COMMAND ARGS --child NAME`` in a fresh process (so its
    memory is its own), which prints its measurement as JSON on its last line of stdout; yields (name, measurement).

    A child that fails has its stderr printed (one line for a user's mistake) and raises :class:`ChildFailed`.
    """
    for name in names:
        command_line = [sys.executable, "-m", "course_utils", command, *args, "--child", name]
        done = subprocess.run(command_line, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr.rstrip(), file=sys.stderr)
            raise ChildFailed(done.returncode)
        yield name, json.loads(done.stdout.strip().splitlines()[-1])


class PeakMemory:
    """The peak resident memory (MB) of this process while the ``with`` block runs, read every SAMPLE_EVERY_S."""

    def __enter__(self) -> PeakMemory:
        self.peak_mb, self._stop = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        process = psutil.Process()
        while True:
            self.peak_mb = max(self.peak_mb, process.memory_info().rss / 1e6)
            if self._stop.wait(SAMPLE_EVERY_S):
                return

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def synchronize(device: str) -> None:
    """Wait for the GPU to finish what it was given: its work runs asynchronously, so a timer must wait for it."""
    if device == "cuda":
        torch.cuda.synchronize()


@dataclass
class EncoderTime:
    """What :func:`encoder_timed` counted: seconds in ``model.encoder`` and the 30 s windows it encoded."""

    seconds: float = 0.0
    windows: int = 0  # a window decoded again at a higher temperature is encoded, and counted, again


@contextmanager
def encoder_timed(model: whisper.Whisper) -> Iterator[EncoderTime]:
    """While active, every run of ``model.encoder`` is timed (waiting for the GPU) and its windows counted: the
    encoder's share of a decode's wall time (the decoder has the rest). Like
    :func:`course_utils.live.whisper_pass.encoder_remembered`, it wraps the encoder's ``forward`` of this model only."""
    spent = EncoderTime()
    encode = model.encoder.forward

    def timed_forward(mel: torch.Tensor) -> torch.Tensor:
        synchronize(mel.device.type)
        started = time.perf_counter()
        features = encode(mel)
        synchronize(mel.device.type)
        spent.seconds += time.perf_counter() - started
        spent.windows += len(mel)
        return features

    with mock.patch.object(model.encoder, "forward", timed_forward):  # an instance attribute, removed on exit
        yield spent
