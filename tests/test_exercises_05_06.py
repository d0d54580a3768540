"""The checkers of notebooks 05 and 06: the placeholder gets the gentle first hint, wrong answers (an off-by-one,
an upside-down ratio, right totals by a wrong path) are rejected, and the right answer passes."""

from __future__ import annotations

import pytest
from checker_output import accepts, said

from course_utils.audio import SAMPLE_RATE
from course_utils.exercises import nb05, nb06
from course_utils.live.sources import CHUNK_S, DEVICE_BUFFER_S

# -- Notebook 05 ---------------------------------------------------------------------------------------------


def test_buffer_accounting_matches_the_library_buffer(capsys):
    start, end, held = nb05.buffer_after_trims()
    assert (start, end, held) == (32_000, 40_000, 8_000)  # by hand: trimmed at 2.0 s, ten chunks of 4 000
    assert "Set answer" in said(capsys, nb05.check_buffer_accounting, None)
    assert accepts(capsys, nb05.check_buffer_accounting, (32_000, 40_000, 8_000))
    for wrong in [
        (12_800, 40_000, 27_200),  # right total (start + held = end) by a wrong path: only the first trim
        (32_000, 8_000, 8_000),  # end after trimming
        (8_000, 40_000, 32_000),  # upside-down: start and held swapped
        (32_001, 40_000, 7_999),  # off by one
        (32_000, 40_000, 7_999),  # held off by one
        ("a", "b", "c"),
    ]:
        assert not accepts(capsys, nb05.check_buffer_accounting, wrong), wrong
    assert "swapped" in said(capsys, nb05.check_buffer_accounting, (8_000, 40_000, 32_000))


def right_agreement(a, b, c):
    n = 0
    while n < min(len(a), len(b), len(c)) and a[n] == b[n] == c[n]:
        n += 1
    return c[:n]


def test_local_agreement_3(capsys):
    def placeholder(a, b, c):
        return None

    def two_passes(a, b, c):  # LocalAgreement-2: forgets the oldest pass
        n = 0
        while n < min(len(b), len(c)) and b[n] == c[n]:
            n += 1
        return c[:n]

    def one_too_many(a, b, c):  # off by one: includes the first word where they differ
        return c[: len(right_agreement(a, b, c)) + 1]

    def crashes(a, b, c):
        return a[10]

    assert "returns None" in said(capsys, nb05.check_local_agreement_3, placeholder)
    assert accepts(capsys, nb05.check_local_agreement_3, right_agreement)
    for wrong in (two_passes, one_too_many, crashes, lambda a, b, c: []):
        assert not accepts(capsys, nb05.check_local_agreement_3, wrong), wrong
    assert nb05.agreed_by_three(["ask", "not"], ["ask", "knot"], ["ask", "not", "what"]) == ["ask"]


def test_speech_gate(capsys):
    assert "Set answer" in said(capsys, nb05.check_speech_gate, None)
    assert accepts(capsys, nb05.check_speech_gate, {"a", "f"})
    assert accepts(capsys, nb05.check_speech_gate, ["A", "f"])
    wrong_answers = {
        "only Whisper's own rule": {"a", "c", "d", "e", "f"},
        "forgets the doubt rule": {"a", "c", "f"},
        "upside-down": {"b", "c", "d", "e"},
        "one too few": {"a"},
        "everything": set(nb05.GATE_SEGMENTS),
        "a letter that is not there": {"a", "f", "z"},
    }
    for name, wrong in wrong_answers.items():
        assert not accepts(capsys, nb05.check_speech_gate, wrong), name
    assert "c:" in said(capsys, nb05.check_speech_gate, {"a", "c", "f"})


# -- Notebook 06 ---------------------------------------------------------------------------------------------


def test_dropped_samples_come_from_the_sound_card(capsys):
    expected = round((nb06.BLOCKED_S - DEVICE_BUFFER_S) * SAMPLE_RATE)
    assert nb06.dropped_when_blocked() == expected == 24_000
    assert "Set dropped" in said(capsys, nb06.check_dropped_samples, None)
    assert accepts(capsys, nb06.check_dropped_samples, 24_000)
    for wrong in (56_000, 32_000, 24_001, 23_999, 1.5, "many"):  # all lost, upside-down, off by one, seconds
        assert not accepts(capsys, nb06.check_dropped_samples, wrong), wrong
    assert "seconds" in said(capsys, nb06.check_dropped_samples, 1.5)
    assert nb06.dropped_when_blocked(1.0) == 0  # back within what the card holds: nothing lost


def test_latest_read(capsys):
    expected = 1000 * (DEVICE_BUFFER_S - CHUNK_S) / nb06.LATE_SPEED
    assert nb06.latest_read_ms() == expected == 250
    assert "Set late_ms" in said(capsys, nb06.check_latest_read, None)
    assert accepts(capsys, nb06.check_latest_read, 250)
    for wrong in (500, 1000, 4000, 0.25, 251, 249, "soon"):  # forgets the chunk, the speed, upside-down speed
        assert not accepts(capsys, nb06.check_latest_read, wrong), wrong
    assert "divide by the speed" in said(capsys, nb06.check_latest_read, 4000)


def test_pick_the_tool(capsys):
    assert "Set answer" in said(capsys, nb06.check_pick_the_tool, None)
    assert accepts(capsys, nb06.check_pick_the_tool, dict(nb06.BEST))
    wrong_answers = [
        {"a": "threads", "b": "asyncio + to_thread", "c": "threads"},  # threads for pure Python
        {"a": "processes", "b": "processes", "c": "processes"},  # processes everywhere
        {"a": "asyncio + to_thread", "b": "threads", "c": "processes"},  # a and b upside-down
        {"a": "threads", "b": "asyncio + to_thread"},  # one missing
        {"a": "threads", "b": "asyncio", "c": "processes"},  # not a choice
    ]
    for wrong in wrong_answers:
        assert not accepts(capsys, nb06.check_pick_the_tool, wrong), wrong


@pytest.mark.parametrize("module", [nb05, nb06])
def test_checkers_print_through_feedback(module):
    source = open(module.__file__, encoding="utf-8").read()
    assert "print(" not in source, "checkers print through course_utils.exercises.feedback"
