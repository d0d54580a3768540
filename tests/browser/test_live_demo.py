"""Notebook 05 in JupyterLab: a fake microphone plays JFK into the live demo; words appear while it plays, and
after the recorder's Stop (the only Stop) the committed text holds what he said and no thread of the demo is left
running."""

from __future__ import annotations

import re
import time

import pytest
from jupyter_browser import save_screenshot
from playwright.sync_api import expect

NOTEBOOK = "05_live_transcription.ipynb"
LISTEN_SECONDS = 15.0  # the fake microphone loops the 11 s clip: "... ask not what your country can do for you"
EXPECTED_WORDS = ("country",)

pytestmark = pytest.mark.browser


def test_live_demo_transcribes_the_browser_microphone(jupyter, launch_chromium, open_notebook, speech_wav):
    server = jupyter("lab")
    page = open_notebook(launch_chromium(fake_mic=speech_wav), server, NOTEBOOK)
    mic_cell = page.index("mic_demo = live.LiveDemo(")
    # The setup, the model and the demo: the measurement cells between them take minutes and change nothing here.
    for marker in ("import course_utils as cu", 'model = cu.load_model("tiny.en")'):
        page.run(page.index(marker))
    page.run(mic_cell)  # returns at once: the browser's chunks reach the kernel only while no cell runs
    kernel = page.kernel()
    assert kernel.evaluate("mic_demo.transcriber.running")  # asked after the queued cells: waits for them

    recorder = page.cell(mic_cell).locator(".whisper-lab-recorder")
    demo = page.cell(mic_cell).locator(".whisper-lab-live")
    expect(recorder).to_be_visible(timeout=30_000)
    expect(demo).to_be_visible(timeout=30_000)
    record_button = recorder.locator(".wlr-button")
    record_button.click()
    expect(record_button).to_have_text(re.compile("Stop"), timeout=20_000)

    shown_while_speaking = ""
    deadline = time.monotonic() + LISTEN_SECONDS
    while time.monotonic() < deadline:
        shown = " ".join(demo.locator(".committed, .tentative").all_inner_texts()).strip()
        shown_while_speaking = shown or shown_while_speaking
        time.sleep(0.5)
    assert shown_while_speaking, "no words appeared while the microphone played"

    assert demo.get_by_role("button").count() == 0  # one Stop only: the recorder's
    record_button.click()  # the recorder's Stop ends the take and, after a last pass, the transcription
    expect(record_button).to_have_text(re.compile("Record"), timeout=20_000)
    expect(demo).to_contain_text("stopped", timeout=120_000)
    expect(demo).to_contain_text("run the cell that started this demo again", timeout=10_000)
    committed = demo.locator(".committed")
    expect(committed).to_contain_text(re.compile("country", re.IGNORECASE), timeout=10_000)
    save_screenshot(demo, "live-demo-lab.png")

    result_cell = page.index("You spoke for")
    assert result_cell > mic_cell
    page.run(result_cell)
    assert kernel.evaluate("mic_demo.transcriber.running") is False
    expect(page.cell(result_cell).locator(".jp-OutputArea")).to_contain_text("You spoke for", timeout=30_000)
    text = kernel.evaluate("mic_demo.transcriber.text").lower()
    assert all(word in text for word in EXPECTED_WORDS), text
    assert kernel.evaluate("mic_demo.transcriber.samples_received") >= 10 * 16_000
    assert kernel.evaluate("mic_demo.transcriber.error is None")
    alive = "[t.name for t in __import__('threading').enumerate() if t.name in ('live-transcriber', 'live-display')]"
    assert kernel.evaluate(alive) == []
