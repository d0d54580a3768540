"""Driving Jupyter in a real browser: a Jupyter server (JupyterLab or Notebook 7) in a temporary home, a page
helper that runs a notebook's cells as a learner would, a second client that asks the notebook's own kernel for
values, and checks of a recording against what the fake microphone played. Fixtures are in conftest.py.

Measured on these machines: see shared/browser-testing.md.
"""

from __future__ import annotations

import ast
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
import numpy as np

import course_utils as cu

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = REPO / "tests" / "artifacts"  # screenshots; git-ignored
CHROMIUM = Path("/usr/bin/chromium")
FLAVOURS = ("lab", "notebook")  # JupyterLab 4, Notebook 7
SERVER_START_TIMEOUT_S = 60
CELL_TIMEOUT_S = 180
KEY_PRESS_TIMEOUT_S = 5  # seconds for a cell's prompt to show that Ctrl+Enter was taken
RUN_ATTEMPTS = 3
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
# JupyterLab settings for test runs: every cell stays in the page, no news or update pop-ups.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


def chromium_flags(fake_mic: Path | None = None, allow_microphone: bool = True) -> list[str]:
    """Chromium's command-line flags: headless-friendly, a fake microphone playing ``fake_mic`` (a WAV, looped).

    ``allow_microphone=False`` denies the permission prompt, as a learner clicking "Block" would.
    """
    flags = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream"]
    flags.append("--use-fake-ui-for-media-stream" if allow_microphone else "--deny-permission-prompts")
    if fake_mic is not None:
        flags.append(f"--use-file-for-fake-audio-capture={Path(fake_mic).resolve()}")
    return flags


def write_fake_mic_wav(folder: Path, clip_id: str = "jfk", sr: int = 44_100) -> Path:
    """A 16-bit mono WAV of the bundled clip ``clip_id`` at ``sr`` Hz, for Chromium's fake microphone."""
    return cu.save_wav(folder / f"{clip_id}-{sr}.wav", cu.load_audio(cu.clip(clip_id).path, sr=sr), sr=sr)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class JupyterServer:
    """``jupyter lab`` or ``jupyter notebook`` (Notebook 7) on a free 127.0.0.1 port, all its state in ``home``."""

    def __init__(self, flavour: str, root_dir: Path, home: Path, extra_args: tuple[str, ...] = ()) -> None:
        if flavour not in FLAVOURS:
            raise ValueError(f"flavour must be one of {FLAVOURS}, got {flavour!r}")
        self.flavour, self.root_dir = flavour, root_dir
        self.port, self.token = _free_port(), uuid.uuid4().hex
        self.runtime_dir = home / "runtime"
        settings = home / "lab-settings"
        for name, values in LAB_SETTINGS.items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(values))
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_DATA_DIR": str(home / "data"),
            "JUPYTER_RUNTIME_DIR": str(self.runtime_dir),
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
            "IPYTHONDIR": str(home / "ipython"),
            "JUPYTER_PLATFORM_DIRS": "1",
            "WHISPER_LAB_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
        }
        self.log = (home / f"jupyter-{flavour}.log").open("w")
        command = [
            sys.executable,
            "-m",
            "jupyter",
            flavour,
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--allow-root",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={root_dir}",
            "--ServerApp.port_retries=0",
            *extra_args,
        ]
        self.probes: list[KernelProbe] = []
        self.process = subprocess.Popen(
            command, cwd=root_dir, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_until_ready()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        """Address of ``path`` on this server, token included."""
        separator = "&" if "?" in path else "?"
        return f"http://{host}:{self.port}/{path.lstrip('/')}{separator}token={self.token}"

    def notebook_url(self, name: str, host: str = "127.0.0.1") -> str:
        """Where the notebook ``name`` (relative to the root folder) opens in this flavour."""
        path = f"lab/tree/{name}?reset" if self.flavour == "lab" else f"notebooks/{name}"
        return self.url(path, host)

    def api(self, path: str):
        with urllib.request.urlopen(self.url(f"api/{path}"), timeout=10) as response:
            return json.load(response)

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter {self.flavour} exited: see {self.log.name}")
            try:
                self.api("status")
                return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"jupyter {self.flavour} did not answer in {SERVER_START_TIMEOUT_S} s: see {self.log.name}")

    def kernel(self, notebook: str) -> KernelProbe:
        """The kernel running ``notebook`` (opened in a page), to ask it for values."""
        for session in self.api("sessions"):
            if session["path"] == notebook:
                self.probes.append(KernelProbe(self.runtime_dir / f"kernel-{session['kernel']['id']}.json"))
                return self.probes[-1]
        raise LookupError(f"No kernel runs {notebook}: open it first.")

    def stop(self) -> None:
        for probe in self.probes:
            probe.close()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


class KernelProbe:
    """A second client of a notebook's kernel: evaluates expressions there, beside the page's own client."""

    def __init__(self, connection_file: Path) -> None:
        from jupyter_client import BlockingKernelClient

        self.client = BlockingKernelClient(connection_file=str(connection_file))
        self.client.load_connection_file()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def evaluate(self, expression: str, timeout: float = CELL_TIMEOUT_S):
        """The value of ``expression`` in the kernel (anything JSON can carry), without touching its history."""
        as_json = f"__import__('json').dumps({expression})"
        msg_id = self.client.execute("", silent=True, user_expressions={"value": as_json})
        deadline = time.monotonic() + timeout
        while True:
            reply = self.client.get_shell_msg(timeout=max(1.0, deadline - time.monotonic()))
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        result = reply["content"]["user_expressions"]["value"]
        if result["status"] != "ok":
            raise AssertionError(f"{expression} failed in the kernel: {result['ename']}: {result['evalue']}")
        return json.loads(ast.literal_eval(result["data"]["text/plain"]))

    def close(self) -> None:
        self.client.stop_channels()


class NotebookPage:
    """A notebook open in JupyterLab or Notebook 7: run its cells one by one, as a learner would."""

    def __init__(self, page, server: JupyterServer, notebook: str, host: str = "127.0.0.1") -> None:
        self.page, self.server, self.notebook = page, server, notebook
        self.sources = [cell.source for cell in nbformat.read(server.root_dir / notebook, as_version=4).cells]
        page.goto(server.notebook_url(notebook, host))
        self.cells = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")
        self.cells.nth(len(self.sources) - 1).wait_for(state="attached", timeout=60_000)
        page.locator(".jp-NotebookPanel .jp-Notebook .jp-CodeCell .jp-InputPrompt").first.wait_for(timeout=60_000)
        if not self._wait(self._kernel_idle, SERVER_START_TIMEOUT_S):
            raise TimeoutError(f"The kernel of {notebook} did not start in {SERVER_START_TIMEOUT_S} s.")

    def _kernel_idle(self) -> bool:
        sessions = [s for s in self.server.api("sessions") if s["path"] == self.notebook]
        return bool(sessions) and sessions[0]["kernel"]["execution_state"] == "idle"

    def index(self, text: str) -> int:
        """Index of the first cell whose source contains ``text``."""
        for index, source in enumerate(self.sources):
            if text in source:
                return index
        raise LookupError(f"No cell of {self.notebook} contains {text!r}.")

    def cell(self, index: int):
        return self.cells.nth(index)

    def run(self, index: int, timeout_s: float = CELL_TIMEOUT_S) -> None:
        """Run cell ``index`` (click its prompt, Ctrl+Enter) and wait until the kernel has finished it."""
        cell = self.cell(index)
        if "jp-CodeCell" not in (cell.get_attribute("class") or ""):
            return
        prompt = cell.locator(".jp-InputPrompt")
        before = prompt.inner_text().strip()
        for _ in range(RUN_ATTEMPTS):  # a key press can land before the page has focus: then press again
            prompt.scroll_into_view_if_needed()
            prompt.click()  # selects the cell, in command mode
            self.page.keyboard.press("Control+Enter")
            if self._wait(lambda: prompt.inner_text().strip() != before, KEY_PRESS_TIMEOUT_S):
                break
        finished = self._wait(lambda: re.fullmatch(r"\[\d+\]:", prompt.inner_text().strip()), timeout_s)
        if not finished:
            shot = save_screenshot(self.page, f"timeout-{self.server.flavour}-cell{index}.png")
            raise TimeoutError(f"Cell {index} of {self.notebook} did not finish in {timeout_s} s: see {shot}.")
        traceback = cell.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']")
        if traceback.count():
            raise AssertionError(f"Cell {index} of {self.notebook} failed:\n{traceback.first.inner_text()}")

    @staticmethod
    def _wait(condition, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True

    def run_range(self, first: int, last: int) -> None:
        """Run cells ``first`` to ``last``, both included."""
        for index in range(first, last + 1):
            self.run(index)

    def output_text(self, index: int) -> str:
        return self.cell(index).locator(".jp-OutputArea").inner_text()

    def kernel(self) -> KernelProbe:
        return self.server.kernel(self.notebook)


def similarity(recording: np.ndarray, source: np.ndarray) -> float:
    """Peak normalised cross-correlation of ``recording`` with ``source`` looped (both at the same rate).

    Above 0.8 means the recording is the source, undistorted; a time-reversed source gives below 0.4.
    """
    looped = np.tile(source, int(np.ceil(recording.size / source.size)) + 1)
    size = 1 << int(np.ceil(np.log2(looped.size + recording.size)))
    correlation = np.fft.irfft(np.fft.rfft(looped, size) * np.conj(np.fft.rfft(recording, size)), size)
    running = np.concatenate([[0.0], np.cumsum(looped.astype(np.float64) ** 2)])
    energies = running[recording.size :] - running[: -recording.size]  # of each window as long as the recording
    scores = correlation[: energies.size] / np.sqrt(energies * np.sum(recording.astype(np.float64) ** 2) + 1e-12)
    return float(scores.max())


def save_screenshot(locator, name: str) -> Path:
    """Screenshot of ``locator`` (a Playwright page or locator) into tests/artifacts/``name``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    locator.screenshot(path=str(path))
    return path
