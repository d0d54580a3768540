"""The checkers of notebooks/10_live_captions.ipynb accept the right answers and reject wrong ones (an upside-down
ratio, the worst case for the mean, seconds for milliseconds, a line that still blocks, Origin checks that let a
foreign page in or keep the server's own out)."""

from __future__ import annotations

import urllib.parse

import pytest
from checker_output import said

from course_utils.captions.server import origin_is_ours
from course_utils.exercises import nb10
from course_utils.exercises.feedback import CORRECT, NOT_YET


def test_poll_wait(capsys):
    assert nb10.mean_poll_wait_ms() == 250
    assert said(capsys, nb10.check_poll_wait, 250).startswith(CORRECT)
    for wrong in (None, "soon", 500, 0.25, 125, 1000):
        assert said(capsys, nb10.check_poll_wait, wrong).startswith(NOT_YET), wrong


def test_polls_per_second(capsys):
    assert nb10.polls_per_second() == 100
    assert said(capsys, nb10.check_polls_per_second, 100).startswith(CORRECT)
    for wrong in (None, [], 25, 50, 101, 99):
        assert said(capsys, nb10.check_polls_per_second, wrong).startswith(NOT_YET), wrong


@pytest.mark.parametrize("wrong", [None, "a", "c", "d", 2])
def test_keeps_answering_rejects(capsys, wrong):
    assert said(capsys, nb10.check_keeps_answering, wrong).startswith(NOT_YET)


def test_keeps_answering_accepts(capsys):
    assert said(capsys, nb10.check_keeps_answering, " B ").startswith(CORRECT)


def right_origin_allowed(origin, host):
    return origin is None or origin == f"http://{host}"


def placeholder(origin, host):
    raise NotImplementedError


WRONG_ORIGIN_CHECKS = {
    "the placeholder": placeholder,
    "not a function": None,
    "everyone in": lambda origin, host: True,
    "nobody in": lambda origin, host: False,
    "not a bool": lambda origin, host: "yes",
    "host name only: any scheme, any port": lambda origin, host: (
        origin is None or urllib.parse.urlsplit(origin).hostname == host.split(":")[0]
    ),
    "host and port only: any scheme": lambda origin, host: (
        origin is None or urllib.parse.urlsplit(origin).netloc == host
    ),
    "a prefix match": lambda origin, host: origin is None or origin.startswith(f"http://{host}"),
    "a substring match": lambda origin, host: origin is None or host in origin,
    "crashes on a missing Origin": lambda origin, host: origin.lower() == f"http://{host}",
    "refuses a missing Origin": lambda origin, host: origin == f"http://{host}",
    "admits null": lambda origin, host: origin in (None, "null", f"http://{host}"),
}


def test_origin_allowed_accepts_the_right_check(capsys):
    assert said(capsys, nb10.check_origin_allowed, right_origin_allowed).startswith(CORRECT)
    ours = lambda origin, host: origin_is_ours(origin, f"http://{host}", ())  # noqa: E731
    assert said(capsys, nb10.check_origin_allowed, ours).startswith(CORRECT), "the server's own rule passes"


@pytest.mark.parametrize("name", WRONG_ORIGIN_CHECKS)
def test_origin_allowed_refuses_wrong_checks(capsys, name):
    output = said(capsys, nb10.check_origin_allowed, WRONG_ORIGIN_CHECKS[name])
    assert output.startswith(NOT_YET), name
    assert "return origin" not in output and "startswith" not in output, "no solution in the hint"
