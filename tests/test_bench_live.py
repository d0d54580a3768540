"""``python -m course_utils bench-live`` (course_utils.bench.live): latency alignment, targets, table, JSON."""

from __future__ import annotations

import json

import pytest

import course_utils as cu
from course_utils.bench import live as bench_live
from course_utils.live import Word
from course_utils.live.trace import read_trace


def word(text, end, committed_at=None):
    return Word(f" {text}", end - 0.3, end, committed_at)


def test_commit_latencies_match_words_by_alignment():
    reference = [word("and", 0.5), word("so", 0.9), word("my", 1.2), word("fellow", 1.7), word("Americans", 2.3)]
    committed = [
        word("And", 0.6, committed_at=3.0),
        word("so,", 1.0, committed_at=3.0),
        word("by", 1.2, committed_at=3.0),  # misheard: not timed
        word("fellow", 1.8, committed_at=4.5),
        word("Americans.", 2.3, committed_at=None),  # no clock: not timed
    ]
    assert bench_live.commit_latencies(committed, reference) == pytest.approx([2.5, 2.1, 2.8])
    assert bench_live.commit_latencies([], reference) == []


RESULT = {
    "dropped_samples": 0,
    "latency_median_s": 1.4,
    "latency_p95_s": 2.6,
    "rtf": 0.4,
    "max_buffer_s": 12.0,
    "wer_committed": 0.07,
    "wer_offline": 0.05,
    "wer_vs_offline": 0.04,
    "samples_recorded": 100,
    "samples_received": 100,
    "words_committed": 50,
    "words_timed": 48,
    "passes": 30,
    "recording_late_p95_ms": 3.0,
    "audio_s": 60.0,
    "wall_s": 61.0,
    "model": "tiny.en",
    "policy": "segment",
    "speed": 1.0,
    "committed_text": "...",
}


def test_targets_and_table():
    met = bench_live.check_targets(RESULT)
    assert met == {
        "dropped_samples": True,
        "latency_median_s": True,
        "latency_p95_s": False,
        "max_buffer_s": True,
        "wer_gap": True,
    }
    text = bench_live.table(RESULT)
    assert "commit latency p95 (s)                         2.6  <= 2.5       MISSED" in text
    assert "WER gap (committed - offline)                 +2.0  <= 2 points  ok" in text
    over = {**RESULT, "latency_median_s": 1.51, "wer_committed": 0.0701}  # just over tiny.en's bounds
    assert not bench_live.check_targets(over)["latency_median_s"] and not bench_live.check_targets(over)["wer_gap"]
    base = bench_live.check_targets({**RESULT, "model": "base", "wer_committed": 0.08})  # base: 2.5 s, 4 s, 3 points
    assert base["latency_median_s"] and base["latency_p95_s"] and base["wer_gap"]
    assert not bench_live.check_targets({**RESULT, "model": "base", "latency_p95_s": 4.01})["latency_p95_s"]
    small = bench_live.check_targets({**RESULT, "model": "small"})  # no latency target for other models
    assert small == {"dropped_samples": True, "max_buffer_s": True}
    small_table = bench_live.table({**RESULT, "model": "small"})
    assert next(line for line in small_table.splitlines() if line.startswith("commit latency p95")).endswith("2.6")
    no_reference = {**RESULT, "wer_committed": None, "wer_offline": None}
    assert bench_live.check_targets(no_reference)["wer_gap"] is None
    assert "WER gap" in bench_live.table(no_reference)


def test_at_another_speed_the_real_time_targets_are_not_checked():
    fast = {**RESULT, "speed": 4.0, "dropped_samples": 3}
    met = bench_live.check_targets(fast)
    assert met == {
        "dropped_samples": False,
        "latency_median_s": None,
        "latency_p95_s": None,
        "max_buffer_s": None,
        "wer_gap": None,
    }
    lines = bench_live.table(fast).splitlines()
    assert "MISSED" in next(line for line in lines if line.startswith("dropped samples"))
    for label in ("commit latency median (s)", "commit latency p95 (s)", "longest buffer (s)", "WER gap"):
        row = next(line for line in lines if line.startswith(label))
        assert row.endswith("not checked (targets hold at --speed 1)")


def test_help_is_complete_plain_text(capsys):
    with pytest.raises(SystemExit) as exit_:
        bench_live.main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "--audio" in out and "--reference" in out and "--json" in out and "minus the time its end" in out
    assert "``" not in out and "The targets below" not in out
    assert "Targets for tiny.en" in out and "Targets for base" in out
    assert "  commit latency p95 (s)         <= 2.5  (at --speed 1 only)" in out
    assert "  commit latency p95 (s)         <= 4  (at --speed 1 only)" in out
    assert "--trace FILE" in out and "--plot PNG" in out and "--clip ID" in out and "{sentences,segments}" in out
    assert out.rstrip().endswith("not checked (targets hold at --speed 1).")


def test_bench_live_json_on_jfk(tmp_path, capsys):
    jfk = cu.clip("jfk")
    reference = tmp_path / "jfk.txt"
    reference.write_text(jfk.transcript, encoding="utf-8")
    trace, plot = tmp_path / "trace.jsonl", tmp_path / "jfk.png"
    code = bench_live.main(
        [
            "--audio",
            str(jfk.path),
            "--reference",
            str(reference),
            "--speed",
            "4",
            "--json",
            "--trace",
            str(trace),
            "--plot",
            str(plot),
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    passes = read_trace(trace)
    assert len(passes) == result["passes"] and [p["pass"] for p in passes] == list(range(1, len(passes) + 1))
    assert sum(p["committed_words"] for p in passes) == result["words_committed"]
    assert all(p["agreed_words"] + p["forced_words"] == p["committed_words"] for p in passes)
    assert all(p["buffer_end_s"] - p["buffer_start_s"] == pytest.approx(p["buffer_s"], abs=0.002) for p in passes)
    assert all(p["began_wall_s"] == pytest.approx(p["began_at_s"] / 4, abs=0.001) for p in passes)
    assert " ".join(p["committed"] for p in passes if p["committed"]) == result["committed_text"]
    assert plot.stat().st_size > 10_000 and len(result["latencies_s"]) == result["words_timed"]
    assert {"latency_p95_s", "rtf", "wer_vs_offline", "words_timed", "committed_text"} <= set(result)
    assert result["dropped_samples"] == 0 and result["samples_received"] == result["samples_recorded"]
    assert result["max_buffer_s"] <= 20
    assert result["wer_committed"] < 0.3 and result["wer_offline"] < 0.3
    assert result["words_timed"] >= 15 and result["latency_median_s"] is not None


def test_bench_anchor_scores_simulstreaming_emissions_as_bench_live_scores_the_kit():
    from course_utils.bench import anchor

    lines = [
        "INFO a log line, not an emission",
        json.dumps({"start": 0.0, "end": 1.0, "text": " And so", "emission_time": 2.0}),
        json.dumps({"start": 1.0, "end": 2.0, "text": " my fellow Americans", "emission_time": 3.5}),
    ]
    words = anchor.emitted_words(lines)
    assert [w.text for w in words] == [" And", " so", " my", " fellow", " Americans"]
    reference = [word("and", 0.5), word("so", 0.9), word("my", 1.2), word("fellow", 1.7), word("Americans", 2.3)]
    result = anchor.score(words, reference, "and so my fellow americans")
    assert (result["latency_median_s"], result["latency_max_s"]) == (pytest.approx(1.5), pytest.approx(2.3))
    assert result["wer_committed"] == 0 and result["words_timed"] == 5
