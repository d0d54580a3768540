"""The captions server (course_utils/captions, notebook 11) on loopback with real models and real sockets, tried as
an attacker would: bad input closes only its own connection with a reason and one log line, a foreign Origin or
Host is refused, a token guards every route and is never logged, a silent speaker loses its slot, a stalled viewer
holds no backlog; 50 viewers all get the final text of a file played in real time, with no audio dropped; every
reading viewer gets every version of a streamed take; a Spanish-then-French clip is captioned in English."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import logging
import threading
import time
import tracemalloc
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import websockets

import course_utils as cu
from course_utils.__main__ import main as course_utils_main
from course_utils.bench.captions import stalled_viewer, unread_bytes
from course_utils.captions import MAX_MESSAGE_BYTES, MAX_MESSAGES_PER_S, Captions, CaptionServer
from course_utils.captions.server import WRONG_TOKEN
from course_utils.live import BROWSER_CHUNK_S, word_key

TOKEN = "s3cret"
VIEWERS = 50
TIMEOUT_S = 120  # a bound on every wait: the tests stop by themselves whatever happens
ENGLISH_CLIP = "prompt_en_1"  # 9 s: "All representatives of the household are currently assisting ..."
SPEAKER_RATE_HZ = 44_100  # headless Chromium's rate
CHUNK_S = BROWSER_CHUNK_S  # seconds per chunk, as the speaker page sends
SERVER_THREADS = ("captions-", "live-transcriber", "simulated-microphone")  # names of the threads a server starts
ENGLISH_WORDS = {"the", "a", "for", "you", "with", "to", "of", "is", "are", "there", "no", "this", "those", "thank"}


@pytest.fixture(scope="module")
def base():
    return cu.load_model("base", device="cpu")


@pytest.fixture
def start_server():
    """``start_server(model, **options)``: a CaptionServer on a free loopback port, stopped afterwards; the test
    fails if any thread it started is left running."""
    servers = []

    def start(model, **options) -> CaptionServer:
        servers.append(CaptionServer(model, port=0, **options).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
    left = [t.name for t in threading.enumerate() if t.name.startswith(SERVER_THREADS)]
    assert not left, f"the captions server left threads running: {left}"


def run(coroutine):
    """Run ``coroutine`` to its end, at most TIMEOUT_S seconds, in a thread of its own: another test's Playwright
    (the browser tests, in the same pytest run) keeps an event loop running in the main thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coroutine, TIMEOUT_S)).result()


async def closed_after(url: str, *messages, refused: bool = False, **options) -> tuple[int, str]:
    """Connect to ``url`` (``options`` as websockets.connect's: origin=...), send ``messages``, read until the server
    closes: its close code and reason. ``refused``: the test fails if anything is received before the close."""
    async with websockets.connect(url, max_size=None, **options) as ws:
        with contextlib.suppress(websockets.ConnectionClosed):  # the server may close before all is sent
            for message in messages:
                await ws.send(message)
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                received = await ws.recv()
                assert not refused, f"received {received!r:.80} before the close"
        return ws.close_code, ws.close_reason


def http_get(server: CaptionServer, path: str, host: str | None = None, **headers: str) -> http.client.HTTPResponse:
    """GET ``path`` (query included) from ``server`` with ``headers``, sending ``host`` as the Host header (default:
    the address connected to); redirects are not followed. The response, read."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.putrequest("GET", path, skip_host=host is not None)
    if host is not None:
        connection.putheader("Host", host)
    for name, value in headers.items():
        connection.putheader(name.replace("_", "-"), value)
    connection.endheaders()
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


UPGRADE = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec_WebSocket_Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec_WebSocket_Version": "13",
}  # a WebSocket handshake's headers (RFC 6455's sample key)


@pytest.fixture
def server_log(caplog):
    """Every log record of the server and of uvicorn (whose loggers do not pass theirs on to the root logger)."""
    uvicorn_log = logging.getLogger("uvicorn")
    uvicorn_log.addHandler(caplog.handler)
    caplog.set_level(logging.WARNING)
    yield caplog
    uvicorn_log.removeHandler(caplog.handler)


async def final_captions(url: str) -> tuple[dict, list[dict]]:
    """Read captions from ``url`` until the take has heard all its audio: the last captions and all of them."""
    seen = []
    async with websockets.connect(url) as ws:
        async for message in ws:
            seen.append(json.loads(message))
            if seen[-1]["version"] > 1 and not seen[-1]["listening"]:
                return seen[-1], seen
    raise AssertionError(f"the connection closed before the final captions: {seen[-1:]}")


def read_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def speaker_chunks(clip_id: str) -> list[bytes]:
    """A clip as the speaker page sends it: float32 chunks of CHUNK_S at SPEAKER_RATE_HZ."""
    audio = cu.load_audio(cu.clip(clip_id).path, sr=SPEAKER_RATE_HZ).astype("<f4")
    step = round(CHUNK_S * SPEAKER_RATE_HZ)
    return [audio[i : i + step].tobytes() for i in range(0, len(audio), step)]


def test_off_loopback_without_token_refuses_to_start(capsys):
    assert course_utils_main(["captions", "--host", "0.0.0.0"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "--token" in error, error


def test_usage_errors_are_one_line(capsys):
    bad = (["--certfile", "no/such.pem"], ["--keyfile", "key.pem"], ["--allow-origin", "evil"], ["--allow-host", "a b"])
    for argv in (["--task", "translate"], ["--audio", "no/such.wav"], ["--language", "xx"], *bad):
        assert course_utils_main(["captions", *argv]) == 2, argv
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and error.startswith("python -m course_utils captions: error:"), error


def test_the_policy_option_reaches_the_server(monkeypatch, tiny_en):
    made = {}

    class Recorded:
        def __init__(self, model, **options):
            made.update(options)

        def url(self, path, with_token=True):
            return path

        def run(self):
            pass

    monkeypatch.setattr("course_utils.captions.cli.load_model", lambda name: tiny_en)
    monkeypatch.setattr("course_utils.captions.cli.CaptionServer", Recorded)
    assert course_utils_main(["captions", "--policy", "agreement"]) == 0
    assert made["policy"] == "agreement"
    assert course_utils_main(["captions"]) == 0 and made["policy"] == "alignatt"
    with pytest.raises(SystemExit) as refused:  # argparse's one line and exit status 2
        course_utils_main(["captions", "--policy", "fastest"])
    assert refused.value.code == 2


def test_bad_input_closes_only_its_own_connection(tiny_en, start_server, server_log):
    server = start_server(tiny_en, token=TOKEN)
    viewers, speaker = server.url("/ws/captions"), server.url("/ws/speaker")
    wrong = viewers.replace(TOKEN, "guess")

    async def check():
        bystander = await websockets.connect(viewers)  # stays connected through everything below
        assert json.loads(await bystander.recv())["committed"] == ""
        start = json.dumps({"type": "start", "sample_rate": SPEAKER_RATE_HZ})
        too_big = b"\0" * (MAX_MESSAGE_BYTES + 4)
        cases = {  # what is sent -> (close code, words of the reason)
            (wrong,): (1008, "token"),
            (wrong.replace("captions", "speaker"),): (1008, "token"),
            (viewers, "hello"): (1003, "malformed"),
            (viewers, b"\x00\xff"): (1003, "malformed"),
            (viewers, '{"type": "start"}'): (1003, "malformed"),
            (viewers, too_big): (1009, "too big"),
            (viewers, "[" * 100_000): (1009, "too big"),  # Python's JSON parser would recurse 100000 deep
            (speaker, "[" * 1_000): (1003, "nested"),  # small enough, but 1000 deep still exhausts the recursion
            (speaker, '{"type": "start", "sample_rate": [44100]}'): (1003, "nested"),
            (viewers, *['{"type": "ping"}'] * round(3 * MAX_MESSAGES_PER_S)): (1008, "too many"),
            (speaker, b"\0" * 400): (1003, "before"),
            (speaker, "{not json"): (1003, "malformed"),
            (speaker, '{"type": "start", "sample_rate": "fast"}'): (1003, "sample_rate"),
            (speaker, start, b"\0" * 7): (1003, "float32"),
            (speaker, start, too_big): (1009, "too big"),
            (speaker, start, np.full(64, np.nan, "<f4").tobytes()): (1003, "finite"),
            (speaker, start, *[b"\0" * 4 * SPEAKER_RATE_HZ] * 12): (1008, "real time"),
            (speaker, start, "[" * 100_000): (1009, "too big"),
        }
        for (url, *messages), (code, words) in cases.items():
            got = await closed_after(url, *messages)
            assert got[0] == code and words in got[1], (messages[:1], got)
        await bystander.send('{"type": "ping"}')
        assert bystander.state is websockets.protocol.State.OPEN
        await bystander.close()
        return len(cases)

    bad = run(check())
    closed = [r for r in server_log.records if r.name == "course_utils.captions.server" and "closed" in r.message]
    assert len(closed) == bad, [r.message for r in closed]  # one line for each, naming its reason
    assert not [r for r in server_log.records if r.exc_info], "a traceback was logged"
    assert read_json(server.url("/captions.json"))["committed"] == ""
    with pytest.raises(urllib.error.HTTPError, match="403"):
        read_json(server.url("/captions.json").replace(TOKEN, "guess"))


def test_every_reading_viewer_gets_every_version_of_a_streamed_take(tiny_en, start_server):
    server = start_server(tiny_en, policy="agreement")  # LocalAgreement here; AlignAtt, the default, in the next test

    async def speak_and_watch():
        watching = [asyncio.ensure_future(final_captions(server.url("/ws/captions"))) for _ in range(VIEWERS)]
        stalled = stalled_viewer(server.port)  # one more viewer, which never reads
        async with websockets.connect(server.url("/ws/speaker")) as ws:
            await ws.send(json.dumps({"type": "start", "sample_rate": SPEAKER_RATE_HZ}))
            for chunk in speaker_chunks(ENGLISH_CLIP):
                await ws.send(chunk)
                await asyncio.sleep(1 / MAX_MESSAGES_PER_S)
            await ws.send('{"type": "stop"}')
            with pytest.raises(websockets.ConnectionClosedOK):
                await ws.recv()
        watched = await asyncio.gather(*watching)
        stalled.close()
        return watched

    watched = run(speak_and_watch())
    last = server.board.captions
    for final, seen in watched:
        versions = [c["version"] for c in seen]
        assert versions == list(range(versions[0], last.version + 1)), versions  # none skipped, none repeated
        assert final["committed"] == last.committed and not final["finished"]  # a speaker may come again
    assert {"household", "telemarketers", "received"} <= {word_key(w) for w in last.committed.split()}, last
    assert server.listener.policy_name == "agreement"


def test_fifty_viewers_get_the_final_text_and_no_audio_is_dropped(tiny_en, start_server):
    server = start_server(tiny_en, audio=cu.clip(ENGLISH_CLIP).path)

    async def watch():
        return await asyncio.gather(*(final_captions(server.url("/ws/captions")) for _ in range(VIEWERS)))

    watched = run(watch())
    finals = {final["committed"] for final, _ in watched}
    assert len(finals) == 1, finals  # every viewer got the same, final text
    assert all(final["finished"] for final, _ in watched)  # the file has been played: the pages say "finished"
    assert {"household", "telemarketers", "received"} <= {word_key(w) for w in finals.pop().split()}
    assert all(seen[0]["version"] <= seen[-1]["version"] for _, seen in watched)
    assert server.listener.dropped_samples == 0
    assert read_json(server.url("/captions.json"))["committed"] == watched[0][0]["committed"]


def test_a_switch_from_spanish_to_french_is_captioned_in_english(base, start_server):
    spanish, french = (cu.load_audio(cu.clip(c).path) for c in ("prompt_es_1", "prompt_fr_1"))
    audio = np.concatenate([spanish, np.zeros(cu.SAMPLE_RATE // 2, np.float32), french])
    server = start_server(base, task="translate", audio=audio)
    final, seen = run(final_captions(server.url("/ws/captions")))
    words = {word_key(w) for w in final["committed"].split()}
    assert "thank" in words and len(words & ENGLISH_WORDS) >= 3, final  # "Merci d'avoir essayé ...": "Thank you ..."
    assert not words & {"palabras", "claves", "siento", "merci", "avoir", "revoir", "lo", "pero", "le"}, final
    assert {c["language"] for c in seen} >= {"es", "fr"}, [c["language"] for c in seen]


def test_stop_closes_every_connection_and_thread(tiny_en, start_server):
    server = start_server(tiny_en)

    async def connected_while_stopping():
        viewers = [await websockets.connect(server.url("/ws/captions")) for _ in range(20)]
        speaker = await websockets.connect(server.url("/ws/speaker"))
        await speaker.send(json.dumps({"type": "start", "sample_rate": SPEAKER_RATE_HZ}))
        for chunk in speaker_chunks(ENGLISH_CLIP)[:8]:  # a take in progress
            await speaker.send(chunk)
        for viewer in viewers:
            await viewer.recv()
        await asyncio.to_thread(server.stop)
        for ws in (*viewers, speaker):
            with pytest.raises(websockets.ConnectionClosed):
                while True:
                    await ws.recv()
        return {(viewer.close_code, viewer.close_reason) for viewer in viewers}

    # every viewer is told why (a page then says "server stopped" instead of trying again), none cut off by uvicorn
    assert run(connected_while_stopping()) == {(1001, "the captions server is stopping")}
    assert not server.running


def test_a_foreign_origin_is_refused_on_both_sockets(tiny_en, start_server):
    server = start_server(tiny_en, allow_origins=["https://obs.example"])
    own = f"http://127.0.0.1:{server.port}"
    start = json.dumps({"type": "start", "sample_rate": SPEAKER_RATE_HZ})

    async def check():
        for path in ("/ws/captions", "/ws/speaker"):
            for origin in ("http://evil.example", f"http://evil.example:{server.port}", "null", f"{own}.evil.example"):
                code, reason = await closed_after(server.url(path), origin=origin, refused=True)
                assert code == 1008 and "another site" in reason, (path, origin, code, reason)
        for origin in (own, "https://obs.example", "HTTPS://OBS.example"):  # its own pages, and one allowed
            async with websockets.connect(server.url("/ws/captions"), origin=origin) as ws:
                assert json.loads(await ws.recv())["version"] == 0
        assert await closed_after(server.url("/ws/speaker"), start, '{"type": "stop"}', origin=own) == (
            1000,
            "take finished",
        )

    run(check())


def test_a_foreign_host_is_refused_and_never_redirected_to(tiny_en, start_server):
    server = start_server(tiny_en, allow_hosts=["laptop.lan"])
    port = server.port
    for path in ("/", "/speaker", "/speaker/", "/captions.json", "/recorder.js", "/ws/captions"):
        for host in (f"evil.example:{port}", "evil.example", f"localhost.evil.example:{port}", "", "a b"):
            response = http_get(server, path, host, **(UPGRADE if path.startswith("/ws/") else {}))
            assert response.status == 403 and response.getheader("Location") is None, (path, host, response.status)
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", f"LAPTOP.lan:{port}", "192.168.1.20"):
        assert http_get(server, "/captions.json", host).status == 200, host
    slash = http_get(server, "/speaker/", f"localhost:{port}")
    assert slash.status == 404 and slash.getheader("Location") is None  # no redirect that names a Host


def test_a_token_guards_every_route_and_is_never_logged(tiny_en, start_server, server_log, capfd):
    server = start_server(tiny_en, token=TOKEN)
    logging.getLogger("uvicorn.access").setLevel(logging.INFO)  # where an access log prints query strings
    server_log.set_level(logging.INFO)
    cookie = f"{server.cookie}={TOKEN}"
    for path in ("/", "/overlay", "/speaker", "/captions.json", "/recorder.js"):
        for query, headers in (("", {}), ("?token=guess", {}), ("", {"Cookie": f"{server.cookie}=guess"})):
            assert http_get(server, path + query, **headers).status == 403, (path, query, headers)
        assert http_get(server, path, Cookie=cookie).status == 200, path
    opened = http_get(server, f"/overlay?poll=0.5&token={TOKEN}")
    assert opened.status == 303 and opened.getheader("Location") == "/overlay?poll=0.5"  # the token leaves the address
    set_cookie = opened.getheader("Set-Cookie")
    assert set_cookie.startswith(cookie) and "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie, set_cookie
    assert http_get(server, f"/captions.json?token={TOKEN}").status == 200  # a script may keep sending it

    async def sockets():
        for path in ("/ws/captions", "/ws/speaker"):
            for url in (server.url(path, with_token=False), server.url(path).replace(TOKEN, "guess")):
                assert await closed_after(url, refused=True) == (1008, WRONG_TOKEN), url
        async with websockets.connect(
            server.url("/ws/captions", with_token=False), additional_headers={"Cookie": cookie}
        ) as ws:
            assert json.loads(await ws.recv())["version"] == 0

    run(sockets())
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    server_records = [
        r for r in server_log.records if r.name.startswith(("uvicorn", "course_utils"))
    ]  # not the client's
    logged = "\n".join(r.getMessage() for r in server_records) + "".join(capfd.readouterr())
    assert "refused" in logged and TOKEN not in logged, logged


def test_a_silent_speaker_loses_the_slot(tiny_en, start_server):
    server = start_server(tiny_en, start_within_s=0.5, audio_gap_s=1.0)
    url, start = server.url("/ws/speaker"), json.dumps({"type": "start", "sample_rate": SPEAKER_RATE_HZ})

    async def check():
        async with websockets.connect(url) as silent:  # holds the slot for now
            assert await closed_after(url) == (1008, "another speaker is connected: one at a time")
            with pytest.raises(websockets.ConnectionClosed):
                await silent.recv()
            assert (silent.close_code, silent.close_reason) == (1008, "no start within 0.5 s: slot freed")
        began = time.monotonic()
        code, reason = await closed_after(url, start, speaker_chunks(ENGLISH_CLIP)[0])
        assert (code, reason) == (1008, "no audio for 1 s: slot freed") and time.monotonic() - began < 5
        assert await closed_after(url, start, '{"type": "stop"}') == (1000, "take finished")  # the slot is free

    run(check())


def test_a_speaker_that_never_starts_is_freed_within_the_default_10_s(tiny_en, start_server):
    server = start_server(tiny_en)  # the real limits: 5 s to start, 10 s between chunks
    url, start = server.url("/ws/speaker"), json.dumps({"type": "start", "sample_rate": SPEAKER_RATE_HZ})

    async def real_speaker_after_a_silent_one() -> float:
        silent = await websockets.connect(url)
        began = time.monotonic()
        while await closed_after(url, start, '{"type": "stop"}') != (1000, "take finished"):
            assert time.monotonic() - began < 10, "the silent speaker still holds the slot"
            await asyncio.sleep(0.5)
        await silent.close()
        return time.monotonic() - began

    waited = run(real_speaker_after_a_silent_one())
    assert 4 < waited < 10, waited


def test_a_stalled_viewer_keeps_no_backlog(tiny_en, start_server):
    server = start_server(tiny_en)
    text, versions = "word " * 20_000, 300  # 100 kB captions, 30 MB in all: a queue per viewer would keep them

    async def post_while_one_viewer_stalls() -> tuple[int, int, dict]:
        stalled = stalled_viewer(server.port)
        async with websockets.connect(server.url("/ws/captions"), max_size=None) as reader:
            await reader.recv()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            for i in range(versions):
                server.listener.post(Captions(text + str(i), "", "en", True))
                await asyncio.sleep(0.001)
            while (last := json.loads(await reader.recv()))["committed"] != text + str(versions - 1):
                pass
            grown = tracemalloc.get_traced_memory()[0] - before
            tracemalloc.stop()
            waiting = unread_bytes(stalled)
            stalled.close()
            return grown, waiting, last

    grown, waiting, last = run(post_while_one_viewer_stalls())
    posted = versions * len(text)
    assert waiting < posted / 10, waiting  # the stalled viewer did stall
    assert grown < 3_000_000, f"the server's memory grew by {grown} bytes while {posted} were posted"
    assert last["version"] == versions
