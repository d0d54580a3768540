"""python -m course_utils bench-captions: many viewers on a real captions server, one of which never reads.

A speaker streams a clip in real time over /ws/speaker (as the speaker page does) while ``--viewers`` pages watch
over /ws/captions; one more viewer opens its WebSocket and never reads a byte (a frozen tab, a hostile client).
Prints whether every reading viewer got every version, the delay from each version's post on the server to its
arrival at a viewer (p50, p95, max; the target is p95 at most 250 ms), and the server's memory (RSS) with every
viewer connected and after the take, beside the backlog the stalled viewer would have cost had the server queued
every version for it. A first take of WARM_UP_S seconds, unmeasured, lets Whisper's own memory settle. The
server runs in a process of its own, so that its memory is its own. Loopback only; Linux (memory from /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import multiprocessing
import os
import socket
import statistics
import sys
import termios
import time
import urllib.request

import websockets

from ..audio import load_audio
from ..commands import UsageError, reading_user_input
from ..data import clip
from ..live import BROWSER_CHUNK_S
from ..models import load_model

VIEWERS = 200
MODEL = "tiny.en"
CLIP = "long_speech"  # 68 s of English read speech
SPEAKER_RATE_HZ = 44_100  # headless Chromium's rate, as the speaker page sends it
CHUNK_S = BROWSER_CHUNK_S  # seconds of audio per message, as the speaker page sends
TARGET_P95_MS = 250.0  # delivery target: 95 % of versions reach a viewer within this
WARM_UP_S = 8.0  # seconds of the clip sent as a first, unmeasured take: Whisper's memory settles before measuring
STALLED_RCVBUF_BYTES = 4096  # the stalled viewer's socket receive buffer: small, so that it fills at once
SETTLE_S = 10.0  # seconds to wait for every reading viewer to get the last version
MB = 1024 * 1024


def stalled_viewer(port: int) -> socket.socket:
    """A viewer that opens ws://127.0.0.1:``port``/ws/captions and never reads: a raw socket with a small receive
    buffer whose WebSocket handshake is sent and whose answer is never read."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, STALLED_RCVBUF_BYTES)
    raw.connect(("127.0.0.1", port))
    raw.sendall(
        f"GET /ws/captions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    return raw


def unread_bytes(raw: socket.socket) -> int:
    """Bytes waiting, unread, in ``raw``'s receive buffer (Linux and macOS: FIONREAD)."""
    return int.from_bytes(fcntl.ioctl(raw, termios.FIONREAD, b"\0\0\0\0"), sys.byteorder)


def rss_bytes(pid: int) -> int:
    """Resident memory of process ``pid``, in bytes (Linux: /proc/PID/status)."""
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return 1024 * int(line.split()[1])  # given in kB


def serve(model_name: str, pipe) -> None:
    """The server's process: a CaptionServer for the speaker page on a free loopback port; sends the port through
    ``pipe``, then serves until anything else comes through it."""
    from .server import CaptionServer

    server = CaptionServer(load_model(model_name), port=0).start()
    pipe.send(server.port)
    pipe.recv()
    server.stop()


async def watch(url: str, seen: list[tuple[int, float, int]], ready: asyncio.Event) -> None:
    """A reading viewer: appends (version, seconds from post to arrival, bytes) to ``seen`` until cancelled."""
    async with websockets.connect(url, max_size=None, open_timeout=60) as ws:
        first = json.loads(await ws.recv())  # the text so far
        seen.append((first["version"], 0.0, 0))
        ready.set()
        async for message in ws:
            captions = json.loads(message)
            seen.append((captions["version"], time.time() - captions["posted_at"], len(message)))


async def speak(url: str, audio: bytes, pace_s: float = CHUNK_S) -> None:
    """Stream ``audio`` (float32 at SPEAKER_RATE_HZ) as the speaker page does: start, a chunk of CHUNK_S seconds
    every ``pace_s`` seconds of wall time (CHUNK_S: real time), stop; returns once the server has closed the take."""
    step = 4 * round(CHUNK_S * SPEAKER_RATE_HZ)
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "start", "sample_rate": SPEAKER_RATE_HZ}))
        began = time.monotonic()
        for i, offset in enumerate(range(0, len(audio), step)):
            await asyncio.sleep(max(0.0, began + i * pace_s - time.monotonic()))
            await ws.send(audio[offset : offset + step])
        await ws.send('{"type": "stop"}')
        async for _ in ws:  # until the server closes: its last pass has committed every word
            pass


def read_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def percentile_ms(values: list[float], q: int) -> float:
    """The ``q``-th percentile of ``values`` (seconds), in milliseconds."""
    return 1000 * statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def load_test(port: int, viewers: int, audio: bytes, server_pid: int) -> dict:
    """Connect ``viewers`` readers and one stalled viewer, stream ``audio``, and measure; the figures."""
    base = f"127.0.0.1:{port}"
    await speak(f"ws://{base}/ws/speaker", audio[: 4 * round(WARM_UP_S * SPEAKER_RATE_HZ)], pace_s=0.0)
    seen: list[list[tuple[int, float, int]]] = [[] for _ in range(viewers)]
    ready = [asyncio.Event() for _ in range(viewers)]
    tasks = [asyncio.ensure_future(watch(f"ws://{base}/ws/captions", s, r)) for s, r in zip(seen, ready)]
    await asyncio.gather(*(r.wait() for r in ready))
    stalled = stalled_viewer(port)
    await asyncio.sleep(1.0)
    rss_before = rss_bytes(server_pid)  # after a first take, with every viewer connected
    await speak(f"ws://{base}/ws/speaker", audio)
    final = (await asyncio.to_thread(read_json, f"http://{base}/captions.json"))["version"]
    deadline = time.monotonic() + SETTLE_S
    while any(not s or s[-1][0] < final for s in seen) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    rss_after = rss_bytes(server_pid)
    waiting = unread_bytes(stalled)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    stalled.close()
    return {"seen": seen, "final": final, "rss_before": rss_before, "rss_after": rss_after, "waiting": waiting}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils bench-captions",
        description=__doc__.strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--viewers", type=int, default=VIEWERS, help=f"reading viewers (default {VIEWERS})")
    parser.add_argument("--model", default=MODEL, help=f"Whisper model the server runs (default {MODEL})")
    parser.add_argument("--clip", default=CLIP, help=f"bundled clip the speaker streams (default {CLIP})")
    args = parser.parse_args(argv)
    if args.viewers < 1:
        raise UsageError(f"--viewers {args.viewers}: give at least 1.")
    with reading_user_input():
        audio = load_audio(clip(args.clip).path, sr=SPEAKER_RATE_HZ).astype("<f4")
    load = os.getloadavg()[0]
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=serve, args=(args.model, child), daemon=True)
    process.start()
    try:
        port = parent.recv()
        figures = asyncio.run(load_test(port, args.viewers, audio.tobytes(), process.pid))
    finally:
        parent.send("stop")
        process.join(60)
    report(args, len(audio) / SPEAKER_RATE_HZ, figures, load)
    return 0


def report(args, clip_s: float, figures: dict, load_before: float) -> None:
    """Print the figures of :func:`load_test`."""
    seen, final = figures["seen"], figures["final"]
    complete = sum([v for v, _, _ in s] == list(range(s[0][0], final + 1)) for s in seen)
    delays = [delay for s in seen for _, delay, _ in s[1:]]
    backlog = max(sum(size for _, _, size in s) for s in seen)  # every version, as a reading viewer got them
    p95 = percentile_ms(delays, 95)
    print(f"captions load test: {args.viewers} reading viewers and 1 that never reads, {args.model}, the speaker")
    print(f"streaming {args.clip} ({clip_s:.1f} s) in real time; load average {load_before:.2f} before, ", end="")
    print(f"{os.getloadavg()[0]:.2f} after, on {os.cpu_count()} cores")
    posted = final - min(s[0][0] for s in seen)
    print(f"versions posted during the take: {posted}; reading viewers that got every one: {complete} of {len(seen)}")
    print(
        f"delivery, post -> viewer, {len(delays)} deliveries: p50 {percentile_ms(delays, 50):.0f} ms, "
        f"p95 {p95:.0f} ms, max {1000 * max(delays):.0f} ms (target p95 <= {TARGET_P95_MS:.0f} ms: "
        f"{'met' if p95 <= TARGET_P95_MS else 'NOT met'})"
    )
    before, after = figures["rss_before"], figures["rss_after"]
    print(
        f"server memory (RSS): {before / MB:.1f} MB with every viewer connected after a first take, {after / MB:.1f} MB after the "
        f"take ({(after - before) / MB:+.1f} MB). Every version sent to one viewer: {backlog / 1024:.0f} kB, the backlog "
        f"a queue for the stalled viewer would hold; unread in its socket: {figures['waiting'] / 1024:.0f} kB"
    )
