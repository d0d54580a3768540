"""The kit's command line (python -m course_utils) and its installer (kit.py)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import kit  # noqa: E402


def course_utils(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course_utils", *args], capture_output=True, text=True, cwd=ROOT)


def test_doctor_says_ok_on_a_ready_machine():
    done = course_utils("doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK   model tiny.en offline" in done.stdout and "OK   model base offline" in done.stdout
    assert "this machine is ready" in done.stdout


def test_no_command_prints_usage():
    done = course_utils()
    assert done.returncode == 2 and all(c in done.stderr for c in ("doctor", "bench-wer", "bench-live"))


def test_bench_reports_speed_and_memory():
    done = course_utils("bench", "--models", "tiny.en", "--clips", "jfk", "--json")
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)
    assert row["model"] == "tiny.en" and row["device"] == "cpu"
    assert row["rtf"] > 0 and row["load_s"] > 0 and row["peak_memory_mb"] > 100


@pytest.mark.parametrize(
    "torch_installed, linux, gpu, index_up, expected",
    [
        (True, True, False, True, None),  # Colab or the learner's own torch: keep it
        (False, True, False, True, [kit.TORCH, "--extra-index-url", kit.TORCH_CPU_INDEX]),  # CPU build
        (False, True, False, False, [kit.TORCH]),  # index unreachable: whatever pip is configured with
        (False, True, True, True, [kit.TORCH]),  # a GPU wants CUDA
        (False, False, False, True, [kit.TORCH]),  # macOS and Windows wheels are CPU-only anyway
    ],
)
def test_installer_never_pulls_cuda_without_a_gpu(monkeypatch, torch_installed, linux, gpu, index_up, expected):
    calls = []
    monkeypatch.setattr(
        kit.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0 if torch_installed else 1)
    )
    monkeypatch.setattr(kit.platform, "system", lambda: "Linux" if linux else "Darwin")
    monkeypatch.setattr(kit, "has_nvidia_gpu", lambda: gpu)
    monkeypatch.setattr(kit, "reachable", lambda url: index_up)
    monkeypatch.setattr(kit, "pip", lambda *args: calls.append(list(args)))
    kit.install_torch()
    assert calls == ([] if expected is None else [expected])
