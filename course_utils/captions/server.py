"""The captions server: Whisper listens (a file played in real time, or the speaker page's microphone) and every
open page shows the captions as they change, pushed over a WebSocket; ``GET /captions.json`` for pollers.

Taught in notebooks/11_live_captions.ipynb. Starlette (routes, WebSockets) on uvicorn (the ASGI server), one asyncio
event loop in one thread; Whisper runs in the live pipeline's own thread (:class:`~.listen.Listener`), and what
blocks (starting and ending a take) runs in a small thread pool through ``run_in_executor``, so the loop keeps
answering.

Security, after Jupyter Server's model (a server that hears the meeting is tried as an attacker would):

- **Host**: a request whose ``Host`` header is not this server's gets 403, page, JSON or WebSocket alike. This stops
  DNS rebinding: a page of evil.example whose name is made to resolve to this machine sends ``Host: evil.example``.
  This server's names are localhost, the ``host`` it listens on and the names given with ``allow_hosts``
  (``--allow-host``); an IP address always is one (a browser sends the address it connected to, and no attacker's
  DNS stands behind it), so the room's laptops may open ``http://192.168.1.20:8765``. No redirect names a Host.
- **Origin**: browsers send ``Origin`` with every WebSocket handshake but apply no same-origin policy to WebSockets,
  so both WebSockets accept only this server's own pages (``scheme://Host``, exactly as the browser sends both) and
  the origins given with ``allow_origins`` (``--allow-origin``), and close any other with 1008 before a caption or a
  sample passes (cross-site WebSocket hijacking). A handshake without ``Origin`` comes from a script, not a browser.
- **Token**: unlike Jupyter, no token is made by default. Jupyter runs code for whoever holds its token, so it must
  keep out every other page and process; on 127.0.0.1 (the default) this server shows captions and takes a
  microphone, the Host and Origin checks keep other sites' pages out, and a token would break the plain address
  and the notebook's embedded page. Any other ``host`` lets the room in and needs a token (a ValueError without
  one). With a token every route needs it: ``?token=T`` once, then a cookie (HttpOnly; SameSite=Lax, so that a
  link from the class chat, another site, still works after the redirect; cross-site WebSockets and fetches carry
  no Lax cookie); a page opened with ``?token=T`` gets the cookie and is redirected to the same path without it, so
  the token leaves the address bar. Scripts may keep sending ``?token=T``. Nothing logs it: uvicorn's access log
  (which prints query strings) is off, uvicorn logs warnings only, and the server's own lines never carry a query.
- **Messages** are bounded in size (text commands :data:`MAX_COMMAND_BYTES`, nested at most
  :data:`MAX_JSON_DEPTH`; audio :data:`MAX_MESSAGE_BYTES`) and rate; a bad one closes its own connection with a
  reason (codes 1003 malformed, 1008 refused, 1009 too big) and one log line, never a traceback; the others carry on.
- **The speaker slot** (one at a time) is freed when a speaker sends no start within ``start_within_s`` (5 s) or no
  audio for ``audio_gap_s`` (10 s).
- **HTTPS**: with ``certfile``/``keyfile`` (uvicorn's ``ssl_certfile``/``ssl_keyfile``) the pages are https and the
  WebSockets wss, so a speaker page on another machine gets the microphone (``getUserMedia`` needs a secure
  context: https, or http on localhost).

Routes: ``/`` captions page, ``/overlay`` the same for video overlays (transparent, a few big lines), ``/speaker``
the microphone page (the kit's recorder, course_utils/recorder.js), ``/captions.json``, WebSockets
``/ws/captions`` (viewers: they may send ``{"type": "ping"}``) and ``/ws/speaker`` (``{"type": "start",
"sample_rate": HZ}``, then binary float32 little-endian mono chunks at that rate, then ``{"type": "stop"}``).
Captions carry ``finished``: the file (``audio``) has been played to its end, nothing more will come.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import logging
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import uvicorn
import whisper
from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from ..audio import load_audio
from ..chunks import ChunkAssembler
from ..live import BROWSER_CHUNK_S, DEFAULT_POLICY, SimulatedMicrophone
from .listen import Captions, Listener, SpeakerSource

HOST = "127.0.0.1"
PORT = 8765
MAX_MESSAGE_BYTES = 256 * 1024  # an audio message; a speaker's 0.25 s chunk at 48 kHz is 48 KiB of float32
MAX_COMMAND_BYTES = 1024  # a text message; {"type": "start", "sample_rate": 48000} is 40 bytes
MAX_JSON_DEPTH = 1  # a command is one flat JSON object: deeper nesting is refused before it is parsed
MAX_MESSAGES_PER_S = 20.0  # sustained, per connection (the speaker page sends 4 a second)
BURST_MESSAGES = 40  # messages a connection may send at once before the rate counts
SAMPLE_RATE_RANGE_HZ = (8_000, 192_000)  # sample rates a speaker page may announce
MAX_AUDIO_AHEAD_S = 10.0  # seconds of audio a speaker may send ahead of the wall clock (a network hiccup's backlog)
START_WITHIN_S = 5.0  # seconds a connected speaker has to send {"type": "start"} before its slot is freed
AUDIO_GAP_S = 10.0  # seconds a speaker may send no audio before its slot is freed
START_TIMEOUT_S = 60.0  # seconds to wait for the server to listen (Whisper's warm-up included)
STOP_TIMEOUT_S = 30.0  # seconds to wait for the last pass and the server's thread when stopping
CLOSE_WAIT_S = 2.0  # seconds stopping waits for every viewer to be told "the captions server is stopping" (1001)
LOCAL_NAMES = ("localhost",)  # names of this machine that are always this server's (besides every IP address)
PAGES = Path(__file__).parent / "pages"
PAGE_FILES = {"/": "captions.html", "/overlay": "captions.html", "/speaker": "speaker.html"}  # path -> file
RECORDER = Path(__file__).parents[1]  # recorder.js and recorder.css, the kit's microphone recorder (notebook 01)
WRONG_TOKEN = "wrong or missing token: open the page once with ?token=... (the server's --token)"
FOREIGN_ORIGIN = "refused: a page of another site (start the server with --allow-origin to allow it)"
HOST_HEADER = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::\d{1,5})?")
HOST_NAME = re.compile(r"[A-Za-z0-9.-]+")  # a name given with --allow-host

log = logging.getLogger(__name__)


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


def allowed_origin(origin: str) -> str:
    """``origin`` ("https://obs.example:8443") as browsers send it, lowercase; a ValueError unless it is one."""
    parts = urllib.parse.urlsplit(origin.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
        raise ValueError(f"--allow-origin {origin} is not an origin: give scheme://host[:port], e.g. http://a.lan:8080")
    return f"{parts.scheme}://{parts.netloc}"


def allowed_host(name: str) -> str:
    """A host name given with --allow-host ("laptop.local"), lowercase; a ValueError unless it is one."""
    if not HOST_NAME.fullmatch(name):
        raise ValueError(f"--allow-host {name} is not a host name: give a name such as laptop.local, without a port")
    return name.lower()


def host_is_ours(host_header: str, names: Iterable[str]) -> bool:
    """Whether a request's ``Host`` ("name:port", "[::1]:port") names this server: any IP address does, a name
    only if it is in ``names`` (lowercase). A missing or malformed Host does not."""
    match = HOST_HEADER.fullmatch(host_header)
    if match is None:
        return False
    host = (match["ipv6"] or match["name"]).lower()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host in names
    return True


def origin_is_ours(origin: str | None, own_origin: str, allowed: Iterable[str]) -> bool:
    """Whether a WebSocket handshake's ``Origin`` is this server's own (``own_origin``: "scheme://Host") or one of
    ``allowed``; no Origin at all is a script, not a browser, and passes (the token, if any, still applies)."""
    return origin is None or origin.lower() in (own_origin.lower(), *allowed)


def peer(connection: HTTPConnection) -> str:
    """The other end's "address:port", for log lines."""
    client = connection.client
    return f"{client.host}:{client.port}" if client else "?"


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
    (text over :data:`MAX_COMMAND_BYTES`, bytes over :data:`MAX_MESSAGE_BYTES`) or comes too soon."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        return None
    if message.get("text") is not None:
        data, most = message["text"], MAX_COMMAND_BYTES
        size = len(data.encode())
    else:
        data, most = message.get("bytes") or b"", MAX_MESSAGE_BYTES
        size = len(data)
    if size > most:
        raise BadMessage(1009, f"message too big: {size} bytes, at most {most}")
    if not limit.take():
        raise BadMessage(1008, f"too many messages: at most {MAX_MESSAGES_PER_S:.0f} a second")
    return data


async def receive_before(websocket: WebSocket, limit: MessageLimit, deadline: float, late: str) -> str | bytes | None:
    """:func:`receive`, or a :class:`BadMessage` (1008, ``late``) once ``time.monotonic()`` passes ``deadline`` (s)."""
    try:
        return await asyncio.wait_for(receive(websocket, limit), max(0.0, deadline - time.monotonic()))
    except asyncio.TimeoutError:
        raise BadMessage(1008, late) from None


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON ``text`` (1 for a flat object); brackets in strings do not count."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def parse_command(text: str) -> dict:
    """A flat JSON object with a "type"; a :class:`BadMessage` (1003) for anything else, nested JSON included
    (checked before parsing: Python's parser recurses, and 100000 brackets would exhaust its stack)."""
    if json_depth(text) > MAX_JSON_DEPTH:
        raise BadMessage(1003, f"malformed message: JSON nested more than {MAX_JSON_DEPTH} deep")
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
    for one. A slow viewer skips versions it had no time to show, so memory stays flat however many watch: the
    board holds one version, and each viewer at most the one it is sending."""

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
    page. ``task``, ``language``: as Whisper's (``language=None`` detects it in every pass). ``policy``: the live
    commit policy's name (:data:`course_utils.live.POLICIES`). ``port=0`` picks a free port (see :attr:`port`).
    ``token``: the secret every route needs (required unless ``host`` is this machine only). ``allow_origins``:
    other origins whose pages may open the WebSockets ("https://obs.lan:8443"). ``allow_hosts``: other names this
    server is reached by ("laptop.local"). ``certfile``, ``keyfile``: serve https (PEM files). ``start_within_s``,
    ``audio_gap_s``: seconds before a speaker that sends no start, or no audio, loses its slot. A bad argument raises
    a ValueError that says what to change.
    """

    def __init__(
        self,
        model: whisper.Whisper,
        *,
        task: str = "transcribe",
        language: str | None = None,
        policy: str = DEFAULT_POLICY,
        audio=None,
        host: str = HOST,
        port: int = PORT,
        token: str | None = None,
        speed: float = 1.0,
        allow_origins: Iterable[str] = (),
        allow_hosts: Iterable[str] = (),
        certfile: str | Path | None = None,
        keyfile: str | Path | None = None,
        start_within_s: float = START_WITHIN_S,
        audio_gap_s: float = AUDIO_GAP_S,
    ) -> None:
        require_token_off_loopback(host, token)
        if keyfile is not None and certfile is None:
            raise ValueError("--keyfile needs --certfile too: the certificate that goes with the key.")
        self.host, self.token, self.speed = host, token or None, speed
        self.allow_origins = frozenset(allowed_origin(origin) for origin in allow_origins)
        self.host_names = frozenset((*LOCAL_NAMES, host.lower(), *(allowed_host(name) for name in allow_hosts)))
        self.tls = certfile is not None
        self.start_within_s, self.audio_gap_s = start_within_s, audio_gap_s
        self.audio = None if audio is None else load_audio(audio)
        self.board = CaptionBoard()
        self.listener = Listener(model, self._post_from_thread, task, language, policy)
        self.app = Starlette(
            routes=[
                *(Route(path, self._page(name)) for path, name in PAGE_FILES.items()),
                Route("/captions.json", self._captions_json),
                Route("/recorder.js", self._file(RECORDER / "recorder.js", "text/javascript")),
                Route("/recorder.css", self._file(RECORDER / "recorder.css", "text/css")),
                WebSocketRoute("/ws/captions", self._viewer),
                WebSocketRoute("/ws/speaker", self._speaker),
            ],
            lifespan=self._lifespan,
        )
        self.app.router.redirect_slashes = False  # its redirect would name the Host the client sent
        config = uvicorn.Config(
            self._guard,
            interface="asgi3",
            log_level="warning",
            access_log=False,  # it prints query strings, ?token= included
            ws_max_size=4 * MAX_MESSAGE_BYTES,
            ws_per_message_deflate=False,  # small messages; no compressor's memory per viewer
            lifespan="on",
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )
        try:
            config.load()  # reads the certificate and key now, so that a bad one is a ValueError here
        except OSError as error:
            raise ValueError(
                f"cannot serve https with --certfile {certfile} --keyfile {keyfile} ({error}): "
                "make a certificate and key as the README says."
            ) from error
        try:
            family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
            self._socket = socket.create_server((host, port), family=family)
        except OSError as error:
            raise ValueError(
                f"cannot listen on {host}:{port} ({error.strerror or error}): choose another --port."
            ) from error
        self.port: int = self._socket.getsockname()[1]
        self.cookie = f"captions-token-{self.port}"  # cookies ignore ports: one name per server on this machine
        self._server = uvicorn.Server(config)
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="captions-blocking")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._speaking = False  # one speaker at a time

    # -- addresses -------------------------------------------------------------------------------------------

    def url(self, page: str = "/", with_token: bool = True) -> str:
        """The address of ``page`` ("/", "/overlay", "/speaker", "/captions.json", "/ws/captions"), with
        ``?token=`` when the server has a token (unless ``with_token`` is False)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        host = f"[{host}]" if ":" in host else host
        scheme = ("ws" if page.startswith("/ws/") else "http") + ("s" if self.tls else "")
        query = f"?token={urllib.parse.quote(self.token)}" if self.token and with_token else ""
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
            deadline = time.monotonic() + CLOSE_WAIT_S
            while self.board.viewers and time.monotonic() < deadline:  # uvicorn's own shutdown would close them
                time.sleep(0.01)  # with 1012 ("service restart"), and a page would try again in vain
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
            await self._blocking(self.listener.begin, SimulatedMicrophone(self.audio, BROWSER_CHUNK_S, self.speed))
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

    # -- every request: Host and token -----------------------------------------------------------------------

    async def _guard(self, scope, receive, send) -> None:
        """The ASGI app uvicorn serves: every request passes here before Starlette's routes. A Host that is not
        this server's gets 403 (a WebSocket handshake too); with a token, an HTTP request without it gets 403."""
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        connection = HTTPConnection(scope)
        host = connection.headers.get("host", "")
        if not host_is_ours(host, self.host_names):
            log.warning("refused %s from %s: Host %r is not this server's", scope["path"], peer(connection), host[:80])
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})  # before the handshake: HTTP 403
            reason = f"Host {host[:80]!r} is not this server's: open it by its address, or start it with --allow-host"
            return await PlainTextResponse(reason, status_code=403)(scope, receive, send)
        if scope["type"] == "http" and self.token is not None:
            response = self._token_response(Request(scope))
            if response is not None:
                return await response(scope, receive, send)
        await self.app(scope, receive, send)

    def _token_ok(self, connection: HTTPConnection) -> bool:
        """Whether ``connection`` carries the token, as ``?token=`` or in the cookie (always, without a token)."""
        if self.token is None:
            return True
        given = connection.query_params.get("token") or connection.cookies.get(self.cookie, "")
        return hmac.compare_digest(given.encode(), self.token.encode())

    def _token_response(self, request: Request) -> Response | None:
        """None if ``request`` may go on; else its answer: 403, or for a page opened with the right ``?token=``,
        the cookie and a redirect to the same page without the token (it leaves the address bar)."""
        if not self._token_ok(request):
            log.warning("refused %s from %s: wrong or missing token", request.url.path, peer(request))
            return PlainTextResponse(WRONG_TOKEN, status_code=403)
        if "token" not in request.query_params or request.url.path not in PAGE_FILES:
            return None
        rest = urllib.parse.urlencode([item for item in request.query_params.multi_items() if item[0] != "token"])
        response = RedirectResponse(request.url.path + (f"?{rest}" if rest else ""), status_code=303)
        response.set_cookie(self.cookie, self.token, path="/", secure=self.tls, httponly=True, samesite="lax")
        return response

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

    async def _captions_json(self, request: Request) -> JSONResponse:
        return JSONResponse(self.board.captions.as_json(), headers={"Cache-Control": "no-store"})

    # -- WebSockets ------------------------------------------------------------------------------------------

    async def _admit(self, websocket: WebSocket) -> BadMessage | None:
        """Accept the handshake (so that the page can read why it is closed); then why to close it at once, if
        it must: a foreign Origin, a wrong or missing token. Nothing has passed either way yet."""
        await websocket.accept()
        scheme = "https" if self.tls else "http"
        origin = websocket.headers.get("origin")
        if not origin_is_ours(origin, f"{scheme}://{websocket.headers.get('host', '')}", self.allow_origins):
            return BadMessage(1008, FOREIGN_ORIGIN)
        return None if self._token_ok(websocket) else BadMessage(1008, WRONG_TOKEN)

    @staticmethod
    async def _close(websocket: WebSocket, outcome: BadMessage | None) -> None:
        """Close with ``outcome``'s code and reason (one log line unless it is a normal end); None: it has gone."""
        if outcome is None:
            return
        if outcome.code not in (1000, 1001):
            log.warning("closed %s from %s: %d %s", websocket.url.path, peer(websocket), outcome.code, outcome.reason)
        with contextlib.suppress(Exception):  # the other end may have gone already
            await websocket.close(outcome.code, outcome.reason)

    async def _viewer(self, websocket: WebSocket) -> None:
        outcome = await self._admit(websocket)
        if outcome is not None:
            return await self._close(websocket, outcome)
        self.board.viewers += 1
        try:
            outcome = await first_of(self._send_captions(websocket), self._receive_pings(websocket))
            await self._close(websocket, outcome)  # before the count drops: stop() waits for every reason to go out
        finally:
            self.board.viewers -= 1

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
        outcome = await self._admit(websocket)
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
        """One take from the speaker page: start (within ``start_within_s``), chunks (none more than
        ``audio_gap_s`` apart), stop. Returns why to close (None: it has gone)."""
        limit = MessageLimit()
        chunks: ChunkAssembler | None = None
        source = SpeakerSource()
        started = time.monotonic()
        deadline, late = started + self.start_within_s, f"no start within {self.start_within_s:g} s: slot freed"
        try:
            while (data := await receive_before(websocket, limit, deadline, late)) is not None:
                if isinstance(data, bytes):
                    if chunks is None:
                        raise BadMessage(1003, 'malformed message: audio came before {"type": "start", ...}')
                    source.put(chunks.add(chunks.next_seq, pcm_samples(data)))
                    chunks.chunks.clear()  # the transcriber keeps what it needs: a long meeting stays small
                    if chunks.samples_in / chunks.sample_rate > time.monotonic() - started + MAX_AUDIO_AHEAD_S:
                        raise BadMessage(1008, "audio faster than real time: a speaker streams as it records")
                    deadline = time.monotonic() + self.audio_gap_s
                    continue
                command = parse_command(data)
                if command["type"] == "start" and chunks is None:
                    chunks = ChunkAssembler(speaker_sample_rate(command))
                    await self._blocking(self.listener.begin, source)
                    started = time.monotonic()
                    deadline, late = started + self.audio_gap_s, f"no audio for {self.audio_gap_s:g} s: slot freed"
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
