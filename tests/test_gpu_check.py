"""bench-gpu (course_utils.bench.gpu), run for real on the CPU through tools/gpu_check.py (this machine has no GPU);
its table and checks for two devices."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from course_utils.bench import gpu as bench_gpu

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "gpu_check.py"

Measurement = bench_gpu.Measurement

without_gpu = pytest.mark.skipif(torch.cuda.is_available(), reason="checks what happens on a machine without a GPU")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=ROOT)


@without_gpu
def test_without_a_gpu_it_says_so_and_measures_and_checks_the_cpu_column(tmp_path):
    out = tmp_path / "gpu" / "check.txt"
    done = run("--models", "tiny.en", "--clips", "librivox_2", "--batch", "2", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No NVIDIA GPU found (torch.cuda.is_available() is False" in done.stdout
    assert "cu.load_model chose cpu, cu.use_fp16 chose fp16=False: ok" in done.stdout
    table = done.stdout[done.stdout.index("model    task") :].splitlines()
    assert "cpu s" in table[0] and "cuda" not in table[0] and "speed-up" not in table[0]
    tasks = [line[9:33].strip() for line in table[1:]]
    assert tasks == [
        "transcribe librivox_2",
        "live pass librivox_2",
        "transcribe_batch x2",
    ]  # no detect_language: tiny.en is .en
    assert all("  ok (WER " in line for line in table[1:])
    assert out.read_text() == done.stdout and "All checks passed." in done.stderr


@without_gpu
def test_detect_language_on_a_multilingual_model_finds_french():
    done = run("--models", "base", "--tasks", "detect_language")
    assert done.returncode == 0, done.stdout + done.stderr
    (row,) = [line for line in done.stdout.splitlines() if line.startswith("base")]
    assert "detect_language prompt_fr_1" in row and re.search(r"ok \(fr (0\.[5-9]\d|1\.00)\)$", row)


@without_gpu
def test_require_gpu_fails_without_one():
    done = run("--require-gpu")
    assert done.returncode == 1 and "No NVIDIA GPU found" in done.stderr and done.stdout == ""


@pytest.mark.parametrize(
    "args, message",
    [
        (["--clips", "prompt_fr_1"], "--clips takes English clips; prompt_fr_1 is not"),
        (["--clips", "jfk,nothing"], "No bundled clip 'nothing'"),
        (["--models", "tiny-en"], "Unknown model(s) tiny-en. Valid names:"),
        (["--models", "tiny"], "tiny cannot be loaded offline"),
        (["--tasks", "transcribe,speed"], "unknown task(s) speed: choose from"),
        (["--batch", "0"], "--batch must be at least 1"),
    ],
)
def test_bad_arguments_say_what_is_wrong(args, message, capsys):
    with pytest.raises(SystemExit) as stopped:
        bench_gpu.parse_args(args)
    assert stopped.value.code == 2 and message in capsys.readouterr().err


def test_bad_arguments_print_one_clear_line():
    done = run("--clips", "prompt_fr_1")
    assert done.returncode == 2 and "--clips takes English clips; prompt_fr_1 is not" in done.stderr
    assert "Traceback" not in done.stderr


def test_two_devices_side_by_side_with_the_gpus_speed_up():
    rows = {
        ("tiny.en", "transcribe jfk"): {
            "cuda": Measurement(0.5, "ask not what your country can do", "WER 0.00", True),
            "cpu": Measurement(2.0, "ask not what your country can do", "WER 0.00", True),
        }
    }
    header, line = bench_gpu.table_lines(rows, {("tiny.en", "transcribe jfk"): 11.0}, ["cuda", "cpu"])
    assert header.split() == [
        "model",
        "task",
        "audio",
        "s",
        "cuda",
        "s",
        "x",
        "real",
        "time",
        "cpu",
        "s",
        "x",
        "real",
        "time",
        "GPU",
        "speed-up",
        "check",
    ]
    assert line.split()[:9] == ["tiny.en", "transcribe", "jfk", "11.0", "0.50", "22.0x", "2.00", "5.5x", "4.0x"]
    assert line.endswith("ok (WER 0.00 / WER 0.00; GPU vs CPU words: WER 0.00)")


def test_a_wrong_transcript_or_devices_that_disagree_fail_the_check():
    right = Measurement(1.0, "ask not what your country can do for you", "WER 0.00", True)
    wrong = Measurement(1.0, "ask what you can do for your country", "WER 0.90", False)
    assert bench_gpu.check({"cpu": right}) == "ok (WER 0.00)"
    assert bench_gpu.check({"cpu": wrong}).startswith("FAILED (WER 0.90)")
    disagree = Measurement(1.0, "ask not what my country can do for me", "WER 0.22", True)  # each passes alone
    assert bench_gpu.check({"cuda": disagree, "cpu": right}).startswith("FAILED (WER 0.22 / WER 0.00; GPU vs CPU")
    french = Measurement(0.1, "fr", "fr 0.97", True)
    assert bench_gpu.check({"cuda": Measurement(0.1, "es", "es 0.51", False), "cpu": french}).startswith("FAILED")
