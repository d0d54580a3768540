"""The captions server (notebook 10) in Chromium: a fake microphone plays a Spanish clip into the speaker page, which
streams it with the kit's recorder; two captions pages show the same English translation: the captions page (pushed
over the WebSocket) and the overlay polling /captions.json. The delay from a caption's post on the server to its paint
on each page is measured and printed."""

from __future__ import annotations

import re
import statistics
import time

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

pytestmark = pytest.mark.browser


@pytest.fixture
def server():
    captions = CaptionServer(cu.load_model("base", device="cpu"), task="translate", port=0).start()
    yield captions
    captions.stop()


def test_speaker_page_streams_and_two_viewers_read_the_same_english(server, launch_chromium, tmp_path):
    browser = launch_chromium(fake_mic=write_fake_mic_wav(tmp_path, CLIP))
    context = browser.new_context(viewport={"width": 1000, "height": 500})
    viewers = [context.new_page() for _ in VIEWERS]
    for viewer, page in zip(viewers, VIEWERS.values()):
        viewer.goto(server.url(page))
        expect(viewer.locator("#status")).to_contain_text("not listening", timeout=TIMEOUT_MS)
    speaker = context.new_page()
    speaker.goto(server.url("/speaker"))
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
