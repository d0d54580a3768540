"""The course as a whole: every notebook follows the house layout, badges and setup cells agree, data is sound."""

import json
import re
from pathlib import Path

import pytest

import course_utils as cu
from course_utils.colab import CLONE_DIR, REPO_URL, colab_badge
from course_utils.exercises.feedback import NOT_YET

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MAX_DATA_MB = 15
MAX_NOTEBOOK_BYTES = 1_000_000  # a saved notebook, outputs included
CHECKER_CALL = re.compile(r"\bnb\d\d\.check_\w+\(")  # a cell that runs an exercise's checker
LINK_TARGET = re.compile(r"(?:\]\(\s*<?|href=[\"'])([^)\s>\"']+)")  # where a markdown or HTML link goes


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_first_transcript.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_layout(path):
    cells = load(path)["cells"]
    sources = ["".join(c["source"]) for c in cells]
    first = sources[0]
    assert first.startswith(f"# {path.name[:2]} · "), "title: '# NN · Title'"
    assert colab_badge(path.name) in first, "Open-in-Colab badge pointing at this notebook"
    assert "## What you'll learn" in first
    setup = sources[1]
    assert cells[1]["cell_type"] == "code" and setup.startswith("# Setup. On Colab")
    assert f"git clone --quiet --depth 1 {REPO_URL} {CLONE_DIR}" in setup
    assert sum("google.colab" in s for s in sources) == 1, "exactly one setup cell"
    headings = [line for s in sources for line in s.splitlines() if line.startswith("## ")]
    assert "## Summary" in headings and "## Exercises" in headings and "## Where next" in headings
    assert any("exercises import" in s for s in sources), "exercises are checked by running a cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_saved_with_outputs_and_clean_metadata(path):
    notebook = load(path)
    assert set(notebook["metadata"]) <= {"kernelspec", "language_info", "colab"}
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] for c in code), "run top to bottom and saved (tools/run_notebook.py)"
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))
    for cell in notebook["cells"]:
        assert set(cell.get("metadata", {})) <= {"tags"}
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", f"saved with an error: {output.get('ename')}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_light(path):
    """At most 1 MB, no embedded WAV player, no stderr (progress bars, warnings) saved."""
    size = path.stat().st_size
    assert size <= MAX_NOTEBOOK_BYTES, f"{path.name} is {size / 1e6:.2f} MB: smaller figures, a compressed player"
    for index, cell in enumerate(load(path)["cells"]):
        for output in cell.get("outputs", []):
            assert output.get("name") != "stderr", f"cell {index} saved stderr output (a progress bar or warning)"
            data = json.dumps(output.get("data", {}))
            assert "audio/wav" not in data and "audio/x-wav" not in data, f"cell {index} embeds a WAV player"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_links_open(path):
    """JupyterLab serves from notebooks/, so ../ links open nothing: link to GitHub, or to a sibling notebook."""
    blob = f"{REPO_URL}/blob/main/"
    for cell in load(path)["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for target in LINK_TARGET.findall("".join(cell["source"])):
            target = target.split("#")[0]
            if target.startswith(blob):
                assert (ROOT / target[len(blob) :]).exists(), f"{path.name} links to a missing file: {target}"
            elif target and not target.startswith(("http://", "https://", "mailto:")):
                assert not target.startswith("../"), f"{path.name} links to {target}: use {blob}..."
                assert (path.parent / target).is_file(), f"{path.name} links to a missing file: {target}"


def test_readme_badges_match_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert colab_badge(path.name) in readme, f"README lacks the badge of {path.name}"
    assert REPO_URL in readme


def test_manifest_rows_are_complete_and_files_match():
    rows = cu.read_manifest()
    ids = [c.id for c in rows]
    assert len(ids) == len(set(ids))
    for c in rows:
        assert c.path.is_file(), c.id
        assert c.kind in ("speech", "sung", "mix") and c.language and c.transcript and c.licence and c.source, c.id
        assert (c.music_to_voice_db is not None) == (c.kind == "mix"), c.id
        assert abs(cu.duration(cu.load_audio(c.path)) - c.duration) < 0.05, c.id
    assert {"jfk", "long_speech"} <= set(ids)
    assert len(cu.clips(kind="speech", language="en")) >= 6  # JFK and the LibriVox utterances, at least
    assert {c.language for c in cu.clips(kind="speech")} >= {"en", "es", "fr", "it", "ru"}


def test_data_stays_small():
    size = sum(p.stat().st_size for p in (ROOT / "data").rglob("*") if p.is_file())
    assert size < MAX_DATA_MB * 1e6, f"data/ is {size / 1e6:.1f} MB"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_exercises_show_one_hint(path):
    """Saved with the placeholder answers, each checker cell shows one "Not yet." line (tests/test_exercises_*.py
    check that it is the first, gentle hint)."""
    checks = [c for c in load(path)["cells"] if c["cell_type"] == "code" and CHECKER_CALL.search("".join(c["source"]))]
    assert checks, f"{path.name} has no exercise checker cells"
    for cell in checks:
        printed = "".join("".join(o.get("text", "")) for o in cell.get("outputs", [])).strip()
        assert printed.startswith(NOT_YET) and "\n" not in printed, f"{path.name}: {printed!r}"
