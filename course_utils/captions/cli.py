"""python -m course_utils captions: live captions in the browser, pushed to every open page (notebooks/11).

Whisper listens to the speaker page's microphone (open /speaker, click Record), or with --audio to a file played
in real time, and every open captions page shows what it heard: committed words black, tentative words grey.
--task translate (a multilingual model such as base) writes English whatever language is spoken, detected anew
in every pass. Pages: / (captions), /overlay (for video: transparent, a few big lines), /speaker, /captions.json
(polling: {"committed": ..., "tentative": ...}). Listens on 127.0.0.1 only, unless --host says otherwise; then
--token is required: a page opened once with ?token=T keeps it in a cookie and leaves the address bar clean.
Only this server's own pages may open its WebSockets (--allow-origin adds others), and only requests that name it
(localhost, an IP address, --host, --allow-host) are answered. --certfile/--keyfile serve https, so that a speaker
page on another machine gets the microphone (see the README for a classroom certificate). Ctrl-C stops it.
"""

from __future__ import annotations

import argparse

from ..audio import load_audio
from ..commands import DEFAULT_MODEL, UsageError, add_language_option, language_option, reading_user_input
from ..live import DEFAULT_POLICY, POLICIES
from ..models import load_model
from .listen import TASKS
from .server import HOST, PORT, CaptionServer, require_token_off_loopback


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils captions",
        description=__doc__.strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"Whisper model name (default {DEFAULT_MODEL})")
    parser.add_argument(
        "--task",
        choices=TASKS,
        default="transcribe",
        help="transcribe (default), or translate into English (a multilingual model)",
    )
    parser.add_argument(
        "--policy",
        default=DEFAULT_POLICY,
        choices=sorted(POLICIES),
        help=f"when words are shown as final (default {DEFAULT_POLICY}; see bench-live --policy and notebook 05)",
    )
    add_language_option(parser)
    parser.add_argument("--audio", metavar="FILE", help="play this file in real time instead of the speaker page")
    parser.add_argument("--host", default=HOST, help=f"address to listen on (default {HOST}: this machine only)")
    parser.add_argument("--port", type=int, default=PORT, help=f"port to listen on (default {PORT})")
    parser.add_argument("--token", help="secret the pages must present (?token=T once); required off 127.0.0.1")
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="another site whose pages may open the WebSockets, e.g. https://obs.lan:8443 (repeatable)",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another name this machine is reached by, e.g. laptop.local (repeatable; IP addresses always work)",
    )
    parser.add_argument("--certfile", help="serve https with this PEM certificate (see the README)")
    parser.add_argument("--keyfile", help="the certificate's PEM private key (if not in --certfile)")
    args = parser.parse_args(argv)
    language = language_option(args.model, args.language)
    if args.model.endswith(".en") and args.task == "translate":
        raise UsageError(f"{args.model} hears English only: use a multilingual model such as --model base.")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port: use a number from 1 to 65535 (0: any free port).")
    with reading_user_input():
        require_token_off_loopback(args.host, args.token)
        audio = None if args.audio is None else load_audio(args.audio)
        model = load_model(args.model)
        server = CaptionServer(
            model,
            task=args.task,
            language=language,
            policy=args.policy,
            audio=audio,
            host=args.host,
            port=args.port,
            token=args.token,
            allow_origins=args.allow_origin,
            allow_hosts=args.allow_host,
            certfile=args.certfile,
            keyfile=args.keyfile,
        )
    print(f"Captions: {server.url('/')}" + ("  (the token is needed once: the page keeps it)" if args.token else ""))
    print(
        f"Overlay: {server.url('/overlay', with_token=False)}  JSON: {server.url('/captions.json', with_token=False)}"
    )
    speaker = "playing " + args.audio if audio is not None else server.url("/speaker", with_token=False)
    print(f"Speaker: {speaker}. Ctrl-C stops.")
    server.run()
    return 0
