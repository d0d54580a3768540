"""course_utils.bench.wer: the bench-wer command on a teacher's manifest with tiny.en, and its error messages."""

import contextlib
import csv
import io
import os

import pytest

import course_utils as cu
from course_utils.__main__ import main as course_utils_main
from course_utils.bench import wer as bench_wer
from course_utils.models import count_parameters, memory_shortfall

TEACHER_COLUMNS = ("id", "file", "language", "kind", "duration", "transcript")  # no licence, source or mix level


def _write_manifest(path, rows, columns=TEACHER_COLUMNS):
    """A manifest at ``path`` whose rows are dictionaries of cells (absent cells are left blank)."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(column, "") for column in columns])
    return path


def _teacher_row(clip, folder, **cells):
    """``clip`` as a teacher writes it: its file relative to the manifest's ``folder``, the duration blank."""
    return {
        "id": clip.id,
        "file": os.path.relpath(clip.path, folder),
        "language": clip.language,
        "transcript": clip.transcript,
        **cells,
    }


@pytest.fixture(scope="module")
def two_clips():
    """The shortest bundled English speech clip, and the shortest clip in another language."""
    english = min(cu.clips(kind="speech", language="en"), key=lambda c: c.duration)
    other = min((c for c in cu.clips() if c.language != "en"), key=lambda c: c.duration)
    return [english, other]


@pytest.fixture(scope="module")
def bench_out(tmp_path_factory, two_clips):
    """bench-wer on a teacher's manifest: blank durations and kinds, no licence or source, a row whose file is
    missing and a row whose file is not audio. Returns the output folder, the rows of wer.csv and stderr."""
    folder = tmp_path_factory.mktemp("bench")
    (folder / "notes.txt").write_text("not audio", encoding="utf-8")
    rows = [
        _teacher_row(two_clips[0], folder),
        {"id": "gone", "file": "recordings/gone.wav", "language": "en", "transcript": "hello"},
        _teacher_row(two_clips[1], folder, kind=two_clips[1].kind),
        {"id": "notes", "file": "notes.txt", "language": "en", "duration": "3", "transcript": "hello"},
    ]
    manifest = _write_manifest(folder / "clips.csv", rows)
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = course_utils_main(
            ["bench-wer", "--manifest", str(manifest), "--models", "tiny.en", "--out", str(folder / "out")]
        )
    assert code == 0, stderr.getvalue()
    with (folder / "out" / "wer.csv").open(encoding="utf-8") as file:
        return folder / "out", list(csv.DictReader(file)), stderr.getvalue()


def test_wer_csv_has_the_columns_in_order_and_a_row_per_clip_and_model(bench_out, two_clips):
    out, rows, _ = bench_out
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


def test_rows_that_cannot_be_measured_are_named_in_one_line_each(bench_out, tmp_path):
    stderr = bench_out[2]
    left_out = [line for line in stderr.splitlines() if line.startswith("Leaving out")]
    assert len(left_out) == 2, stderr
    assert left_out[0].startswith("Leaving out clips.csv line 3: no audio file at ") and "gone.wav" in left_out[0]
    assert left_out[1].startswith("Leaving out clips.csv, clip notes: ") and "not audio that ffmpeg" in left_out[1]


def test_english_speech_is_transcribed_and_scored(bench_out, two_clips):
    english = bench_out[1][0]
    assert float(english["wer"]) < 0.3
    assert float(english["seconds"]) > 0 and float(english["rtf"]) > 0
    assert english["hypothesis"] and english["note"] == ""
    assert english["kind"] == "speech"  # blank in the manifest
    assert abs(float(english["duration"]) - two_clips[0].duration) < 0.05
    assert int(english["parameters"]) == sum(p.numel() for p in cu.load_model("tiny.en").parameters())


def test_english_only_model_on_another_language_is_skipped_explicitly(bench_out):
    other = bench_out[1][1]
    assert other["wer"] == "" and other["hypothesis"] == ""
    assert other["note"] == "skipped: English-only model"


def test_plots_are_written(bench_out):
    for name in bench_wer.PLOTS:
        assert (bench_out[0] / name).stat().st_size > 1000


def test_a_blank_duration_is_measured_and_a_bad_row_is_named(tmp_path, two_clips):
    clip = two_clips[0]
    manifest = _write_manifest(tmp_path / "mine.csv", [_teacher_row(clip, tmp_path), {"id": "x", "file": "x.wav"}])
    problems = []
    (read,) = cu.read_manifest(manifest, problems)
    assert read.path == clip.path and read.kind == "speech" and read.licence == ""
    assert abs(read.duration - clip.duration) < 0.05
    assert problems == ["mine.csv line 3: language left blank"]  # no kind, no transcript: silence, as nonspeech.csv
    with pytest.raises(ValueError, match="mine.csv line 3: language left blank"):
        cu.read_manifest(manifest)


@pytest.mark.parametrize(
    "columns, rows, expected",
    [
        (("id", "file", "language"), [{}], "lacks the column(s) transcript. A manifest needs id, file, language"),
        (TEACHER_COLUMNS, [], "lists no clip that can be measured"),
        (
            TEACHER_COLUMNS,
            [{"id": "a", "file": "a.wav", "language": "en", "transcript": "hi"}],
            "lists no clip that can be measured",
        ),
    ],
)
def test_a_manifest_that_cannot_be_used_is_one_line(tmp_path, capsys, columns, rows, expected):
    manifest = _write_manifest(tmp_path / "clips.csv", rows, columns)
    code = course_utils_main(
        ["bench-wer", "--manifest", str(manifest), "--models", "tiny.en", "--out", str(tmp_path / "out")]
    )
    assert code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("python -m course_utils bench-wer: error: ") and expected in error
    assert not (tmp_path / "out").exists()


def test_parameters_are_counted_from_the_dimensions(bench_out):
    assert count_parameters("tiny.en") == int(bench_out[1][0]["parameters"])
    counts = [count_parameters(name) for name in ("tiny", "base", "small", "medium", "turbo", "large-v3")]
    assert counts == sorted(counts) and count_parameters("tiny") > count_parameters("tiny.en")


def test_a_model_too_big_for_free_memory_is_left_out(monkeypatch, capsys):
    monkeypatch.setattr(cu.models, "available_memory", lambda device: 2_000_000_000)
    assert memory_shortfall("tiny.en", "cpu") == ""
    assert memory_shortfall("large-v3", "cpu") == "large-v3 needs about 10.7 GB but cpu has 2.0 GB free"
    assert bench_wer.models_to_compare("cpu", ["tiny.en", "large-v3"]) == ["tiny.en"]
    assert capsys.readouterr().err == "Leaving out large-v3 needs about 10.7 GB but cpu has 2.0 GB free.\n"


def test_offline_the_course_compares_the_offline_models():
    assert bench_wer.models_to_compare("cpu") == list(cu.models.OFFLINE_SOURCES)
