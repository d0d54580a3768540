"""python -m course_utils bench-batch (course_utils.bench.batch) and what the benchmarks share (bench.common): a smoke
run with the real tiny.en on one clip, usage errors, the encoder's timer and the memory meter."""

from __future__ import annotations

import csv
import subprocess
import sys

import numpy as np
import pytest
import torch
import whisper

import course_utils as cu
from course_utils.__main__ import main as course_main
from course_utils.bench import batch as bench_batch
from course_utils.bench.common import PeakMemory, encoder_timed


def test_a_smoke_run_measures_transcribe_batch_per_batch_size_and_faster_whisper(tmp_path):
    out = tmp_path / "out"
    command = ["--models", "tiny.en", "--batch-sizes", "1,2", "--repeats", "2", "--clips", "jfk", "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "course_utils", "bench-batch", *command], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    with (out / "throughput.csv").open(newline="") as file:
        reader = csv.DictReader(file)
        assert tuple(reader.fieldnames) == bench_batch.COLUMNS  # what notebook 09 reads
        rows = list(reader)
    assert [(r["engine"], r["batch_size"]) for r in rows] == [
        ("openai-whisper", "1"),
        ("openai-whisper", "2"),
        ("faster-whisper int8", "1"),
        ("faster-whisper int8", str(bench_batch.FASTER_BATCH)),
    ]
    jfk_s = cu.clip("jfk").duration
    for row in rows:
        assert float(row["audio_s"]) == pytest.approx(2 * jfk_s, abs=0.1) and float(row["wer"]) <= 0.1
        assert float(row["audio_s_per_s"]) == pytest.approx(float(row["audio_s"]) / float(row["wall_s"]), rel=0.05)
    for row in rows[:2]:  # jfk twice: two windows, encoded once each (no fallback on clean speech)
        assert row["windows"] == "2" and float(row["encoder_s"]) > 0 and float(row["decoder_s"]) > 0
        assert float(row["encoder_s"]) + float(row["decoder_s"]) == pytest.approx(float(row["wall_s"]), abs=0.02)
    assert all(r["windows"] == r["encoder_s"] == r["decoder_s"] == "" for r in rows[2:])
    assert "tiny.en: batch 8" not in done.stdout and "BatchedInferencePipeline" in done.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--repeats", "0"], "--repeats 0: give 1 or more."),
        (["--models", "tiny"], "bench-batch compares the pip-shipped weights"),
        (["--models", " , "], "--models names no model"),
        (["--clips", "jfk,nope"], "No bundled clip 'nope'"),
    ],
)
def test_usage_errors_are_one_line_and_exit_status_2(tmp_path, capsys, args, message):
    status = course_main(["bench-batch", "--out", str(tmp_path / "out"), *args])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("python -m course_utils bench-batch: error: ") and message in err
    assert err.count("\n") == 1 and not (tmp_path / "out").exists()


def test_batch_sizes_are_whole_numbers_of_1_or_more(capsys):
    assert bench_batch.batch_sizes("1,4, 8") == [1, 4, 8]
    for bad in ("0,4", "one", ""):
        with pytest.raises(SystemExit) as stopped:
            bench_batch.main(["--out", "OUT", "--batch-sizes", bad])
        assert stopped.value.code == 2 and "argument --batch-sizes" in capsys.readouterr().err


def test_the_encoder_timer_counts_windows_and_lets_go_of_the_model(tiny_en, jfk_audio):
    mels = torch.stack([whisper.log_mel_spectrogram(whisper.pad_or_trim(jfk_audio))] * 3)
    options = whisper.DecodingOptions(language="en", temperature=0.0, fp16=False)
    with encoder_timed(tiny_en) as encoder:
        timed = whisper.decode(tiny_en, mels, options)
    assert encoder.windows == 3 and encoder.seconds > 0
    assert "forward" not in tiny_en.encoder.__dict__  # the class's forward again
    assert [r.text for r in whisper.decode(tiny_en, mels, options)] == [r.text for r in timed]


def test_peak_memory_sees_what_the_block_held():
    with PeakMemory() as before:
        pass
    with PeakMemory() as memory:
        block = np.ones(300_000_000 // 8)  # 300 MB, touched
        del block
    assert memory.peak_mb - before.peak_mb > 250
