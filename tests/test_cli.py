"""The kit's command line (python -m course_utils); kit.py, the installer, is tested in test_kit.py.

Every user error of every command is one line on stderr (after argparse's usage, for a bad flag), exit status 2,
no traceback.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.__main__ import main as course_utils_main

ROOT = Path(__file__).resolve().parent.parent


def course_utils(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course_utils", *args], capture_output=True, text=True, cwd=ROOT)


def error_lines(stderr: str) -> list[str]:
    """stderr without argparse's usage block (its first line starts with "usage:", the others with spaces)."""
    return [line for line in stderr.splitlines() if not line.startswith(("usage:", " "))]


def run_in_process(capsys, *args: str) -> tuple[int, str]:
    """Exit status and stderr of ``python -m course_utils ARGS``, run in this process (argparse exits itself)."""
    try:
        code = course_utils_main(list(args))
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr().err


def test_doctor_says_ok_on_a_ready_machine():
    done = course_utils("doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK   model tiny.en offline" in done.stdout and "OK   model base offline" in done.stdout
    assert "this machine is ready" in done.stdout


def test_no_command_prints_usage():
    done = course_utils()
    assert done.returncode == 2 and all(c in done.stderr for c in ("doctor", "bench-wer", "bench-live"))


def test_help_lists_every_command_with_its_docstring_summary():
    from course_utils.commands import COMMANDS

    done = course_utils("--help")
    assert done.returncode == 0
    listed = [line.split()[0] for line in done.stdout.splitlines() if line.startswith("  ")]
    assert listed == list(COMMANDS)
    assert "transcribe many recordings" in done.stdout and "python -m course_utils bench" not in done.stdout


def test_bench_reports_speed_and_memory():
    done = course_utils("bench", "--models", "tiny.en", "--clips", "jfk", "--json")
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout)
    assert row["model"] == "tiny.en" and row["device"] == "cpu"
    assert row["rtf"] > 0 and row["load_s"] > 0 and row["peak_memory_mb"] > 100


@pytest.mark.parametrize(
    "args, expected",
    [
        (["docter"], "unknown command 'docter': did you mean doctor?"),
        (["doctor", "--fix"], "unrecognized arguments: --fix"),
        (["bench", "--models", "nosuch"], "Unknown model(s) nosuch. Valid names: tiny.en"),
        (["bench", "--models", "tiny"], "tiny cannot be loaded offline"),  # offline: only tiny.en and base
        (["bench", "--models", ","], "--models names no model"),
        (["bench", "--clips", "jfk,nope"], "No bundled clip 'nope'"),
        (["bench-wer"], "the following arguments are required: --out"),
        (["bench-wer", "--out", "OUT", "--manifest", "nope.csv"], "No manifest at nope.csv"),
        (["bench-wer", "--out", "OUT", "--models", "tiny.en,huge"], "Unknown model(s) huge. Valid names:"),
        (["bench-wer", "--out", "OUT", "--models", "tiny"], "tiny cannot be loaded offline"),
        (["bench-wer", "--out", "OUT", "--device", "tpu"], "--device tpu: use cpu or cuda"),
        (["bench-live", "--speed", "0"], "argument --speed: 0 is not above 0"),
        (["bench-live", "--speed", "fast"], "argument --speed: 'fast' is not a number"),
        (["bench-live", "--chunk", "-1"], "argument --chunk: -1 is not above 0"),
        (["bench-live", "--policy", "greedy"], "argument --policy: invalid choice: 'greedy'"),
        (["bench-live", "--model", "tiny.xx"], "Unknown model name 'tiny.xx'"),
        (["bench-live", "--model", "tiny"], "'tiny' cannot be loaded offline"),
        (["bench-live", "--audio", "nothing.wav"], "No such audio file: nothing.wav"),
        (["bench-live", "--reference", "nothing.txt"], "No reference text at nothing.txt"),
    ],
)
def test_a_user_error_is_one_line_and_exit_status_2(capsys, tmp_path, monkeypatch, args, expected):
    monkeypatch.chdir(tmp_path)  # relative paths name nothing; OUT is never created
    code, stderr = run_in_process(capsys, *args)
    assert code == 2
    assert "Traceback" not in stderr
    prog = "python -m course_utils" + ("" if args[0] == "docter" else f" {args[0]}")
    (line,) = error_lines(stderr)
    assert line.startswith(f"{prog}: error: ") and expected in line
    assert not (tmp_path / "OUT").exists()


def test_a_child_process_error_is_one_line_too(tmp_path):
    """bench measures each model in a child process: an error there is its one line, not its traceback."""
    done = course_utils("bench", "--models", "tiny.en", "--clips", "jfk", "--child", "tiny")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = error_lines(done.stderr)
    assert line.startswith("python -m course_utils bench: error: 'tiny' cannot be loaded offline")


LANGUAGE_COMMANDS = {  # each command that takes --language, with a missing input it names after the language
    "transcribe-batch": ["nothing.wav", "--out", "OUT"],
    "bench-live": ["--audio", "nothing.wav"],
    "captions": ["--audio", "nothing.wav"],
}


@pytest.mark.parametrize("command", LANGUAGE_COMMANDS)
def test_every_command_takes_the_language_the_same_way(capsys, tmp_path, monkeypatch, command):
    """A name and a code both work, or both are refused with the same one line, in every command."""
    monkeypatch.chdir(tmp_path)
    lines = {}
    for language in ("fr", "French", "Klingon"):
        for model in ("base", "tiny.en"):
            code, stderr = run_in_process(
                capsys, command, "--model", model, "--language", language, *LANGUAGE_COMMANDS[command]
            )
            assert code == 2 and "Traceback" not in stderr
            (line,) = error_lines(stderr)
            lines[language, model] = line.removeprefix(f"python -m course_utils {command}: error: ")
    assert "nothing.wav" in lines["fr", "base"] and "nothing.wav" in lines["French", "base"]  # accepted: on to the file
    for model in ("base", "tiny.en"):
        assert (
            lines["Klingon", model]
            == "Unknown language 'Klingon': give a code such as en, fr, es or a name such as French (Whisper's list)."
        )
    refused = "was asked of an English-only (.en) model, which would transcribe it as English anyway"
    assert (
        lines["fr", "tiny.en"].replace("'fr'", "'French'") == lines["French", "tiny.en"]
        and refused in lines["fr", "tiny.en"]
    )
