"""The checkers of notebook 09: the placeholder gets the gentle first hint, wrong answers (an off-by-one, an
upside-down ratio, right totals by a wrong path) are rejected, and the right answer passes."""

from __future__ import annotations

from checker_output import accepts, said
from whisper.audio import N_SAMPLES

from course_utils.audio import SAMPLE_RATE
from course_utils.exercises import nb09
from course_utils.streams import STREAM_S, cut_points


def test_streams(capsys):
    lecture = nb09.lecture()
    assert len(cut_points(lecture, STREAM_S * SAMPLE_RATE)) == 3  # about 1368 s: two full streams and the rest
    windows = len(cut_points(lecture, N_SAMPLES))
    assert "Set streams_in_lecture" in said(capsys, nb09.check_streams, None)
    assert accepts(capsys, nb09.check_streams, 3)
    for wrong in [2, 4, nb09.LECTURE_REPEATS, windows, "three"]:  # off by one either way, copies, 30 s windows
        assert not accepts(capsys, nb09.check_streams, wrong), wrong
    assert "left over" in said(capsys, nb09.check_streams, 2)
    assert "30 s windows" in said(capsys, nb09.check_streams, windows)
    assert "one stretch" in said(capsys, nb09.check_streams, nb09.LECTURE_REPEATS)


def test_throughput(capsys):
    assert "Set throughput" in said(capsys, nb09.check_throughput, None)
    assert accepts(capsys, nb09.check_throughput, 7.5)
    for wrong in [1 / 7.5, 156, 7, 8]:  # upside down (a real-time factor), a difference, rounded either way
        assert not accepts(capsys, nb09.check_throughput, wrong), wrong
    assert "Upside down" in said(capsys, nb09.check_throughput, 24 / 180)
