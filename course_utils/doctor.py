"""python -m course_utils doctor: the check a teacher runs on every laptop before class.

Each check says OK, or what is wrong and how to fix it. Exit status 0 when the machine is ready.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MIN_PYTHON, MAX_PYTHON = (3, 10), (3, 13)
MIN_FREE_DISK_GB = 2.0  # room for a few downloaded models and converted checkpoints


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_python() -> Check:
    version = sys.version_info[:2]
    ok = MIN_PYTHON <= version <= MAX_PYTHON
    return Check("Python", ok, sys.version.split()[0], "" if ok else "Use Python 3.10 to 3.13.")


def check_torch() -> Check:
    import torch

    if torch.cuda.is_available():
        device = f"CUDA GPU: {torch.cuda.get_device_name(0)} (fp16 on)"
    else:
        device = f"CPU, {torch.get_num_threads()} threads (fp32; a GPU would be faster)"
    return Check("PyTorch", True, f"{torch.__version__}, {device}")


def check_ffmpeg() -> Check:
    from .audio import ffmpeg_exe

    try:
        exe = ffmpeg_exe()
        first_line = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=30).stdout.split("\n")[0]
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        return Check("ffmpeg", False, str(error), "pip install imageio-ffmpeg (or your system's ffmpeg package)")
    return Check("ffmpeg", True, f"{' '.join(first_line.split()[:3])} ({ffmpeg_origin(exe)})")


def ffmpeg_origin(exe: str) -> str:
    """Which ffmpeg ``exe`` is: the system's, or the binary the pip package imageio-ffmpeg ships."""
    try:
        import imageio_ffmpeg
    except ImportError:
        return "system"
    shipped_folder = Path(imageio_ffmpeg.__file__).resolve().parent
    return "imageio-ffmpeg, from pip" if Path(exe).resolve().is_relative_to(shipped_folder) else "system"


def check_offline_models() -> list[Check]:
    from .models import OFFLINE_SOURCES, load_offline_model

    checks = []
    for name in OFFLINE_SOURCES:
        try:
            model = load_offline_model(name, device="cpu")
        except Exception as error:  # the doctor reports every failure instead of stopping at the first
            checks.append(Check(f"model {name} offline", False, type(error).__name__, str(error)))
            continue
        millions = sum(p.numel() for p in model.parameters()) / 1e6
        checks.append(Check(f"model {name} offline", True, f"loads ({millions:.0f} M parameters)"))
    return checks


def check_network() -> Check:
    from .models import OFFLINE_SOURCES, is_online, whisper_cache_dir

    cached = sorted(p.stem for p in whisper_cache_dir().glob("*.pt"))
    detail = (
        "model server reachable: every model can be downloaded"
        if is_online()
        else (f"offline: {', '.join(OFFLINE_SOURCES)} work; downloaded before: {', '.join(cached) or 'none'}")
    )
    return Check("network", True, detail)


def check_jupyter() -> Check:
    versions = {}
    for package in ("jupyterlab", "notebook", "ipykernel", "ipywidgets", "anywidget"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    missing = [p for p in ("ipykernel", "ipywidgets", "anywidget") if p not in versions]
    front_end = [p for p in ("jupyterlab", "notebook") if p in versions]
    detail = ", ".join(f"{k} {v}" for k, v in versions.items())
    if missing or not front_end:
        return Check("Jupyter", False, detail or "not installed", "Run the README's setup command (python kit.py lab).")
    streaming = int(versions["ipykernel"].split(".")[0]) >= 7
    note = "" if streaming else " (ipykernel < 7: live microphone chunks arrive only between cells)"
    return Check("Jupyter", True, detail + note + "; microphone: open Jupyter at http://localhost (or https)")


def check_disk() -> Check:
    from .models import offline_cache_dir

    folder = offline_cache_dir()
    while not folder.exists():
        folder = folder.parent
    free_gb = shutil.disk_usage(folder).free / 1e9
    ok = free_gb >= MIN_FREE_DISK_GB
    fix = "" if ok else f"Free at least {MIN_FREE_DISK_GB:.0f} GB for model files."
    return Check("disk", ok, f"{free_gb:.1f} GB free in {folder}", fix)


def run_checks() -> list[Check]:
    checks: list[Check] = []
    steps: list[Callable[[], Check | list[Check]]] = [
        check_python,
        check_torch,
        check_ffmpeg,
        check_jupyter,
        check_disk,
        check_network,
        check_offline_models,
    ]
    for step in steps:
        result = step()
        checks.extend(result if isinstance(result, list) else [result])
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils doctor", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.parse_args(argv)
    checks = run_checks()
    width = max(len(c.name) for c in checks)
    for c in checks:
        print(
            f"{'OK ' if c.ok else 'FIX'}  {c.name:<{width}}  {c.detail}"
            + (f"\n     {'':<{width}}  -> {c.fix}" if c.fix else "")
        )
    problems = [c for c in checks if not c.ok]
    print(
        "\nOK: this machine is ready for Whisper Lab."
        if not problems
        else f"\n{len(problems)} thing(s) to fix, see FIX above."
    )
    return 1 if problems else 0
