"""Notebook 01 in a real browser: record from a fake microphone playing JFK, then transcribe it in the kernel.

Runs in JupyterLab 4 and in Notebook 7; also checks the messages for a denied microphone and an insecure page.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from jupyter_browser import FLAVOURS, save_screenshot, similarity
from playwright.sync_api import expect

import course_utils as cu

NOTEBOOK = "01_record_audio.ipynb"
RECORD_SECONDS = 10.0  # long enough for "... ask not what your country can do for you"
EXPECTED_WORDS = ("country",)
PIECE_S = 1.0  # seconds: the recording is compared with the source piece by piece

pytestmark = pytest.mark.browser


def open_recorder(page):
    """Run notebook 01 down to the recorder; returns the recorder's cell index and widget."""
    record_cell = page.index("recorder = record()")
    page.run_range(0, record_cell)
    widget = page.cell(record_cell).locator(".whisper-lab-recorder")
    expect(widget).to_be_visible(timeout=30_000)
    return record_cell, widget


def seconds_shown(widget) -> float:
    minutes, seconds = widget.locator(".wlr-time").inner_text().split(":")
    return 60 * int(minutes) + float(seconds)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_record_and_transcribe(flavour, jupyter, launch_chromium, open_notebook, speech_wav, notebook_dir):
    server = jupyter(flavour)
    page = open_notebook(launch_chromium(fake_mic=speech_wav), server, NOTEBOOK)
    record_cell, widget = open_recorder(page)

    button = widget.locator(".wlr-button")
    button.click()
    expect(button).to_have_text(re.compile("Stop"), timeout=20_000)
    expect(widget.locator(".wlr-rate")).to_have_text(re.compile(r"\d+ Hz"))
    deadline, loudest = time.monotonic() + 3 * RECORD_SECONDS, 0.0
    while seconds_shown(widget) < RECORD_SECONDS:
        assert time.monotonic() < deadline, "the recorder's clock stopped"
        loudest = max(loudest, widget.locator(".wlr-level").evaluate("node => parseFloat(node.style.width) || 0"))
        time.sleep(0.2)
    assert loudest > 30, "the level meter did not move"  # percent of its width: -42 dBFS and up
    save_screenshot(widget, f"recorder-{flavour}-recording.png")
    shown, clicked = seconds_shown(widget), time.monotonic()
    button.click()
    latest_s = shown + (time.monotonic() - clicked) + 1.0  # a loaded machine handles the click late: seconds later
    status = widget.locator(".wlr-status")
    expect(status).to_have_text(re.compile(r"Recorded \d+\.\d s in \d+ chunks"), timeout=20_000)
    recorded = float(re.search(r"Recorded (\d+\.\d) s", status.inner_text()).group(1))
    save_screenshot(widget, f"recorder-{flavour}.png")

    page.run_range(record_cell + 1, page.index("cu.save_wav("))

    kernel = page.kernel()
    assert kernel.evaluate("recorder.error") == ""
    sample_rate = kernel.evaluate("recorder.sample_rate")
    assert sample_rate in (44_100, 48_000)
    assert kernel.evaluate("recorder.chunks_received") >= 4 * RECORD_SECONDS
    seconds = kernel.evaluate("len(audio) / cu.SAMPLE_RATE")
    assert abs(seconds - recorded) < 0.5, "the kernel got a different recording than the page made"
    assert RECORD_SECONDS - 0.5 < seconds < latest_s, "the recording is cut short or runs past Stop"
    assert kernel.evaluate("len(audio) == len(recorder.audio())")  # the recording, not the fallback clip
    assert kernel.evaluate("description").startswith("Using your recording")
    text = kernel.evaluate("result['text']")
    assert all(word in text.lower() for word in EXPECTED_WORDS), text
    assert "country" in page.output_text(page.index('print(result["text"].strip())')).lower()

    # The saved WAV is what the fake microphone played: not distorted, not reversed, as loud.
    recording = cu.load_audio(notebook_dir / "outputs" / "my_recording.wav")
    source = cu.load_audio(speech_wav)
    assert abs(recording.size / cu.SAMPLE_RATE - seconds) < 0.01
    pieces = np.array_split(recording, round(recording.size / (PIECE_S * cu.SAMPLE_RATE)))
    # a capture glitch (a busy CI machine) spoils the pieces it falls in; a wrong sample rate, a distortion or a
    # reversal spoils every piece: so the best one must match the source sample for sample
    assert max(similarity(piece, source) for piece in pieces) > 0.9
    assert np.median([similarity(piece, source[::-1]) for piece in pieces]) < 0.4
    rms = np.sqrt(np.mean(recording**2))
    assert 0.5 < rms / np.sqrt(np.mean(source**2)) < 2


def test_denied_permission_is_explained(jupyter, launch_chromium, open_notebook, speech_wav):
    server = jupyter("lab")
    page = open_notebook(launch_chromium(fake_mic=speech_wav, allow_microphone=False), server, NOTEBOOK)
    record_cell, widget = open_recorder(page)
    widget.locator(".wlr-button").click()
    message = "Microphone permission was denied: allow it in the browser's address bar and click Record again."
    expect(widget.locator(".wlr-status.wlr-error")).to_have_text(message, timeout=20_000)
    save_screenshot(widget, "recorder-denied.png")
    kernel = page.kernel()
    deadline = time.monotonic() + 10
    while kernel.evaluate("recorder.error") != message:
        assert time.monotonic() < deadline, "the error did not reach the kernel"
        time.sleep(0.2)
    page.run_range(record_cell + 1, page.index("recorded_or_fallback(["))
    description = kernel.evaluate("description")
    assert description == f"Nothing was recorded ({message}): using the bundled clip jfk"


def test_insecure_page_is_explained(jupyter, launch_chromium, open_notebook, speech_wav):
    # A plain-http page from a host other than localhost is not a "secure context": no microphone at all.
    server = jupyter("notebook", "--ServerApp.allow_remote_access=True")
    browser = launch_chromium(fake_mic=speech_wav, args=("--host-resolver-rules=MAP jupyter.test 127.0.0.1",))
    page = open_notebook(browser, server, NOTEBOOK, host="jupyter.test")
    assert page.page.evaluate("window.isSecureContext") is False
    _, widget = open_recorder(page)
    error = widget.locator(".wlr-status.wlr-error")
    expect(error).to_contain_text("only allows the microphone on https or http://localhost")  # before any click
    widget.locator(".wlr-button").click()
    expect(error).to_contain_text("use an SSH tunnel")
    assert "https or http://localhost" in page.kernel().evaluate("recorder.error")
