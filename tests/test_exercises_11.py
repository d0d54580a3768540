"""The checkers of notebooks/11_live_captions.ipynb accept the right answers and reject wrong ones (an upside-down
ratio, the worst case for the mean, seconds for milliseconds, a line that still blocks, Origin checks that let a
foreign page in or keep the server's own out, queues that grow, drop the newest, are off by one or hide what they
keep)."""

from __future__ import annotations

import collections
import urllib.parse

import pytest
from checker_output import said

from course_utils.captions.server import origin_is_ours
from course_utils.exercises import nb11
from course_utils.exercises.feedback import CORRECT, NOT_YET


def test_poll_wait(capsys):
    assert nb11.mean_poll_wait_ms() == 250
    assert said(capsys, nb11.check_poll_wait, 250).startswith(CORRECT)
    for wrong in (None, "soon", 500, 0.25, 125, 1000):
        assert said(capsys, nb11.check_poll_wait, wrong).startswith(NOT_YET), wrong


def test_polls_per_second(capsys):
    assert nb11.polls_per_second() == 100
    assert said(capsys, nb11.check_polls_per_second, 100).startswith(CORRECT)
    for wrong in (None, [], 25, 50, 101, 99):
        assert said(capsys, nb11.check_polls_per_second, wrong).startswith(NOT_YET), wrong


@pytest.mark.parametrize("wrong", [None, "a", "c", "d", 2])
def test_keeps_answering_rejects(capsys, wrong):
    assert said(capsys, nb11.check_keeps_answering, wrong).startswith(NOT_YET)


def test_keeps_answering_accepts(capsys):
    assert said(capsys, nb11.check_keeps_answering, " B ").startswith(CORRECT)


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
    assert said(capsys, nb11.check_origin_allowed, right_origin_allowed).startswith(CORRECT)
    ours = lambda origin, host: origin_is_ours(origin, f"http://{host}", ())  # noqa: E731
    assert said(capsys, nb11.check_origin_allowed, ours).startswith(CORRECT), "the server's own rule passes"


@pytest.mark.parametrize("name", WRONG_ORIGIN_CHECKS)
def test_origin_allowed_refuses_wrong_checks(capsys, name):
    output = said(capsys, nb11.check_origin_allowed, WRONG_ORIGIN_CHECKS[name])
    assert output.startswith(NOT_YET), name
    assert "return origin" not in output and "startswith" not in output, "no solution in the hint"


class RightQueue:
    def __init__(self, size):
        self.items = collections.deque(maxlen=size)

    def put(self, version):
        self.items.append(version)

    def get(self):
        return self.items.popleft() if self.items else None


class ListQueue:
    """Right too, by hand: a list trimmed from the front."""

    def __init__(self, size):
        self.size, self.items = size, []

    def put(self, version):
        self.items = [*self.items, version][-self.size :]

    def get(self):
        return self.items.pop(0) if self.items else None


class PlaceholderQueue:
    def __init__(self, size):
        raise NotImplementedError


class Unbounded(RightQueue):
    def __init__(self, size):
        self.items = collections.deque()


class DropsNewest(RightQueue):
    def put(self, version):
        if len(self.items) < self.items.maxlen:
            self.items.append(version)


class OneTooMany(RightQueue):
    def __init__(self, size):
        self.items = collections.deque(maxlen=size + 1)


class OneTooFew(RightQueue):
    def __init__(self, size):
        self.items = collections.deque(maxlen=size - 1)


class NewestFirst(RightQueue):
    def get(self):
        return self.items.pop() if self.items else None


class RaisesWhenEmpty(RightQueue):
    def get(self):
        return self.items.popleft()


class HidesWhatItDropped:
    """Right answers by a wrong path: keeps every version and shows only the newest ``size``."""

    def __init__(self, size):
        self.size, self.all, self.read = size, [], 0

    def put(self, version):
        self.all.append(version)
        self.read = max(self.read, len(self.all) - self.size)

    def get(self):
        if self.read == len(self.all):
            return None
        self.read += 1
        return self.all[self.read - 1]


@pytest.mark.parametrize("right", [RightQueue, ListQueue])
def test_viewer_queue_accepts_a_bounded_queue(capsys, right):
    assert said(capsys, nb11.check_viewer_queue, right).startswith(CORRECT)


@pytest.mark.parametrize(
    "wrong",
    [
        None,
        PlaceholderQueue,
        Unbounded,
        DropsNewest,
        OneTooMany,
        OneTooFew,
        NewestFirst,
        RaisesWhenEmpty,
        HidesWhatItDropped,
    ],
)
def test_viewer_queue_refuses_wrong_queues(capsys, wrong):
    output = said(capsys, nb11.check_viewer_queue, wrong)
    assert output.startswith(NOT_YET), wrong
    assert "deque" not in output and "maxlen" not in output, "no solution in the hint"
