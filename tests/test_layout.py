"""The package's layout is its architecture: each layer imports only the layers below it (CONTRIBUTING.md), and
``import course_utils`` loads the core alone."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "course_utils"
# The core, each module above the ones it may import; then the layers, each above the ones it may import.
CORE = ("formats", "convert", "models", "audio", "chunks", "data", "commands", "speech", "segments", "streams")
CORE += ("transcribe",)
TEACHING = ("spectrogram", "decoding", "wer", "alignment", "hallucination", "colab", "recorder", "speakers")
APPLICATIONS = ("live", "captions", "batch")
ABOVE = ("bench", "exercises", "doctor", "__main__")  # benchmarks, notebook checkers and the command line


def rank(module: str) -> float:
    """Where ``module`` (its first name under course_utils) sits: the higher, the more it may import."""
    if module in CORE:
        return CORE.index(module) / len(CORE)
    if module in TEACHING:
        return 1
    if module in APPLICATIONS:
        return 2
    return 3 + (module == "__main__")


def imports(path: Path) -> set[str]:
    """The course_utils modules ``path`` imports (their first name under course_utils)."""
    depth = len(path.relative_to(PACKAGE).parts) - 1  # 0 for course_utils/x.py, 1 for course_utils/live/x.py
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            parts = path.relative_to(PACKAGE).parts[: depth - node.level + 1] if node.level <= depth else ()
            target = [*parts, *(node.module or "").split(".")] if node.module else [*parts]
            names = [target[0]] if target and target[0] else [a.name for a in node.names]
            found.update(names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("course_utils."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("course_utils."))
    return found


def test_no_module_imports_a_layer_above_it():
    upward = []
    for path in PACKAGE.rglob("*.py"):
        home = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if home == "__init__":
            continue
        upward += [f"{home} -> {m}" for m in imports(path) if m != home and rank(m) > rank(home)]
    assert upward == []


def test_every_module_has_a_place_in_the_layers():
    homes = {
        p.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for p in PACKAGE.glob("*")
        if p.suffix == ".py" or p.is_dir()
    }
    homes -= {"__init__", "__pycache__"}
    assert homes <= set(CORE + TEACHING + APPLICATIONS + ABOVE), homes - set(CORE + TEACHING + APPLICATIONS + ABOVE)


def test_importing_course_utils_loads_the_core_alone():
    loaded = subprocess.run(
        [sys.executable, "-c", "import course_utils, sys; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
    ).stdout.split()
    prefixes = ("anywidget", "ipywidgets", "course_utils.live", "course_utils.captions", "course_utils.batch")
    assert [m for m in loaded if m.startswith((*prefixes, "course_utils.bench"))] == []
    assert {m.split(".")[1] for m in loaded if m.startswith("course_utils.")} <= set(CORE)
