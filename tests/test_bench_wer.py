"""course_utils.bench_wer: the bench-wer command on a two-clip manifest with tiny.en, and its error messages."""

import csv

import pytest

import course_utils as cu
from course_utils import bench_wer
from course_utils.data import MANIFEST


def _write_manifest(path, clips, columns=bench_wer.MANIFEST_COLUMNS + ("music_to_voice_db",)):
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        for clip in clips:
            values = {**clip.__dict__, "file": str(clip.path), "music_to_voice_db": clip.music_to_voice_db or ""}
            writer.writerow([values[column] for column in columns])
    return path


@pytest.fixture(scope="module")
def two_clips():
    """The shortest bundled English speech clip, and the shortest clip in another language."""
    english = min(cu.clips(kind="speech", language="en"), key=lambda c: c.duration)
    other = min((c for c in cu.clips() if c.language != "en"), key=lambda c: c.duration)
    return [english, other]


@pytest.fixture(scope="module")
def bench_out(tmp_path_factory, two_clips):
    folder = tmp_path_factory.mktemp("bench")
    manifest = _write_manifest(folder / "clips.csv", two_clips)
    assert bench_wer.main(["--manifest", str(manifest), "--models", "tiny.en", "--out", str(folder / "out")]) == 0
    with (folder / "out" / "wer.csv").open(encoding="utf-8") as file:
        return folder / "out", list(csv.DictReader(file))


def test_wer_csv_has_the_columns_in_order_and_a_row_per_clip_and_model(bench_out, two_clips):
    out, rows = bench_out
    with (out / "wer.csv").open(encoding="utf-8") as file:
        header = next(csv.reader(file))
    assert header[:9] == [
        "clip_id",
        "model",
        "wer",
        "substitutions",
        "deletions",
        "insertions",
        "seconds",
        "rtf",
        "hypothesis",
    ]
    assert [(r["clip_id"], r["model"]) for r in rows] == [(c.id, "tiny.en") for c in two_clips]


def test_english_speech_is_transcribed_and_scored(bench_out):
    english = bench_out[1][0]
    assert float(english["wer"]) < 0.3
    assert float(english["seconds"]) > 0 and float(english["rtf"]) > 0
    assert english["hypothesis"] and english["note"] == ""
    assert int(english["parameters"]) == sum(p.numel() for p in cu.load_model("tiny.en").parameters())


def test_english_only_model_on_another_language_is_skipped_explicitly(bench_out):
    other = bench_out[1][1]
    assert other["wer"] == "" and other["hypothesis"] == ""
    assert other["note"] == "skipped: English-only model"


def test_plots_are_written(bench_out):
    for name in bench_wer.PLOTS:
        assert (bench_out[0] / name).stat().st_size > 1000


def test_missing_manifest_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit:
        bench_wer.main(["--manifest", str(tmp_path / "nope.csv"), "--models", "tiny.en", "--out", str(tmp_path)])
    assert exit.value.code == 2
    assert "No manifest at" in capsys.readouterr().err


def test_missing_columns_are_named(tmp_path, capsys, two_clips):
    manifest = _write_manifest(tmp_path / "clips.csv", two_clips, columns=("id", "file", "language"))
    with pytest.raises(SystemExit):
        bench_wer.main(["--manifest", str(manifest), "--models", "tiny.en", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert "lacks the column(s) kind, duration, transcript, licence, source" in err
    assert not (tmp_path / "out").exists()


def test_unknown_model_names_are_listed(tmp_path, capsys):
    with pytest.raises(SystemExit):
        bench_wer.main(["--manifest", str(MANIFEST), "--models", "tiny.en,huge", "--out", str(tmp_path)])
    assert "Unknown model(s) huge. Valid names:" in capsys.readouterr().err


def test_missing_audio_is_named(tmp_path, capsys, two_clips):
    manifest = _write_manifest(tmp_path / "clips.csv", two_clips)
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(str(two_clips[0].path), "gone.wav"), encoding="utf-8"
    )
    with pytest.raises(SystemExit):
        bench_wer.main(["--manifest", str(manifest), "--models", "tiny.en", "--out", str(tmp_path / "out")])
    assert "lists audio that does not exist" in capsys.readouterr().err


def test_a_model_too_big_for_free_memory_is_reported(monkeypatch):
    monkeypatch.setattr(bench_wer, "available_memory", lambda device: 2_000_000_000)
    assert bench_wer.memory_shortfall("tiny.en", "cpu") == ""
    assert bench_wer.memory_shortfall("large-v3", "cpu") == "large-v3 needs about 10.8 GB but cpu has 2.0 GB free"


def test_offline_the_course_compares_the_offline_models():
    assert bench_wer.models_to_compare("cpu") == list(cu.models.OFFLINE_SOURCES)
