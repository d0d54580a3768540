"""The captions server (course_utils/captions, notebook 10) on loopback with real models: bad input closes only its
own connection with a reason, a wrong token is refused, off-loopback needs a token; 50 viewers all get the final
text of a file played in real time, with no audio dropped; a Spanish-then-French clip is captioned in English."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import websockets

import course_utils as cu
from course_utils.__main__ import main as course_utils_main
from course_utils.captions import MAX_MESSAGE_BYTES, MAX_MESSAGES_PER_S, CaptionServer
from course_utils.live import word_key

TOKEN = "s3cret"
VIEWERS = 50
TIMEOUT_S = 120  # a bound on every wait: the tests stop by themselves whatever happens
ENGLISH_CLIP = "prompt_en_1"  # 9 s: "All representatives of the household are currently assisting ..."
SPEAKER_RATE_HZ = 44_100  # headless Chromium's rate
CHUNK_S = 0.25  # seconds per chunk, as the speaker page sends
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


async def closed_after(url: str, *messages) -> tuple[int, str]:
    """Connect to ``url``, send ``messages``, read until the server closes: its close code and reason."""
    async with websockets.connect(url, max_size=None) as ws:
        for message in messages:
            await ws.send(message)
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await ws.recv()
        return ws.close_code, ws.close_reason


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
    for argv in (["--task", "translate"], ["--audio", "no/such.wav"], ["--language", "xx"]):
        assert course_utils_main(["captions", *argv]) == 2, argv
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and error.startswith("python -m course_utils captions: error:"), error


def test_bad_input_closes_only_its_own_connection(tiny_en, start_server):
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
            (viewers, *['{"type": "ping"}'] * round(3 * MAX_MESSAGES_PER_S)): (1008, "too many"),
            (speaker, b"\0" * 400): (1003, "before"),
            (speaker, "{not json"): (1003, "malformed"),
            (speaker, '{"type": "start", "sample_rate": "fast"}'): (1003, "sample_rate"),
            (speaker, start, b"\0" * 7): (1003, "float32"),
            (speaker, start, too_big): (1009, "too big"),
            (speaker, start, np.full(64, np.nan, "<f4").tobytes()): (1003, "finite"),
            (speaker, start, *[b"\0" * 4 * SPEAKER_RATE_HZ] * 12): (1008, "real time"),
        }
        for (url, *messages), (code, words) in cases.items():
            got = await closed_after(url, *messages)
            assert got[0] == code and words in got[1], (messages[:1], got)
        await bystander.send('{"type": "ping"}')
        assert bystander.state is websockets.protocol.State.OPEN
        await bystander.close()

    run(check())
    assert read_json(server.url("/captions.json"))["committed"] == ""
    with pytest.raises(urllib.error.HTTPError, match="403"):
        read_json(server.url("/captions.json").replace(TOKEN, "guess"))


def test_speaker_websocket_streams_a_take(tiny_en, start_server):
    server = start_server(tiny_en)

    async def speak_and_watch():
        watching = asyncio.ensure_future(final_captions(server.url("/ws/captions")))
        async with websockets.connect(server.url("/ws/speaker")) as ws:
            await ws.send(json.dumps({"type": "start", "sample_rate": SPEAKER_RATE_HZ}))
            for chunk in speaker_chunks(ENGLISH_CLIP):
                await ws.send(chunk)
                await asyncio.sleep(1 / MAX_MESSAGES_PER_S)
            await ws.send('{"type": "stop"}')
            with pytest.raises(websockets.ConnectionClosedOK):
                await ws.recv()
        return await watching

    final, _ = run(speak_and_watch())
    assert {"household", "telemarketers", "received"} <= {word_key(w) for w in final["committed"].split()}, final


def test_fifty_viewers_get_the_final_text_and_no_audio_is_dropped(tiny_en, start_server):
    server = start_server(tiny_en, audio=cu.clip(ENGLISH_CLIP).path)

    async def watch():
        return await asyncio.gather(*(final_captions(server.url("/ws/captions")) for _ in range(VIEWERS)))

    watched = run(watch())
    finals = {final["committed"] for final, _ in watched}
    assert len(finals) == 1, finals  # every viewer got the same, final text
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
        viewer = await websockets.connect(server.url("/ws/captions"))
        speaker = await websockets.connect(server.url("/ws/speaker"))
        await speaker.send(json.dumps({"type": "start", "sample_rate": SPEAKER_RATE_HZ}))
        for chunk in speaker_chunks(ENGLISH_CLIP)[:8]:  # a take in progress
            await speaker.send(chunk)
        await viewer.recv()
        await asyncio.to_thread(server.stop)
        for ws in (viewer, speaker):
            with pytest.raises(websockets.ConnectionClosed):
                while True:
                    await ws.recv()
        return viewer.close_code, viewer.close_reason

    assert run(connected_while_stopping()) == (1001, "the captions server is stopping")
    assert not server.running
