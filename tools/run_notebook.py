"""Run notebooks top to bottom and save them with their outputs, minus noisy metadata.

    python tools/run_notebook.py notebooks/00_first_transcript.ipynb [more.ipynb ...]

Runs offline (WHISPER_LAB_OFFLINE=1) from the notebooks/ folder, as the tests do, so the saved outputs are
the ones nbval compares against. Use --clean to only strip metadata without running.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KEEP_NOTEBOOK_METADATA = ("kernelspec", "language_info", "colab")
KEEP_CELL_METADATA = ("tags",)
CELL_TIMEOUT_S = 900


def clean(notebook: nbformat.NotebookNode) -> None:
    """Drop run times, widget state and editor settings; number cells by position so ids never churn."""
    notebook.metadata = {k: v for k, v in notebook.metadata.items() if k in KEEP_NOTEBOOK_METADATA}
    notebook.metadata.get("language_info", {}).pop("version", None)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in KEEP_CELL_METADATA}


def run(path: Path, execute: bool) -> None:
    notebook = nbformat.read(path, as_version=4)
    if execute:
        os.environ.setdefault("WHISPER_LAB_OFFLINE", "1")
        root = str(Path(__file__).resolve().parent.parent)  # this checkout's course_utils, in the kernel too
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
        NotebookClient(
            notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
    clean(notebook)
    nbformat.write(notebook, path)
    print(f"{'ran' if execute else 'cleaned'} {path}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--clean", action="store_true", help="strip metadata only, do not run")
    args = parser.parse_args()
    for path in args.notebooks:
        run(path, execute=not args.clean)


if __name__ == "__main__":
    main()
