"""kit.py, the installer and launcher: CPU-only torch, offline relaunch, root, one-line errors."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import kit  # noqa: E402

SETUP_TIMEOUT_S = 1200  # a full install into a new .venv, from pip's cache or the machine's local wheels
LAB_START_TIMEOUT_S = 180


def outside_any_venv() -> dict[str, str]:
    """This environment as a learner's shell has it: no virtual environment active, so kit.py makes its own."""
    venv_bin = str(Path(sys.prefix) / "bin")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return env


def offline(env: dict[str, str]) -> dict[str, str]:
    """``env`` behind a firewall: pip has no index, and the torch-index probe is refused at once."""
    env = {k: v for k, v in env.items() if not k.startswith("PIP_") and k.lower() != "no_proxy"}
    dead_proxy = "http://127.0.0.1:9"  # the discard port: nothing listens, so every connection is refused
    proxies = {name: dead_proxy for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}
    return {**env, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", **proxies}


def system_python() -> str:
    """The Python this test's virtual environment was made from."""
    return str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}")


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


def test_pip_runs_only_when_requirements_changed(tmp_path, monkeypatch):
    runs = []
    monkeypatch.setattr(kit, "stamp_path", lambda: tmp_path / kit.STAMP)
    monkeypatch.setattr(kit, "link_course", lambda: None)
    monkeypatch.setattr(kit, "install_torch", lambda: runs.append("torch"))
    monkeypatch.setattr(kit, "pip", lambda *args: runs.append(" ".join(args)))

    def pip_ran(dev: bool, again: bool = False) -> bool:
        runs.clear()
        kit.setup(dev, again)
        return runs != []

    assert pip_ran(dev=False)  # a new environment
    assert not pip_ran(dev=False)  # launched again: nothing to install, no network needed
    assert pip_ran(dev=True)  # `test` wants the test tools too
    assert not pip_ran(dev=False) and not pip_ran(dev=True)  # `lab` needs less than `test` installed
    assert pip_ran(dev=False, again=True)  # `setup` checks everything again
    monkeypatch.setattr(kit, "wanted", lambda dev: {"requirements.txt 0123abcd"})  # requirements.txt edited
    assert pip_ran(dev=False)


@pytest.mark.parametrize("uid, allowed", [(0, True), (1000, False)])
def test_jupyterlab_is_allowed_to_run_as_root(monkeypatch, uid, allowed):
    monkeypatch.setattr(kit.os, "geteuid", lambda: uid, raising=False)
    assert ("--allow-root" in kit.jupyter_lab(["--no-browser"])) == allowed


def test_wrong_python_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(sys, "version_info", (3, 9, 18, "final", 0))
    with pytest.raises(kit.KitError, match=r"needs Python 3\.10 to 3\.13; this is 3\.9\. Run kit\.py with"):
        kit.main(["lab"])


@pytest.mark.parametrize("argv, message", [(["serve"], "unknown command 'serve'"), ([], "no command given")])
def test_unknown_command_is_one_line_and_status_2(argv, message):
    done = subprocess.run([sys.executable, "kit.py", *argv], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"kit.py: {message}: use lab, test or setup (`python kit.py --help` says what each does).\n"


def test_a_failed_install_is_one_line_without_traceback(tmp_path):
    environment = tmp_path / "env"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    done = subprocess.run(
        [python, "kit.py", "setup"], cwd=ROOT, env=offline(os.environ), capture_output=True, text=True
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.splitlines()[-1].startswith("kit.py: installing packages failed (no network?")
    assert not (environment / kit.STAMP).exists()


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="stops JupyterLab through its POSIX process group")
@pytest.mark.skipif(not (ROOT / ".git").exists() or not shutil.which("git"), reason="needs git and a git checkout")
def test_a_fresh_clone_sets_up_then_opens_jupyterlab_offline(tmp_path):
    """The README's promise to a class behind a firewall: set up once online, then `lab` needs no network.

    Clones the committed HEAD, so commit kit.py before running this. In CI it runs as root, as in Docker.
    """
    clone = tmp_path / "whisper-lab"
    try:
        subprocess.run(["git", "clone", "--quiet", ROOT, clone], check=True)
        env = outside_any_venv()
        setup = subprocess.run(
            [system_python(), "kit.py", "setup"],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=SETUP_TIMEOUT_S,
        )
        assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
        log = tmp_path / "lab.log"
        answer = answer_from_lab(clone, offline(env), log)
        output = log.read_text()
        assert answer.get("version"), output
        assert "pip install" not in output and "no network needed" in output, output
        assert ("--allow-root" in output) == (os.geteuid() == 0), output
        show = "import course_utils; print(course_utils.__file__)"  # from elsewhere, as a kernel in notebooks/
        imported = subprocess.run(
            [clone / ".venv" / "bin" / "python", "-c", show],
            cwd=tmp_path,
            env=offline(env),
            capture_output=True,
            text=True,
        )
        assert imported.stdout.strip() == str(clone / "course_utils" / "__init__.py"), imported.stderr
    finally:
        shutil.rmtree(clone, ignore_errors=True)  # gigabytes: do not leave them in pytest's kept temp folders


def answer_from_lab(clone: Path, env: dict[str, str], log: Path) -> dict:
    """Start `python kit.py lab` in ``clone``, wait until JupyterLab answers on /api, then stop it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [system_python(), "kit.py", "lab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0"]
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with log.open("w") as output:
        lab = subprocess.Popen(
            command, cwd=clone, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + LAB_START_TIMEOUT_S
            while time.monotonic() < deadline and lab.poll() is None:
                try:
                    return json.load(no_proxy.open(f"http://127.0.0.1:{port}/api", timeout=5))
                except OSError:
                    time.sleep(1)
            return {}
        finally:
            stop_group(lab)


def stop_group(process: subprocess.Popen) -> None:
    """Stop ``process`` and all it started (kit.py, kit.py again from .venv, JupyterLab), as a shutdown would."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            os.killpg(process.pid, 0)  # raises once no process of the group is left
            time.sleep(0.5)
        os.killpg(process.pid, signal.SIGKILL)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
