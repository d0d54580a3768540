"""The kit's command line (python -m course_utils); kit.py, the installer, is tested in test_kit.py."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
