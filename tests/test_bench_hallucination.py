"""python -m course_utils bench-hallucination: bad input is one line and exit status 2; rates, table and chart."""

import pytest

from course_utils import __main__ as cli_main
from course_utils.bench.hallucination import COLUMNS, Row, format_summary, read_rows, save_chart, summarize, write_rates
from course_utils.data import NONSPEECH_MANIFEST
from course_utils.formats import write_csv


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``python -m course_utils bench-hallucination ARGS``, run in this process."""
    status = cli_main.main(["bench-hallucination", *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--models", "tiny.en,huge", "--out", "OUT"], "Unknown model(s) huge"),
        (["--models", " , ", "--out", "OUT"], "--models names no model"),
        (["--manifest", "nothing.csv", "--out", "OUT"], "--manifest nothing.csv: no such file"),
        (["--jobs", "0", "--out", "OUT"], "--jobs 0: give 1 or more"),
        (["--cures", "kit,magic", "--out", "OUT"], "--cures kit,magic: unknown or none"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(tmp_path, capsys, args, message):
    status, out, err = run(capsys, *[str(tmp_path / "out") if a == "OUT" else a for a in args])
    assert status == 2 and out == "" and not (tmp_path / "out").exists()
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert err.startswith("python -m course_utils bench-hallucination: error:")


def test_a_manifest_without_transcripts_is_named(tmp_path, capsys):
    (tmp_path / "mine.csv").write_text("id,file,language\nx,x.flac,en\n")
    status, _, err = run(capsys, "--manifest", str(tmp_path / "mine.csv"), "--out", str(tmp_path / "out"))
    assert status == 2 and "lacks the column(s) transcript" in err


def rows() -> list[Row]:
    """Two models, two cures: plain Whisper writes 'you' on 2 of 4 silent clips, the cure on none."""
    out = []
    for model in ("tiny.en", "base"):
        for cure, texts in (("whisper", ["you", "you", "", ""]), ("kit", ["", "", "", ""])):
            out += [Row(f"s{i}", model, cure, "silence", t, len(t.split()), None, "") for i, t in enumerate(texts)]
            out.append(Row("gap", model, cure, "speech+silence", "hi there you", 1, 0.5, "hi there"))
            out.append(Row("clean", model, cure, "speech", "hi", 0, 0.0, "hi"))
    return out


def test_rates_have_wilson_intervals_and_the_csv_round_trips(tmp_path):
    table = summarize(rows())
    whisper = next(e for e in table if e["model"] == "base" and e["cure"] == "whisper")
    assert whisper["nonspeech"]["hits"] == 2 and whisper["nonspeech"]["rate"] == 50
    assert whisper["nonspeech"]["low"] == pytest.approx(15.0, abs=0.1) and whisper["nonspeech"][
        "high"
    ] == pytest.approx(85.0, abs=0.1)
    assert whisper["gaps_wer"] == 50 and whisper["clean_wer"] == 0
    kit = next(e for e in table if e["model"] == "base" and e["cure"] == "kit")
    assert kit["nonspeech"]["hits"] == 0 and kit["nonspeech"]["low"] == 0 and kit["nonspeech"]["high"] > 40
    text = format_summary(table)
    assert "2/4 = 50 % [15, 85]" in text and "0/4 = 0 % [0, 49]" in text
    assert read_rows(write_csv(rows(), COLUMNS, tmp_path / "h.csv")) == rows()
    assert "base,whisper,4,2,50.0,15.0,85.0" in write_rates(table, tmp_path / "r.csv").read_text()
    assert save_chart(table, tmp_path).stat().st_size > 10_000


def test_the_command_is_listed():
    assert cli_main.COMMANDS["bench-hallucination"] == "course_utils.bench.hallucination"
    assert "bench-hallucination" in cli_main.usage()


def test_a_teachers_manifest_runs_each_kind_of_cure_with_the_real_tiny_en(tmp_path, capsys):
    nonspeech = NONSPEECH_MANIFEST.parent / "nonspeech"
    (tmp_path / "mine.csv").write_text(
        f"id,file,language,transcript\nhush,{nonspeech / 'silence_30s.flac'},en,\n"
        f"tail,{nonspeech / 'librivox_2+silence.flac'},en,he was not an ill disposed young man\n"
    )
    status, out, _ = run(
        capsys,
        "--models",
        "tiny.en",
        "--cures",
        "whisper,thresholds,kit",
        "--manifest",
        str(tmp_path / "mine.csv"),
        "--out",
        str(tmp_path / "out"),
    )
    assert status == 0 and "Wrote" in out
    rows = {(r.clip, r.cure): r for r in read_rows(tmp_path / "out" / "hallucination.csv")}
    assert len(rows) == 6  # two clips, three cures: a run, a filter of that run, and cu.transcribe's default
    assert rows["hush", "whisper"].text.lower().strip(" .") == "you" and rows["hush", "whisper"].invented_words == 1
    assert rows["hush", "thresholds"].text == "" and rows["hush", "kit"].text == ""  # no_speech_prob 0.98 drops it
    assert rows["tail", "kit"].invented_words == 0 and rows["tail", "kit"].wer <= 0.25
