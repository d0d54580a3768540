"""transcribe-batch on Ray: a two-node cluster on this machine (a head and a worker node, started here), whose
RecordingTranscriber actors run the kit's one pipeline, gives the texts and segments of the local engine, and
survives a decoding worker killed mid-run with every file written exactly once."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import threading
import time
from collections import Counter

import psutil
import pytest

import course_utils as cu
from course_utils.batch import cli, ray_engine
from course_utils.batch.local import transcribe_files
from course_utils.batch.ray_engine import OBJECT_STORE_BYTES

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

CLIPS = ("librivox_2", "librivox_5", "librivox_3")  # 3 to 5 s of real speech each
NODE_CPUS = 2  # logical CPUs of each node: one decoding actor per node (CPUS_PER_ACTOR)
KILL_WAIT_S = 240  # give up waiting for the first finished file after this long
STARTS = 2  # tries at starting the cluster
MODEL = "tiny.en"  # named: the command's default model may change


@pytest.fixture(scope="module")
def two_nodes():
    """A head node and a worker node, each its own raylet and object store, and this process connected. A busy
    machine can be too slow for a node's agents to start in Ray's time limit: the start is tried up to STARTS times
    (the first try also brings Ray's files into the page cache)."""
    node = {"num_cpus": NODE_CPUS, "object_store_memory": OBJECT_STORE_BYTES}
    for attempt in range(1, STARTS + 1):
        cluster = Cluster()
        try:
            cluster.add_node(**node, include_dashboard=False)
            cluster.add_node(**node)
            cluster.wait_for_nodes()
            break
        except Exception:
            cluster.shutdown()
            if attempt == STARTS:
                raise
    ray.init(address=cluster.address, log_to_driver=False, logging_level=logging.WARNING)
    try:
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()


def copies(folder, n):
    """``n`` short recordings in ``folder`` (the CLIPS over and over, named rec0, rec1, ...)."""
    folder.mkdir()
    for i in range(n):
        shutil.copy(cu.clip(CLIPS[i % len(CLIPS)]).path, folder / f"rec{i}.flac")
    return cli.find_jobs([folder])


def test_two_nodes_give_the_texts_of_the_local_engine(two_nodes, tiny_en, tmp_path):
    assert len([n for n in ray.nodes() if n["Alive"]]) == 2
    jobs = cli.find_jobs([cu.clip(c).path for c in CLIPS])
    summary = cli.run_jobs(jobs, tmp_path, engine="ray", model=MODEL, batch_size=2, progress=False)
    assert (summary["files_ok"], summary["files_failed"]) == (len(CLIPS), 0)
    local = {o.job.name: o.result for o in transcribe_files(tiny_en, jobs, batch_size=2)}
    assert sorted(local) == sorted(job.name for job in jobs)
    for name, result in local.items():
        on_ray = json.loads((tmp_path / f"{name}.json").read_text())
        assert result["text"].strip() and on_ray["text"] == result["text"], name
        assert [(s["start"], s["end"], s["text"]) for s in on_ray["segments"]] == [
            (s["start"], s["end"], s["text"]) for s in result["segments"]
        ], name


def test_a_worker_killed_mid_run_is_survived_and_every_file_done_once(two_nodes, tmp_path, monkeypatch):
    jobs = copies(tmp_path / "in", 8)
    out = tmp_path / "out"
    written = Counter()
    write = cli.write_result

    def counting_write(folder, name, result, source, srt=None):
        written[name] += 1
        write(folder, name, result, source, srt)

    monkeypatch.setattr(cli, "write_result", counting_write)
    monkeypatch.setattr(ray_engine, "RECORDINGS_PER_CALL", 1)  # a file written after each call: one to kill between
    killed = {}

    def kill_a_decoder_once_a_file_is_done():
        deadline = time.monotonic() + KILL_WAIT_S
        while not written and time.monotonic() < deadline:
            time.sleep(0.05)
        for process in psutil.Process().children(recursive=True):  # the nodes this test started, and their workers
            try:
                if "MapWorker" in " ".join(process.cmdline()):
                    killed["done_before"] = sum(written.values())
                    os.kill(process.pid, signal.SIGKILL)
                    killed["pid"] = process.pid
                    return
            except psutil.NoSuchProcess:
                continue

    killer = threading.Thread(target=kill_a_decoder_once_a_file_is_done, daemon=True)
    killer.start()
    summary = cli.run_jobs(jobs, out, engine="ray", model=MODEL, batch_size=1, progress=False)
    killer.join(timeout=5)
    assert "pid" in killed, "no decoding worker was found to kill"
    assert killed["done_before"] < len(jobs), "the run ended before the worker was killed"
    assert (summary["files_ok"], summary["files_failed"]) == (len(jobs), 0)
    assert written == Counter({job.name: 1 for job in jobs})  # every file exactly once
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{j.name}.{e}" for j in jobs for e in ("json", "srt"))
