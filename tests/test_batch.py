"""transcribe-batch on this machine: the default multilingual model, resume by content, any file name, the --out
folder checked first, long recordings read in pieces, times inside the audio, bad inputs, a killed run resumed,
usage errors (course_utils/batch; taught in notebooks/09_batch_transcription.ipynb)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import course_utils as cu
from course_utils.__main__ import main as course_main
from course_utils.batch import cli, outputs
from course_utils.transcribe import PIECE_S, speech_pieces, transcribe_batch
from course_utils.wer import word_error_rate

SR = cu.SAMPLE_RATE
SHORT = ("librivox_2", "librivox_5")  # 3 s each: the fastest real speech
ONE_WINDOW_EN = (
    "jfk",
    "librivox_1",
    "librivox_2",
    "librivox_3",
    "librivox_4",
    "librivox_5",
    "prompt_en_1",
    "prompt_en_2",
)
LONG_EN = ("long_speech", "dense_speech")
# data/clips but LONG_EN (three minutes, compared with cu.transcribe below) and all but one song under noise (slow:
# Whisper decodes their windows again at higher temperatures), for the archive run: every language, speech, songs
ARCHIVE = [
    c.id for c in cu.clips() if c.id not in LONG_EN and (not c.id.startswith("mix_") or c.id == "mix_sakura_0db")
]
REPO = Path(__file__).resolve().parent.parent
MAX_REPEATS = 5  # no SRT cue may say one word more than this many times in a row


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


def result_of(out: Path, name: str) -> dict:
    return json.loads((out / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def clips_run(tmp_path_factory) -> Path:
    """transcribe-batch on the ARCHIVE clips with the default model (base), once for the module."""
    folder = tmp_path_factory.mktemp("clips")
    for clip_id in ARCHIVE:
        shutil.copy(cu.clip(clip_id).path, folder)
    out = tmp_path_factory.mktemp("clips_out")
    assert course_main(["transcribe-batch", str(folder), "--out", str(out)]) == 0
    return out


def test_the_default_model_writes_each_recordings_own_language(clips_run):
    for clip in map(cu.clip, ARCHIVE):
        result = result_of(clips_run, clip.id)
        assert result["language"] == clip.language, clip.id
        assert result["source"]["model"] == "base"
        if clip.id.startswith("prompt_") and clip.language != "en":  # their own language's words, not English
            assert word_error_rate(clip.transcript, result["text"], clip.language).wer < 0.5, clip.id


def test_no_cue_repeats_a_word_more_than_five_times(clips_run):
    for srt in clips_run.glob("*.srt"):
        for cue in srt.read_text(encoding="utf-8").split("\n\n"):
            words = " ".join(cue.splitlines()[2:]).lower().split()
            runs = [len(list(group)) for group in _groups(words)]
            assert max(runs, default=0) <= MAX_REPEATS, (srt.name, cue)


def _groups(words: list[str]) -> list[list[str]]:
    groups: list[list[str]] = []
    for word in words:
        if groups and groups[-1][0] == word:
            groups[-1].append(word)
        else:
            groups.append([word])
    return groups


def test_batch_and_cu_transcribe_agree_on_the_english_clips(tiny_en):
    paths = {c: cu.clip(c).path for c in ONE_WINDOW_EN + LONG_EN}
    batched = dict(transcribe_batch(tiny_en, paths.items(), batch_size=4))
    for clip_id, path in paths.items():
        alone = cu.transcribe(tiny_en, path)["text"]
        if clip_id in ONE_WINDOW_EN:
            assert batched[clip_id]["text"] == alone, clip_id
        else:
            reference = cu.clip(clip_id).transcript
            gap = word_error_rate(reference, batched[clip_id]["text"]).wer
            assert abs(gap - word_error_rate(reference, alone).wer) <= 0.03, clip_id


def test_a_recording_is_read_in_pieces_and_speech_across_a_cut_is_kept_whole(tiny_en):
    speech = cu.load_audio(cu.clip("jfk").path)
    audio = np.zeros((PIECE_S + 60) * SR, np.float32)
    across = (PIECE_S - 5) * SR  # JFK's 11 s from 5 s before the first piece's end
    audio[: len(speech)] = speech
    audio[across : across + len(speech)] = speech
    asked = []

    def read(start: int, count: int) -> np.ndarray:
        asked.append(count)
        return audio[start : start + count]

    pieces = list(speech_pieces(read))
    assert max(asked) == PIECE_S * SR and len(pieces) == 2  # never the whole recording at once
    (first, _, kept), (second, _, regions) = pieces
    assert all(end < PIECE_S - 5 for _, end in kept)  # the speech across the cut is not in the first piece...
    assert across - SR <= second <= across + SR and regions[0][0] == 0.0  # ...but whole in the second
    result = dict(transcribe_batch(tiny_en, [("long", audio)]))["long"]
    assert result["text"].lower().count("country") == 4 and result["duration"] == len(audio) / SR
    assert min(s["start"] for s in result["segments"] if s["start"] > 100) >= across / SR - 1


def test_times_stay_inside_short_recordings(capsys, tmp_path):
    audio = cu.load_audio(cu.clip("librivox_2").path)
    folder = tmp_path / "in"
    folder.mkdir()
    for length_s in (0.05, 1.0):  # 1 s: " He was not." ended at 2.0 s before
        cu.save_wav(folder / f"cut_{length_s}.wav", audio[: round(length_s * SR)])
    status, _, _ = run(capsys, folder, "--out", tmp_path / "out", "--model", "tiny.en")
    assert status == 0
    for length_s in (0.05, 1.0):
        result = result_of(tmp_path / "out", f"cut_{length_s}")
        assert all(s["start"] <= s["end"] <= length_s for s in result["segments"])
    assert result["text"].strip()


def test_digital_silence_over_three_pieces_writes_no_words(capsys, tmp_path):
    silence = tmp_path / "silence.flac"
    seconds = 2 * PIECE_S + 60  # two whole pieces and part of a third
    command = [cu.audio.ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono"]
    subprocess.run([*command, "-t", str(seconds), "-c:a", "flac", str(silence)], check=True)
    status, summary, _ = run(capsys, silence, "--out", tmp_path / "out", "--model", "tiny.en")
    result = result_of(tmp_path / "out", "silence")
    assert status == 0 and summary["audio_s"] == pytest.approx(seconds, abs=0.1)
    assert result["text"] == "" and result["segments"] == []
    assert (tmp_path / "out" / "silence.srt").read_text() == ""


def test_bad_inputs_and_unwritable_outputs_are_listed_and_the_others_transcribed(capsys, inputs, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "librivox_5.srt").mkdir()  # a folder in the way of one output
    status, summary, err = run(capsys, inputs, "--out", out, "--batch-size", 2, "--model", "tiny.en")
    assert status == 1
    assert (summary["files_ok"], summary["files_failed"], summary["files_skipped"]) == (1, 3, 0)
    assert "notes.wav is not audio" in err and "empty.mp3 is empty" in err and "Traceback" not in err
    assert "could not write librivox_5.json and librivox_5.srt" in err
    errors = (out / outputs.ERRORS_CSV).read_text().splitlines()
    assert errors[0] == "input,error" and len(errors) == 4
    result = result_of(out, "librivox_2")
    assert set(result) == {"text", "segments", "language", "duration", "source"} and result["language"] == "en"
    assert "young man" in result["text"] and result["source"]["sha256"] == outputs.file_sha256(
        inputs / "librivox_2.flac"
    )
    assert (out / "librivox_2.srt").read_text().startswith("1\n00:00:00,000 --> ")
    (out / "librivox_5.srt").rmdir()
    stamp = (out / "librivox_2.json").stat().st_mtime_ns
    status, summary, _ = run(capsys, inputs, "--out", out, "--model", "tiny.en")
    assert (summary["files_ok"], summary["files_failed"], summary["files_skipped"]) == (1, 2, 1)
    assert (out / "librivox_2.json").stat().st_mtime_ns == stamp  # not written again


def test_resume_goes_by_content_and_model_and_never_overwrites_another_recording(capsys, tmp_path):
    first, second, out = tmp_path / "a" / "talk.flac", tmp_path / "b" / "talk.flac", tmp_path / "out"
    for path, clip_id in ((first, "librivox_2"), (second, "librivox_5")):
        path.parent.mkdir()
        shutil.copy(cu.clip(clip_id).path, path)
    assert run(capsys, first, "--out", out, "--model", "tiny.en")[1]["files_ok"] == 1
    old = (out / "talk.json").read_text(encoding="utf-8")
    status, summary, _ = run(capsys, second, "--out", out, "--model", "tiny.en")  # another recording, the same name
    beside = f"talk~{outputs.file_sha256(second)[: outputs.HASH_CHARS]}"
    assert status == 0 and summary["files_ok"] == 1 and summary["names_reused"] == {"talk": beside}
    assert (out / "talk.json").read_text(encoding="utf-8") == old  # the old output is kept
    assert "amiable" in result_of(out, beside)["text"] and result_of(out, beside)["source"]["name"] == "talk"
    assert f"talk holds a different recording: written as {beside}" in (out / outputs.ERRORS_CSV).read_text()
    assert run(capsys, second, "--out", out, "--model", "tiny.en")[1]["files_skipped"] == 1  # done, found again
    status, summary, _ = run(capsys, first, "--out", out, "--model", "base", "--language", "English")
    assert summary["files_ok"] == 1 and summary["names_reused"] == {}  # a changed model does the file again
    assert result_of(out, "talk")["source"]["model"] == "base" and result_of(out, "talk")["source"]["options"] == {
        "language": "en",
        "plain": False,
    }


def test_any_name_the_file_system_allows(capsys, tmp_path):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    longest = tmp_path / ("é" * 127 + "x")  # a 255-byte name (no suffix: ffmpeg reads the content)
    shutil.copy(cu.clip("librivox_2").path, longest)
    stems = [longest.name, "a name with spaces", "-starts-with-a-dash", "日本語の録音"]
    for stem in stems[1:]:
        shutil.copy(cu.clip("librivox_2").path, folder / f"{stem}.flac")
    status, summary, _ = run(capsys, longest, folder, "--out", out, "--model", "tiny.en")
    assert status == 0 and summary["files_ok"] == len(stems)
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 2 * len(stems) and all(len(name.encode()) <= 255 for name in written)
    for stem in stems:
        name = outputs.output_name(stem)
        assert result_of(out, name)["source"]["name"] == stem and (out / f"{name}.srt").is_file()
    assert outputs.output_name(stems[0]) != stems[0] and outputs.output_name(stems[1]) == stems[1]
    assert run(capsys, longest, folder, "--out", out, "--model", "tiny.en")[1]["files_skipped"] == len(stems)


@pytest.mark.parametrize(
    "where, message",
    [
        (lambda tmp: tmp / "a-file" / "out", "lies under a file"),
        (lambda tmp: tmp / "a-file", "is a file"),
        (lambda tmp: tmp / "missing" / "out", "does not exist: create it first"),
        (lambda tmp: Path("/proc/whisper-lab-out"), "cannot write there"),
    ],
)
def test_the_out_folder_is_checked_before_the_model_loads(capsys, monkeypatch, inputs, tmp_path, where, message):
    (tmp_path / "a-file").write_text("x")
    monkeypatch.setattr(cu.models, "load_model", lambda *_: pytest.fail("the model was loaded"))
    out = where(tmp_path)
    assert course_main(["transcribe-batch", str(inputs / "librivox_2.flac"), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and str(out) in err and err.count("\n") == 0 and "Traceback" not in err


def test_a_killed_run_leaves_whole_files_and_the_next_does_only_the_rest(capsys, tmp_path):
    clips = ("librivox_2", "librivox_5", "librivox_3", "librivox_1", "librivox_4", "prompt_en_2")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "course_utils", "transcribe-batch", *(str(cu.clip(c).path) for c in clips)]
    process = subprocess.Popen([*command, "--out", str(out), "--model", "tiny.en", "--batch-size", "1"], cwd=REPO)
    while process.poll() is None and not list(out.glob("*.json")):
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)  # while it writes the next outputs
    process.wait()
    done = {p.stem: p.stat().st_mtime_ns for p in out.glob("*.json")}
    assert 1 <= len(done) < len(clips)
    for name in done:
        assert result_of(out, name)["text"].strip() and (out / f"{name}.srt").read_text().startswith("1\n")
    status, summary, _ = run(capsys, *(cu.clip(c).path for c in clips), "--out", out, "--model", "tiny.en")
    assert status == 0 and (summary["files_skipped"], summary["files_ok"]) == (len(done), len(clips) - len(done))
    assert {p.stem: p.stat().st_mtime_ns for p in out.glob("*.json") if p.stem in done} == done
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{c}.{e}" for c in clips for e in ("json", "srt"))


def test_help_and_summary_say_an_english_only_model_hears_english_only(capsys):
    with pytest.raises(SystemExit):
        course_main(["transcribe-batch", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "default base, multilingual" in text and "hears English only" in text
    summary = {"files_ok": 1, "files_failed": 0, "files_skipped": 0, "audio_s": 6.0, "wall_s": 2.0}
    line = cli.summary_line({**summary, "names_reused": {}, "model": "tiny.en", "english_only": True})
    assert "3.0 x faster than real time" in line and "tiny.en hears English only" in line
    assert cli.speed_words(1.0, 4.0) == "4.0 x slower than real time"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--batch-size", "0"], "--batch-size 0"),
        (["--model", "tiny.eng"], "Unknown model"),
        (["--model", "tiny.en", "--language", "fr"], "English-only"),
        (["--model", "tiny.en", "--language", "French"], "English-only"),
        (["--language", "xx"], "Unknown language 'xx'"),
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
