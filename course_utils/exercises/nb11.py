"""Checks for the exercises of notebooks/11_live_captions.ipynb. Expected answers come from the captions page's
polling and the server's design (course_utils.captions); exercises 4 and 5 run the learner's own code (an Origin
check, a bounded queue per viewer)."""

from __future__ import annotations

import tracemalloc

from .feedback import correct, judge_number, not_yet, number_answer

POLL_S = 0.5  # seconds between two requests of a polling page (exercises 1 and 2)
VIEWERS = 50  # pages open in the meeting (exercise 2)
CHOICES = {  # letter -> a line in an async WebSocket handler that needs a Whisper pass (exercise 3)
    "a": "result = model.transcribe(audio)",
    "b": "result = await asyncio.get_running_loop().run_in_executor(None, model.transcribe, audio)",
    "c": "await asyncio.sleep(0); result = model.transcribe(audio)",
}
KEEPS_ANSWERING = "b"


def mean_poll_wait_ms(poll_s: float = POLL_S) -> float:
    """Average wall milliseconds a caption posted at a random moment waits for the next poll (network aside)."""
    return 1000 * poll_s / 2


def polls_per_second(viewers: int = VIEWERS, poll_s: float = POLL_S) -> float:
    """Requests a second that ``viewers`` polling pages send, whether or not the captions change."""
    return viewers / poll_s


def check_poll_wait(answer) -> None:
    """Exercise 1: on average, how long (ms) does a new caption wait before a page polling every POLL_S sees it?"""
    expected = mean_poll_wait_ms()
    value = number_answer(answer, "wait_ms", "a number of milliseconds")
    if value is None:
        return
    judge_number(
        value,
        expected,
        1.0,
        f"{expected:.0f} ms on average, {1000 * POLL_S:.0f} ms at worst; a push takes milliseconds.",
        [
            (1000 * POLL_S, "That is the worst case, a caption posted just after a poll. On average?"),
            (expected / 1000, "Give it in milliseconds, not seconds."),
        ],
        "A caption is posted at any moment between two polls, equally likely anywhere in the interval.",
    )


def check_polls_per_second(answer) -> None:
    """Exercise 2: how many requests a second do VIEWERS pages polling every POLL_S send?"""
    expected = polls_per_second()
    upside_down = "Upside down: each page asks once every POLL_S seconds, so 1 / POLL_S times a second."
    misses = [(VIEWERS * POLL_S, upside_down), (VIEWERS, f"Each page asks more than once a second: every {POLL_S} s.")]
    right = f"{expected:.0f} a second, even in silence; pushed, the server sends only when text changes."
    if (value := number_answer(answer, "requests_per_s", "a number of requests a second")) is not None:
        judge_number(
            value, expected, 0.01, right, misses, "Count one page's requests in a second, then all the pages'."
        )


def check_keeps_answering(answer) -> None:
    """Exercise 3: which line keeps the event loop answering other pages during the pass?"""
    if answer is None:
        return not_yet('Set choice = "a", "b" or "c".')
    choice = str(answer).strip().lower()
    if choice not in CHOICES:
        return not_yet(f"choice must be one of {', '.join(CHOICES)}.")
    if choice == KEEPS_ANSWERING:
        return correct("The pass runs in a worker thread; the loop waits on it with await and serves the others.")
    if choice == "c":
        return not_yet("sleep(0) lets others run once, before the pass; the pass itself still holds the loop.")
    not_yet("A plain call runs in the event loop's own thread: nothing else is served until it returns.")


HOST = "127.0.0.1:8765"  # the Host header of the server's own pages in exercise 4 (the server serves plain http)
ORIGIN_CASES = [  # (origin, host, allowed, the hint when a check answers otherwise), gentlest first (exercise 4)
    ("http://127.0.0.1:8765", HOST, True, "The server's own page (its Origin is http:// and the Host) must get in."),
    ("http://localhost:8765", "localhost:8765", True, "A page opened as http://localhost:8765 must get in too."),
    ("http://evil.example", HOST, False, "A page of another site got in: compare the Origin with this server's own."),
    (
        "http://127.0.0.1:8765.evil.example",
        HOST,
        False,
        "http://127.0.0.1:8765.evil.example got in: a name that merely starts like yours is another site's. "
        "Compare the whole origin, not its beginning.",
    ),
    ("http://127.0.0.1:9999", HOST, False, "Another port is another origin (another server on this machine)."),
    ("https://127.0.0.1:8765", HOST, False, "Another scheme is another origin: this server serves plain http."),
    ("null", HOST, False, 'Origin "null" (a sandboxed frame, a file opened from disk) is no page of this server.'),
    (None, HOST, True, "No Origin at all: a script, not a browser page. Let it through, as the server does."),
]


def check_origin_allowed(origin_allowed) -> None:
    """Exercise 4: ``origin_allowed(origin, host) -> bool`` admits this server's own pages (and scripts without an
    Origin) and refuses every other origin, as :func:`course_utils.captions.server.origin_is_ours` does."""
    if not callable(origin_allowed):
        return not_yet("Define origin_allowed(origin, host) and pass the function itself (no parentheses).")
    for origin, host, allowed, hint in ORIGIN_CASES:
        try:
            answer = origin_allowed(origin, host)
        except NotImplementedError:
            return not_yet("Replace the raise NotImplementedError line with your check, returning True or False.")
        except Exception as error:  # the learner's code failed: say on which input, never how to fix it in code
            return not_yet(f"origin_allowed({origin!r}, {host!r}) raised {type(error).__name__}. {hint}")
        if not isinstance(answer, bool):
            return not_yet(f"origin_allowed({origin!r}, {host!r}) returned {answer!r}: return True or False.")
        if answer != allowed:
            return not_yet(hint)
    correct(
        f"All {len(ORIGIN_CASES)} cases: the server's own pages get in, a foreign, look-alike, other-port or "
        "other-scheme origin does not."
    )


QUEUE_SIZE = 3  # versions a viewer's queue holds in exercise 5
MANY_VERSIONS = 20_000  # versions put into one queue that is never read (exercise 5), about 2.7 MB if all kept
HELD_BYTES = 100_000  # more than this still allocated after MANY_VERSIONS puts: the queue kept what it dropped


def _drain(queue) -> list:
    """Everything ``queue.get()`` returns until None (at most 100 items: a queue that never empties stops there)."""
    items = []
    while (item := queue.get()) is not None and len(items) < 100:
        items.append(item)
    return items


def bytes_held_after_many_puts(viewer_queue) -> int:
    """Bytes still allocated after putting MANY_VERSIONS versions (100 bytes each) into one ``viewer_queue``."""
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    queue = viewer_queue(QUEUE_SIZE)
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(MANY_VERSIONS):
        queue.put(bytes(100))
    held = tracemalloc.get_traced_memory()[0] - before
    if not tracing:
        tracemalloc.stop()
    return held


def check_viewer_queue(viewer_queue) -> None:
    """Exercise 5: ``viewer_queue(size)`` holds at most ``size`` versions for one viewer; ``put(version)`` adds the
    newest, dropping the oldest when full; ``get()`` returns the oldest waiting version, or None when empty."""
    if not callable(viewer_queue):
        return not_yet("Define the class ViewerQueue and pass the class itself (no parentheses).")
    try:
        queue = viewer_queue(QUEUE_SIZE)
        for version in range(1, 11):
            queue.put(version)
        kept = _drain(queue)
        small = viewer_queue(2)
        small.put("a")
        first = [small.get(), small.get()]
        for version in "bcd":
            small.put(version)
        second = [small.get()]
        small.put("e")
        second += _drain(small)
        held = bytes_held_after_many_puts(viewer_queue)
    except NotImplementedError:
        return not_yet("Replace the raise NotImplementedError lines with your queue.")
    except Exception as error:  # the learner's code failed: name the error, never the fix in code
        return not_yet(f"Your queue raised {type(error).__name__}. (get() on an empty queue returns None.)")
    newest = list(range(11 - QUEUE_SIZE, 11))
    if kept == list(range(1, 11)):
        return not_yet("All 10 versions were kept: a viewer that never reads would hold every version of the meeting.")
    if kept == list(range(1, QUEUE_SIZE + 1)):
        return not_yet("The queue kept the first versions and refused the newer ones: the viewer would read old text.")
    if kept != newest:
        return not_yet(
            f"After 10 puts into a queue of {QUEUE_SIZE}, get() returned {kept}: it should hold exactly the "
            f"{QUEUE_SIZE} newest, oldest first."
        )
    if first != ["a", None] or second != ["c", "d", "e"]:
        return not_yet("Reading and writing in turn went wrong: get() returns the oldest waiting version, then None.")
    if held > HELD_BYTES:
        return not_yet(
            f"get() returns the right versions, but after {MANY_VERSIONS} puts the queue still holds {held // 1000} kB: "
            "a dropped version must be let go, not kept out of sight."
        )
    correct(
        f"At most {QUEUE_SIZE} versions per viewer, the oldest dropped: memory stays flat however slow a viewer is."
    )
