"""The same batch job on Ray Data: recordings handed to a pool of actors that each run the kit's one pipeline.

Taught in notebooks/10_scale_out_and_cost.ipynb. The recordings become a Dataset; ``map_batches`` hands
``RECORDINGS_PER_CALL`` of them at a time to a pool of :class:`RecordingTranscriber` actors, each of which loads the
model once and transcribes them exactly as ``transcribe-batch --engine local`` does (speech found, windows decoded
``batch_size`` at a time); the driver (this process) yields each recording's Outcome, which transcribe-batch writes.
Ray schedules the actors on any node and restarts a lost actor, retrying its recordings.

On a machine with GPUs each actor takes one (``num_gpus=1``); on CPUs, one actor per ``CPUS_PER_ACTOR`` CPUs.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from ..models import CACHE_ENV, OFFLINE_ENV, load_model
from .local import Job, Outcome, transcribe_files

OBJECT_STORE_BYTES = (
    256 * 1024**2
)  # a local instance's object store: rows and results in flight (Ray's default: 30 % of RAM)
RECORDINGS_PER_CALL = 4  # recordings an actor transcribes together: its windows fill its batches
CPUS_PER_ACTOR = 2  # torch threads of one decoding actor on CPUs; one actor per this many CPUs of the cluster
PASSED_ENV = (OFFLINE_ENV, CACHE_ENV)  # settings the workers need, passed on when this process starts Ray


class RecordingTranscriber:
    """One actor of the transcribing pool: loads the model once, then transcribes batch after batch of recordings
    through the kit's one pipeline (:func:`course_utils.transcribe.transcribe_batch`, windows of the batch's
    recordings decoded ``batch_size`` at a time)."""

    def __init__(self, model: str, language: str | None, batch_size: int, threads: int) -> None:
        if not torch.cuda.is_available():
            torch.set_num_threads(threads)
        self.model = load_model(model)
        self.language, self.batch_size = language, batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Each row (``name``, ``path``) gets its ``result`` (as JSON; empty when unreadable), ``audio_s`` and
        ``error`` (empty when transcribed)."""
        jobs = [Job(str(name), Path(str(path))) for name, path in zip(batch["name"], batch["path"])]
        outcomes = {o.job.name: o for o in transcribe_files(self.model, jobs, self.batch_size, self.language)}
        rows = [outcomes[job.name] for job in jobs]
        return {
            "name": batch["name"],
            "path": batch["path"],
            "result": np.array([json.dumps(o.result) if o.result is not None else "" for o in rows]),
            "audio_s": np.array([o.audio_s for o in rows]),
            "error": np.array([o.error for o in rows]),
        }


def decoding_resources() -> dict:
    """``map_batches`` arguments for the actor pool on the cluster Ray is connected to: one actor per GPU, or
    one per CPUS_PER_ACTOR CPUs (at least one). ``compute`` sets the pool's size (``concurrency=`` before Ray 2.51)."""
    import ray

    gpus = int(ray.cluster_resources().get("GPU", 0))
    if gpus:
        return {"compute": ray.data.ActorPoolStrategy(size=gpus), "num_gpus": 1}
    actors = max(1, int(ray.cluster_resources().get("CPU", 1)) // CPUS_PER_ACTOR)
    return {"compute": ray.data.ActorPoolStrategy(size=actors), "num_cpus": 1}


def start_ray(address: str | None = None) -> bool:
    """Connect to the cluster at ``address``, or start a small local instance (no dashboard, OBJECT_STORE_BYTES
    of object store); nothing if Ray is running in this process already. Returns whether it was started here."""
    import ray

    if ray.is_initialized():
        return False
    env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
    local = {} if address else {"object_store_memory": OBJECT_STORE_BYTES, "include_dashboard": False}
    ray.init(
        address=address, runtime_env={"env_vars": env}, log_to_driver=False, logging_level=logging.WARNING, **local
    )
    return True


def transcribe_files_on_ray(
    jobs: list[Job],
    model: str,
    batch_size: int = 8,
    language: str | None = None,
    address: str | None = None,
) -> Iterator[Outcome]:
    """Transcribe ``jobs`` on Ray (the cluster at ``address``, the one this process is connected to, or a local
    instance started and stopped here); yields each job's Outcome as its actor hands it back."""
    import ray

    started = start_ray(address)
    try:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # transcribe-batch shows its own
        logging.getLogger("ray.data").setLevel(logging.ERROR)  # no execution plans and progress lines on stderr
        recordings = ray.data.from_items(
            [{"name": j.name, "path": str(j.path)} for j in jobs], override_num_blocks=len(jobs)
        )
        transcribed = recordings.map_batches(
            RecordingTranscriber,
            batch_size=RECORDINGS_PER_CALL,
            fn_constructor_kwargs={
                "model": model,
                "language": language,
                "batch_size": batch_size,
                "threads": CPUS_PER_ACTOR,
            },
            **decoding_resources(),
        )
        by_name = {j.name: j for j in jobs}
        for row in transcribed.iter_rows():
            result = json.loads(row["result"]) if row["result"] else None
            yield Outcome(by_name[row["name"]], result, float(row["audio_s"]), row["error"])
    finally:
        if started:
            ray.shutdown()
