"""The captions server (notebook 11) in Chromium, as a classroom uses it: over https (a self-signed certificate made
as the README says) at a name that is not localhost (Chromium maps classroom.test to 127.0.0.1), so that only https
makes the speaker page a secure context; with a token, given once in the address and then kept in a cookie. A fake
microphone plays a Spanish clip into the speaker page, which streams it with the kit's recorder; two captions pages
show the same English translation: the captions page (pushed over the WebSocket) and the overlay polling
/captions.json. The delay from a caption's post on the server to its paint on each page is measured and printed.
A file played to its end shows "finished", and a stopped server "server stopped"."""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import pytest
from jupyter_browser import save_screenshot, write_fake_mic_wav
from playwright.sync_api import expect

import course_utils as cu
from course_utils.captions import CaptionServer
from course_utils.live import word_key

CLIP = "prompt_es_1"  # 5.3 s: "Lo siento, pero no hay una correspondencia con esas palabras claves."
SPEAK_S = 6.5  # the fake microphone loops the clip from the moment it opens: once, and a little more
ENGLISH = {"words", "key", "keywords", "correspondence", "correspondents", "sorry"}  # of the expected translation
TIMEOUT_MS = 90_000
VIEWERS = {"pushed": "/", "polled": "/overlay?poll=0.5"}  # name -> page
LAPTOP = "classroom.test"  # the server's name as the room's machines would know it; Chromium resolves it to loopback
TOKEN = "room-42-secret"

pytestmark = pytest.mark.browser


@pytest.fixture
def certificate(tmp_path) -> tuple[Path, Path]:
    """A self-signed certificate for LAPTOP and 127.0.0.1, and its key: the README's openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: apt-get install -y openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    command = ["openssl", *"req -x509 -newkey rsa:2048 -nodes -days 1 -subj".split(), f"/CN={LAPTOP}"]
    command += ["-addext", f"subjectAltName=DNS:{LAPTOP},IP:127.0.0.1", "-keyout", key, "-out", cert]
    subprocess.run(command, check=True, capture_output=True)
    return cert, key


@pytest.fixture
def server(certificate):
    cert, key = certificate
    captions = CaptionServer(
        cu.load_model("base", device="cpu"),
        task="translate",
        port=0,
        token=TOKEN,
        allow_hosts=[LAPTOP],
        certfile=cert,
        keyfile=key,
    ).start()
    yield captions
    captions.stop()


def test_speaker_page_over_https_streams_and_two_viewers_read_the_same_english(server, launch_chromium, tmp_path):
    browser = launch_chromium(
        fake_mic=write_fake_mic_wav(tmp_path, CLIP), args=(f"--host-resolver-rules=MAP {LAPTOP} 127.0.0.1",)
    )
    context = browser.new_context(viewport={"width": 1000, "height": 500}, ignore_https_errors=True)
    address = f"https://{LAPTOP}:{server.port}"
    viewers = [context.new_page() for _ in VIEWERS]
    for viewer, page in zip(viewers, VIEWERS.values()):
        viewer.goto(f"{address}{page}{'&' if '?' in page else '?'}token={TOKEN}")
        assert viewer.url == f"{address}{page}", viewer.url  # the token has left the address bar: a cookie keeps it
        expect(viewer.locator("#status")).to_contain_text("not listening", timeout=TIMEOUT_MS)
    speaker = context.new_page()
    speaker.goto(f"{address}/speaker")  # the cookie is enough
    assert speaker.evaluate("isSecureContext && Boolean(navigator.mediaDevices)")  # https: the microphone is allowed
    record = speaker.locator(".wlr-button")
    record.click()
    expect(record).to_have_text(re.compile("Stop"), timeout=20_000)
    expect(speaker.locator("#server")).to_contain_text("Streaming", timeout=20_000)
    time.sleep(SPEAK_S)
    record.click()  # the take ends: the server's last pass commits every word
    expect(speaker.locator("#server")).to_contain_text("committed", timeout=TIMEOUT_MS)

    shown = []
    for viewer in viewers:
        expect(viewer.locator("#status")).to_contain_text("heard: Spanish", timeout=TIMEOUT_MS)
        expect(viewer.locator("#status")).to_contain_text("not listening", timeout=TIMEOUT_MS)
        shown.append(viewer.locator(".committed").inner_text())
    assert shown[0] == shown[1] == server.board.captions.committed, shown
    assert ENGLISH & {word_key(w) for w in shown[0].split()}, shown[0]
    save_screenshot(viewers[0].locator("body"), "captions-viewer.png")
    save_screenshot(viewers[1].locator("body"), "captions-overlay.png")

    print(f"\nshown: {shown[0]!r}")
    for name, viewer in zip(VIEWERS, viewers):
        delays = viewer.evaluate("window.captionDelays")
        assert delays and max(delays) < 5.0, (name, delays)
        print(
            f"commit -> screen, {name}: {len(delays)} paints, median {1000 * statistics.median(delays):.0f} ms, "
            f"max {1000 * max(delays):.0f} ms"
        )


def test_pages_say_finished_then_server_stopped(tiny_en, launch_chromium):
    server = CaptionServer(tiny_en, audio=cu.clip("prompt_en_1").path, speed=2.0, port=0).start()
    try:
        context = launch_chromium().new_context()
        pushed, polled = context.new_page(), context.new_page()
        pushed.goto(server.url("/"))
        polled.goto(server.url("/overlay?poll=0.5"))
        for page in (pushed, polled):
            expect(page.locator("#status")).to_contain_text("finished", timeout=TIMEOUT_MS)
            assert "household" in page.locator(".committed").inner_text()
    finally:
        server.stop()
    expect(pushed.locator("#status")).to_contain_text("finished · server stopped", timeout=10_000)
    expect(polled.locator("#status")).to_have_text(re.compile(r"finished · polling every 0.5 s$"))  # it stopped asking
