"""The captions server: Whisper listens (a file played in real time, or the speaker page's microphone) and every
open page shows the captions as they change, pushed over a WebSocket; ``GET /captions.json`` for pollers.

Taught in notebooks/10_live_captions.ipynb. Starlette (routes, WebSockets) on uvicorn (the ASGI server), one asyncio
event loop in one thread; Whisper runs in the live pipeline's own thread (:class:`~.listen.Listener`), and what
blocks (starting and ending a take) runs in a small thread pool through ``run_in_executor``, so the loop keeps
answering. Safe by default: it listens on 127.0.0.1; any other host needs a token, which every WebSocket and
``/captions.json`` must present as ``?token=...``. Messages are bounded in size and rate; a bad one closes its own
connection with a reason (codes 1003 malformed, 1008 refused, 1009 too big) and the others carry on.

Routes: ``/`` captions page, ``/overlay`` the same for video overlays (transparent, a few big lines), ``/speaker``
the microphone page (the kit's recorder, course_utils/recorder.js), ``/captions.json``, WebSockets
``/ws/captions`` (viewers: they may send ``{"type": "ping"}``) and ``/ws/speaker`` (``{"type": "start",
"sample_rate": HZ}``, then binary float32 little-endian mono chunks at that rate, then ``{"type": "stop"}``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import socket
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from ..audio import load_audio
from ..chunks import ChunkAssembler
from ..live import SimulatedMicrophone
from .listen import Captions, Listener, SpeakerSource

HOST = "127.0.0.1"
PORT = 8765
MAX_MESSAGE_BYTES = 256 * 1024  # a speaker's 0.25 s chunk at 48 kHz is 48 KiB of float32
MAX_MESSAGES_PER_S = 20.0  # sustained, per connection (the speaker page sends 4 a second)
BURST_MESSAGES = 40  # messages a connection may send at once before the rate counts
SAMPLE_RATE_RANGE_HZ = (8_000, 192_000)  # sample rates a speaker page may announce
MAX_AUDIO_AHEAD_S = 10.0  # seconds of audio a speaker may send ahead of the wall clock (a network hiccup's backlog)
START_TIMEOUT_S = 60.0  # seconds to wait for the server to listen (Whisper's warm-up included)
STOP_TIMEOUT_S = 30.0  # seconds to wait for the last pass and the server's thread when stopping
PAGES = Path(__file__).parent / "pages"
RECORDER = Path(__file__).parents[1]  # recorder.js and recorder.css, the kit's microphone recorder (notebook 01)
WRONG_TOKEN = "wrong or missing token: add ?token=... (the server's --token) to the address"


class BadMessage(Exception):
    """A message that closes its connection: a WebSocket close ``code`` and a ``reason`` the other end reads."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def require_token_off_loopback(host: str, token: str | None) -> None:
    """A ValueError unless ``host`` is this machine only, or a ``token`` is given."""
    if token:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError as error:
        raise ValueError(f"--host {host} is not an address of this machine ({error}).") from error
    if not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise ValueError(
            f"--host {host} lets other machines connect: give --token T too (pages then open with ?token=T)."
        )


class MessageLimit:
    """A token bucket: ``burst`` messages at once, then ``per_s`` a second."""

    def __init__(self, per_s: float = MAX_MESSAGES_PER_S, burst: int = BURST_MESSAGES) -> None:
        self.per_s, self.burst = per_s, burst
        self.allowance, self.checked = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.allowance = min(self.burst, self.allowance + (now - self.checked) * self.per_s)
        self.checked = now
        if self.allowance < 1:
            return False
        self.allowance -= 1
        return True


async def receive(websocket: WebSocket, limit: MessageLimit) -> str | bytes | None:
    """The next message (text or bytes), None once the other end has gone; a :class:`BadMessage` if it is too big
    or comes too soon."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        return None
    data = message["text"] if message.get("text") is not None else message.get("bytes") or b""
    size = len(data.encode()) if isinstance(data, str) else len(data)
    if size > MAX_MESSAGE_BYTES:
        raise BadMessage(1009, f"message too big: {size} bytes, at most {MAX_MESSAGE_BYTES}")
    if not limit.take():
        raise BadMessage(1008, f"too many messages: at most {MAX_MESSAGES_PER_S:.0f} a second")
    return data


def parse_command(text: str) -> dict:
    """A JSON object with a "type"; a :class:`BadMessage` (1003) for anything else."""
    try:
        command = json.loads(text)
    except ValueError:
        command = None
    if not isinstance(command, dict) or not isinstance(command.get("type"), str):
        raise BadMessage(1003, f'malformed message: expected a JSON object with a "type", got {text[:40]!r}')
    return command


async def first_of(*coroutines):
    """Run ``coroutines`` together; return the first one's result (the others are cancelled)."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        return done.pop().result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class CaptionBoard:
    """The captions every viewer is shown, kept on the event loop: :meth:`post` a new version, :meth:`next` waits
    for one. A slow viewer skips versions it had no time to show, so memory stays flat however many watch."""

    def __init__(self) -> None:
        self.captions = Captions("", "", "", False)
        self.viewers = 0  # connected viewer WebSockets
        self.closed = False
        self._changed = asyncio.Event()

    def post(self, captions: Captions) -> None:
        """Show ``captions`` (with the next version number and the time now) to every viewer."""
        if replace(captions, version=0, posted_at=0.0) == replace(self.captions, version=0, posted_at=0.0):
            return  # nothing a viewer would see has changed
        self.captions = replace(captions, version=self.captions.version + 1, posted_at=time.time())
        self._changed.set()
        self._changed = asyncio.Event()

    async def next(self, seen: int) -> Captions | None:
        """The captions once their version differs from ``seen``; None when the board closes."""
        while self.captions.version == seen and not self.closed:
            await self._changed.wait()
        return None if self.closed else self.captions

    def close(self) -> None:
        self.closed = True
        self._changed.set()


class CaptionServer:
    """Live captions over the web for ``model``: :meth:`start` in the background (a notebook), or :meth:`run`
    in the foreground until Ctrl-C (the command line); :meth:`stop` ends every thread and connection.

    ``audio``: a file (or 16 kHz samples) played in real time (``speed`` times faster) instead of the speaker
    page. ``task``, ``language``: as Whisper's (``language=None`` detects it in every pass). ``port=0`` picks a
    free port (see :attr:`port`). A bad argument raises a ValueError that says what to change.
    """

    def __init__(
        self,
        model,
        *,
        task: str = "transcribe",
        language: str | None = None,
        audio=None,
        host: str = HOST,
        port: int = PORT,
        token: str | None = None,
        speed: float = 1.0,
    ) -> None:
        require_token_off_loopback(host, token)
        self.host, self.token, self.speed = host, token or None, speed
        self.audio = None if audio is None else load_audio(audio)
        self.board = CaptionBoard()
        self.listener = Listener(model, self._post_from_thread, task, language)
        self.app = Starlette(
            routes=[
                Route("/", self._page("captions.html")),
                Route("/overlay", self._page("captions.html")),
                Route("/speaker", self._page("speaker.html")),
                Route("/captions.json", self._captions_json),
                Route("/recorder.js", self._file(RECORDER / "recorder.js", "text/javascript")),
                Route("/recorder.css", self._file(RECORDER / "recorder.css", "text/css")),
                WebSocketRoute("/ws/captions", self._viewer),
                WebSocketRoute("/ws/speaker", self._speaker),
            ],
            lifespan=self._lifespan,
        )
        try:
            family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
            self._socket = socket.create_server((host, port), family=family)
        except OSError as error:
            raise ValueError(
                f"cannot listen on {host}:{port} ({error.strerror or error}): choose another --port."
            ) from error
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", ws_max_size=4 * MAX_MESSAGE_BYTES, lifespan="on")
        self._server = uvicorn.Server(config)
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="captions-blocking")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._speaking = False  # one speaker at a time

    # -- addresses -------------------------------------------------------------------------------------------

    def url(self, page: str = "/") -> str:
        """The address of ``page`` ("/", "/overlay", "/speaker", "/captions.json", "/ws/captions"), token included."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        scheme = "ws" if page.startswith("/ws/") else "http"
        query = f"?token={urllib.parse.quote(self.token)}" if self.token else ""
        return f"{scheme}://{host}:{self.port}{page}{query}"

    # -- starting and stopping -------------------------------------------------------------------------------

    def start(self) -> CaptionServer:
        """Serve from a background thread; returns once the server listens (and Whisper is warm)."""
        self._thread = threading.Thread(target=self.run, name="captions-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("The captions server did not start: its error is printed above.")
            time.sleep(0.05)
        return self

    def run(self) -> None:
        """Serve in this thread until :meth:`stop` (or Ctrl-C, in the main thread); then end every thread."""
        try:
            self._server.run(sockets=[self._socket])
        finally:
            self._socket.close()
            self.listener.stop()
            self._executor.shutdown(wait=True)

    def stop(self) -> None:
        """Close every connection (viewers read "the captions server is stopping"), end the take in progress and
        wait for every thread the server started."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self.board.close)
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
            if self._thread.is_alive():
                raise RuntimeError(f"The captions server did not stop within {STOP_TIMEOUT_S:.0f} s.")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @contextlib.asynccontextmanager
    async def _lifespan(self, app):
        self._loop = asyncio.get_running_loop()
        await self._blocking(self.listener.warm_up)
        if self.audio is not None:
            await self._blocking(self.listener.begin, SimulatedMicrophone(self.audio, speed=self.speed))
        yield
        self.board.close()

    async def _blocking(self, fn, *args):
        """``fn(*args)`` in the server's thread pool: the event loop keeps answering meanwhile."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _post_from_thread(self, captions: Captions) -> None:
        """Called by the transcribing thread after each pass: hand the captions to the event loop's thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.board.post, captions)

    # -- HTTP ------------------------------------------------------------------------------------------------

    @staticmethod
    def _page(name: str):
        async def page(request: Request) -> FileResponse:
            return FileResponse(PAGES / name, media_type="text/html", headers={"Cache-Control": "no-store"})

        return page

    @staticmethod
    def _file(path: Path, media_type: str):
        async def file(request: Request) -> FileResponse:
            return FileResponse(path, media_type=media_type)

        return file

    def _token_ok(self, connection: Request | WebSocket) -> bool:
        given = connection.query_params.get("token", "")
        return self.token is None or hmac.compare_digest(given.encode(), self.token.encode())

    async def _captions_json(self, request: Request) -> JSONResponse:
        if not self._token_ok(request):
            return JSONResponse({"error": WRONG_TOKEN}, status_code=403)
        return JSONResponse(self.board.captions.as_json(), headers={"Cache-Control": "no-store"})

    # -- WebSockets ------------------------------------------------------------------------------------------

    async def _refuse(self, websocket: WebSocket) -> BadMessage | None:
        await websocket.accept()  # accepted first, so that the page can read why it is closed
        return None if self._token_ok(websocket) else BadMessage(1008, WRONG_TOKEN)

    @staticmethod
    async def _close(websocket: WebSocket, outcome: BadMessage | None) -> None:
        if outcome is not None:
            with contextlib.suppress(Exception):  # the other end may have gone already
                await websocket.close(outcome.code, outcome.reason)

    async def _viewer(self, websocket: WebSocket) -> None:
        outcome = await self._refuse(websocket)
        if outcome is None:
            self.board.viewers += 1
            try:
                outcome = await first_of(self._send_captions(websocket), self._receive_pings(websocket))
            finally:
                self.board.viewers -= 1
        await self._close(websocket, outcome)

    async def _send_captions(self, websocket: WebSocket) -> BadMessage | None:
        seen = -1  # a viewer that joins late gets the text so far at once
        while (captions := await self.board.next(seen)) is not None:
            try:
                await websocket.send_text(json.dumps(captions.as_json()))
            except Exception:  # the viewer has gone
                return None
            seen = captions.version
        return BadMessage(1001, "the captions server is stopping")

    async def _receive_pings(self, websocket: WebSocket) -> BadMessage | None:
        limit = MessageLimit()
        try:
            while (data := await receive(websocket, limit)) is not None:
                if not isinstance(data, str) or parse_command(data)["type"] != "ping":
                    raise BadMessage(1003, 'malformed message: a viewer sends only {"type": "ping"}')
        except BadMessage as bad:
            return bad
        return None

    async def _speaker(self, websocket: WebSocket) -> None:
        outcome = await self._refuse(websocket)
        if outcome is None and self.audio is not None:
            outcome = BadMessage(1008, "this server plays a file (--audio): it takes no microphone")
        if outcome is None and self._speaking:
            outcome = BadMessage(1008, "another speaker is connected: one at a time")
        if outcome is None:
            self._speaking = True
            try:
                outcome = await self._hear(websocket)
            finally:
                await self._blocking(self.listener.finish)  # the last pass commits every word
                self._speaking = False
        await self._close(websocket, outcome)

    async def _hear(self, websocket: WebSocket) -> BadMessage | None:
        """One take from the speaker page: start, chunks, stop. Returns why to close (None: it has gone)."""
        limit = MessageLimit()
        chunks: ChunkAssembler | None = None
        source = SpeakerSource()
        started = time.monotonic()
        try:
            while (data := await receive(websocket, limit)) is not None:
                if isinstance(data, bytes):
                    if chunks is None:
                        raise BadMessage(1003, 'malformed message: audio came before {"type": "start", ...}')
                    source.put(chunks.add(chunks.next_seq, pcm_samples(data)))
                    chunks.chunks.clear()  # the transcriber keeps what it needs: a long meeting stays small
                    if chunks.samples_in / chunks.sample_rate > time.monotonic() - started + MAX_AUDIO_AHEAD_S:
                        raise BadMessage(1008, "audio faster than real time: a speaker streams as it records")
                    continue
                command = parse_command(data)
                if command["type"] == "start" and chunks is None:
                    chunks = ChunkAssembler(speaker_sample_rate(command))
                    await self._blocking(self.listener.begin, source)
                    started = time.monotonic()
                elif command["type"] == "stop" and chunks is not None:
                    source.put(chunks.finish())
                    return BadMessage(1000, "take finished")
                else:
                    raise BadMessage(1003, f"malformed message: unexpected {command['type']!r} here")
        except BadMessage as bad:
            return bad
        finally:
            source.end()
        return None


def pcm_samples(data: bytes) -> np.ndarray:
    """A speaker's binary chunk as float32 samples; a :class:`BadMessage` unless it is whole, finite float32."""
    if len(data) % 4:
        raise BadMessage(1003, f"malformed audio: {len(data)} bytes is not a whole number of float32 samples")
    samples = np.frombuffer(data, "<f4")
    if not np.isfinite(samples).all():
        raise BadMessage(1003, "malformed audio: samples must be finite numbers")
    return samples


def speaker_sample_rate(command: dict) -> int:
    """The speaker's ``sample_rate`` (Hz); a :class:`BadMessage` unless it is a whole number in range."""
    rate = command.get("sample_rate")
    low, high = SAMPLE_RATE_RANGE_HZ
    if isinstance(rate, float) and rate.is_integer():
        rate = int(rate)
    if not isinstance(rate, int) or isinstance(rate, bool) or not low <= rate <= high:
        raise BadMessage(1003, f"malformed start: sample_rate must be a whole number of Hz from {low} to {high}")
    return rate
