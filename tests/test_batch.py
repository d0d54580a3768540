"""transcribe-batch on this machine: windows cut at pauses and stitched back, resume, bad inputs, atomic writes,
usage errors (course_utils/batch; taught in notebooks/09_batch_transcription.ipynb)."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest
import whisper

import course_utils as cu
from course_utils.__main__ import main as course_main
from course_utils.batch import cli, outputs
from course_utils.batch.local import Job, transcribe_files
from course_utils.batch.windows import Stitcher, cut_points, cut_windows, segments_of

SR = cu.SAMPLE_RATE
SHORT = ("librivox_2", "librivox_5")  # 3 s each: the fastest real speech


@pytest.fixture
def inputs(tmp_path):
    """A folder with two short real recordings, a text file named .wav and an empty .mp3."""
    folder = tmp_path / "in"
    folder.mkdir()
    for clip_id in SHORT:
        shutil.copy(cu.clip(clip_id).path, folder)
    (folder / "notes.wav").write_text("not audio")
    (folder / "empty.mp3").write_bytes(b"")
    return folder


def run(capsys, *argv) -> tuple[int, dict, str]:
    """Run transcribe-batch with --json: exit status, the summary (the last line printed), stderr."""
    status = course_main(["transcribe-batch", *map(str, argv), "--json"])
    captured = capsys.readouterr()
    return status, json.loads(captured.out.strip().splitlines()[-1]), captured.err


def test_windows_end_at_the_quietest_point_and_cover_the_audio():
    rng = np.random.default_rng(0)
    audio = rng.uniform(-0.5, 0.5, 70 * SR).astype(np.float32)
    audio[27 * SR : 27 * SR + SR // 10] = 0  # a 0.1 s pause inside the last 5 s of the first window
    starts = cut_points(audio)
    assert 27 * SR <= starts[1] < 27 * SR + SR // 10
    windows = cut_windows("noise", audio)
    assert [w.index for w in windows] == list(range(len(windows))) and {w.count for w in windows} == {len(windows)}
    assert all(len(w.samples) <= 30 * SR for w in windows)
    assert np.array_equal(np.concatenate([w.samples for w in windows]), audio)  # nothing lost, nothing twice
    assert cut_points(audio[: 30 * SR]) == [0]  # 30 s fit in one window


def test_segments_are_read_from_timestamp_tokens_and_shifted():
    tokenizer = whisper.tokenizer.get_tokenizer(False)
    begin = tokenizer.timestamp_begin
    hello, there = tokenizer.encode(" hello"), tokenizer.encode(" there")
    result = whisper.DecodingResult(
        audio_features=None,
        language="en",
        tokens=[begin, *hello, begin + 120, begin + 120, *there],
        no_speech_prob=0.01,
        avg_logprob=-0.2,
    )
    segments = segments_of(result, tokenizer, start_s=30.0, end_s=41.0)
    assert segments == [{"start": 30.0, "end": 32.4, "text": " hello"}, {"start": 32.4, "end": 41.0, "text": " there"}]
    silent = whisper.DecodingResult(
        audio_features=None, language="en", tokens=[begin, *hello, begin + 5], no_speech_prob=0.9, avg_logprob=-1.5
    )
    assert segments_of(silent, tokenizer, 0.0, 30.0) == []  # as model.transcribe skips a silent window


def test_stitcher_waits_for_every_window_and_gives_a_recording_once():
    stitcher = Stitcher()
    second = [{"start": 30.0, "end": 31.0, "text": " two"}]
    assert stitcher.add("a", 1, 2, second, "en") is None
    assert stitcher.add("a", 1, 2, second, "en") is None  # a retried window counts once
    result = stitcher.add("a", 0, 2, [{"start": 0.0, "end": 1.0, "text": " one"}], "en")
    assert result["text"] == " one two" and [s["id"] for s in result["segments"]] == [0, 1]
    assert stitcher.add("a", 0, 2, [], "en") is None  # done: never given twice


def test_a_long_recording_is_stitched_in_order_and_batching_keeps_the_text(tiny_en, tmp_path):
    pause = np.zeros(16 * SR, np.float32)
    speech = [cu.load_audio(cu.clip(c).path) for c in ("jfk", "librivox_5", "librivox_2")]
    long = np.concatenate([speech[0], pause, speech[1], pause[: 2 * SR], speech[2]])  # 35 s: two windows
    path = cu.save_wav(tmp_path / "long.wav", long)
    results = {size: next(transcribe_files(tiny_en, [Job("long", path)], size)).result for size in (1, 2)}
    result = results[2]
    starts = [s["start"] for s in result["segments"]]
    assert starts == sorted(starts) and result["segments"][-1]["end"] <= len(long) / SR + 0.01
    assert max(starts) >= cut_points(long)[1] / SR >= 25  # the second window's segments are in the recording's time
    text = result["text"].lower()
    assert text.count("country") == 2 and "amiable" in text and "young man" in text
    assert results[1]["text"] == results[2]["text"]  # a batch of two windows gives the text of one at a time


def test_bad_inputs_are_listed_and_the_others_transcribed_then_a_rerun_skips_them(capsys, inputs, tmp_path):
    out = tmp_path / "out"
    status, summary, err = run(capsys, inputs, "--out", out, "--batch-size", 2)
    assert status == 1
    assert (summary["files_ok"], summary["files_failed"], summary["files_skipped"]) == (2, 2, 0)
    assert summary["audio_s"] == pytest.approx(sum(cu.clip(c).duration for c in SHORT), abs=0.05)
    assert "notes.wav is not audio" in err and "empty.mp3 is empty" in err and "Traceback" not in err
    errors = (out / outputs.ERRORS_CSV).read_text().splitlines()
    assert errors[0] == "input,error" and len(errors) == 3
    for clip_id in SHORT:
        result = json.loads((out / f"{clip_id}.json").read_text())
        assert set(result) == {"text", "segments", "language"} and result["language"] == "en"
        assert (out / f"{clip_id}.srt").read_text().startswith("1\n00:00:00,000 --> ")
    assert "young man" in json.loads((out / "librivox_2.json").read_text())["text"]
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    (out / "librivox_5.json").unlink()  # as if the run had been killed before writing it
    status, summary, _ = run(capsys, inputs, "--out", out)
    assert (summary["files_ok"], summary["files_failed"], summary["files_skipped"]) == (1, 2, 1)
    assert (out / "librivox_2.json").stat().st_mtime_ns == stamps["librivox_2.json"]  # not written again


def test_a_run_killed_mid_way_keeps_what_it_finished_and_leaves_nothing_half_written(tmp_path, monkeypatch):
    jobs = cli.find_jobs([cu.clip(c).path for c in SHORT])
    out = tmp_path / "out"
    real_replace, renamed = os.replace, []

    def crash_on_second_file(source, target):
        if len(renamed) == 2:  # the first file's SRT and JSON are in place: die while writing the second's
            raise KeyboardInterrupt
        renamed.append(target)
        real_replace(source, target)

    monkeypatch.setattr(outputs.os, "replace", crash_on_second_file)
    with pytest.raises(KeyboardInterrupt):
        cli.transcribe_batch(jobs, out, batch_size=1, progress=False)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["librivox_2.json", "librivox_2.srt"]
    monkeypatch.setattr(outputs.os, "replace", real_replace)
    summary = cli.transcribe_batch(jobs, out, batch_size=1, progress=False)
    assert (summary["files_ok"], summary["files_skipped"]) == (1, 1)
    assert sorted(p.name for p in out.iterdir()) == [f"{c}.{e}" for c in SHORT for e in ("json", "srt")]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--batch-size", "0"], "--batch-size 0"),
        (["--model", "tiny.eng"], "Unknown model"),
        (["--language", "fr"], "English-only"),
        (["--language", "xx"], "Unknown --language"),
        (["--address", "127.0.0.1:6379"], "add --engine ray"),
    ],
)
def test_usage_errors_are_one_line_and_exit_status_2(capsys, inputs, tmp_path, argv, message):
    assert course_main(["transcribe-batch", str(inputs), "--out", str(tmp_path / "out"), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and err.count("\n") == 0 and err.startswith("python -m course_utils transcribe-batch")


def test_missing_inputs_an_empty_folder_and_clashing_names_are_usage_errors(capsys, inputs, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.wav").write_text("x")
    for paths, message in [
        ([tmp_path / "missing.wav"], "No such file or folder"),
        ([tmp_path / "empty"], "holds no audio file"),
        ([inputs / "notes.wav", tmp_path / "notes.wav"], "Two inputs would both be written as notes.json"),
    ]:
        assert course_main(["transcribe-batch", *map(str, paths), "--out", str(tmp_path / "out")]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and err.count("\n") == 0
