"""Fixtures for real-browser tests (helpers in jupyter_browser.py): headless Chromium with a fake microphone,
JupyterLab or Notebook 7 on a copy of notebooks/, and notebook pages to run cells in.

Without /usr/bin/chromium (or the playwright package) the browser tests are skipped, unless CI=true: then they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_browser import CHROMIUM, NOTEBOOKS, JupyterServer, NotebookPage, chromium_flags, write_fake_mic_wav


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright():
    """Playwright's sync API, started once."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("The playwright package is not installed: pip install playwright")
    if not CHROMIUM.exists():
        _missing(f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory) -> Path:
    """The JFK clip as a 44.1 kHz WAV: what the fake microphone plays, in a loop, from the moment it opens."""
    return write_fake_mic_wav(tmp_path_factory.mktemp("fake-mic"))


@pytest.fixture
def launch_chromium(playwright):
    """``launch_chromium(fake_mic=wav, allow_microphone=True, args=())``: a headless Chromium, closed afterwards.

    With ``fake_mic`` the microphone plays that WAV; ``allow_microphone=False`` denies the permission prompt.
    """
    browsers = []

    def launch(fake_mic: Path | None = None, allow_microphone: bool = True, args: tuple[str, ...] = ()):
        flags = [*chromium_flags(fake_mic, allow_microphone), *args]
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=flags)
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        browser.close()


@pytest.fixture
def notebook_dir(tmp_path) -> Path:
    """A copy of the course's notebooks/ folder, so that runs and autosaves never touch the repository."""
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "outputs"))
    return folder


@pytest.fixture
def jupyter(tmp_path, notebook_dir) -> Iterator:
    """``jupyter(flavour, *extra_args)`` starts JupyterLab ("lab") or Notebook 7 ("notebook") on ``notebook_dir``."""
    servers = []

    def start(flavour: str, *extra_args: str) -> JupyterServer:
        servers.append(JupyterServer(flavour, notebook_dir, tmp_path / f"jupyter-{len(servers)}", extra_args))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def open_notebook():
    """``open_notebook(browser, server, "01_record_audio.ipynb")``: a :class:`NotebookPage` in a new page."""
    contexts = []

    def open_(browser, server: JupyterServer, notebook: str, host: str = "127.0.0.1") -> NotebookPage:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        return NotebookPage(context.new_page(), server, notebook, host)

    yield open_
    for context in contexts:
        context.close()
