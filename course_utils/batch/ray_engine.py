"""The same batch job as a Ray Data pipeline: read, log-Mel, batched decode in an actor pool, write.

Taught in notebooks/09_batch_transcription.ipynb. The recordings become a Dataset; ``flat_map`` reads each one
and cuts it into log-Mel windows (a task per recording, on any node); ``map_batches`` hands ``batch_size`` windows
at a time to a pool of :class:`WindowDecoder` actors, each of which loads the model once; the driver (this process)
stitches each recording's windows back together and yields its Outcome, which transcribe-batch writes. Ray
restarts a lost actor and retries its batch; a window decoded twice counts once (:class:`.windows.Stitcher`).

On a machine with GPUs each actor takes one (``num_gpus=1``); on CPUs, one actor per ``CPUS_PER_ACTOR`` CPUs.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator

import numpy as np
import torch
import whisper
from whisper.audio import N_FRAMES

from ..audio import SAMPLE_RATE, load_audio
from ..bench_wer import LARGE_V3
from ..models import CACHE_ENV, OFFLINE_ENV, load_model
from .local import Job, Outcome, decode_batch
from .windows import Stitcher, cut_windows, log_mel, segments_of

OBJECT_STORE_BYTES = 256 * 1024**2  # a local instance's object store: windows in flight (Ray's default: 30 % of RAM)
CPUS_PER_ACTOR = 2  # torch threads of one decoding actor on CPUs; one actor per this many CPUs of the cluster
PASSED_ENV = (OFFLINE_ENV, CACHE_ENV)  # settings the workers need, passed on when this process starts Ray


def read_windows(row: dict, n_mels: int) -> list[dict]:
    """Read one recording (``name``, ``path``) and cut it: one row per 30 s window with its (n_mels, 3000)
    log-Mel, or one row with an empty log-Mel and the ``error`` that says why it could not be read."""
    base = {"name": row["name"], "path": row["path"], "error": ""}
    try:
        audio = load_audio(row["path"])
    except (OSError, ValueError) as error:
        empty = np.zeros((n_mels, N_FRAMES), np.float32)
        return [
            {
                **base,
                "index": 0,
                "count": 0,
                "start_s": 0.0,
                "end_s": 0.0,
                "audio_s": 0.0,
                "error": str(error),
                "mel": empty,
            }
        ]
    return [
        {
            **base,
            "index": w.index,
            "count": w.count,
            "start_s": w.start_s,
            "end_s": w.end_s,
            "audio_s": len(audio) / SAMPLE_RATE,
            "mel": log_mel(w.samples, n_mels),
        }
        for w in cut_windows(row["name"], audio)
    ]


class WindowDecoder:
    """One actor of the decoding pool: loads the model once, then decodes batch after batch of windows."""

    def __init__(self, model: str, language: str | None, threads: int) -> None:
        if not torch.cuda.is_available():
            torch.set_num_threads(threads)
        self.model = load_model(model)
        self.language = language
        self.tokenizer = whisper.tokenizer.get_tokenizer(
            self.model.is_multilingual, num_languages=self.model.num_languages
        )

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Decode the batch's readable windows; each row gets its ``segments`` (as JSON) and ``language``."""
        readable = np.flatnonzero(batch["error"] == "")
        segments, languages = [""] * len(batch["name"]), [""] * len(batch["name"])
        if readable.size:
            results = decode_batch(self.model, batch["mel"][readable], self.language)
            for i, result in zip(readable, results):
                found = segments_of(result, self.tokenizer, batch["start_s"][i], batch["end_s"][i])
                segments[i], languages[i] = json.dumps(found), result.language
        kept = {key: batch[key] for key in ("name", "path", "index", "count", "audio_s", "error")}
        return {**kept, "segments": np.array(segments), "language": np.array(languages)}


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
    jobs: list[Job], model: str, batch_size: int = 8, language: str | None = None, address: str | None = None
) -> Iterator[Outcome]:
    """Transcribe ``jobs`` on Ray (the cluster at ``address``, the one this process is connected to, or a local
    instance started and stopped here); yields each job's Outcome as its last window comes back."""
    import ray

    started = start_ray(address)
    try:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # transcribe-batch shows its own
        logging.getLogger("ray.data").setLevel(logging.ERROR)  # no execution plans and progress lines on stderr
        n_mels = 128 if model in LARGE_V3 else 80
        recordings = ray.data.from_items(
            [{"name": j.name, "path": str(j.path)} for j in jobs], override_num_blocks=len(jobs)
        )
        windows = recordings.flat_map(read_windows, fn_kwargs={"n_mels": n_mels})
        decoded = windows.map_batches(
            WindowDecoder,
            batch_size=batch_size,
            fn_constructor_kwargs={"model": model, "language": language, "threads": CPUS_PER_ACTOR},
            **decoding_resources(),
        )
        by_name, stitcher, failed = {j.name: j for j in jobs}, Stitcher(), set()
        for row in decoded.iter_rows():
            job = by_name[row["name"]]
            if row["error"]:
                if job.name not in failed:
                    failed.add(job.name)
                    yield Outcome(job, None, 0.0, row["error"])
                continue
            result = stitcher.add(job.name, row["index"], row["count"], json.loads(row["segments"]), row["language"])
            if result is not None:
                yield Outcome(job, result, float(row["audio_s"]))
    finally:
        if started:
            ray.shutdown()
