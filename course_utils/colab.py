"""The seam between the course and Google Colab: everything Colab-specific lives here.

Colab cannot be reached from the machines this kit is tested on, so this code follows Colab's documented APIs
(google.colab.output.enable_custom_widget_manager) and is kept small. The repository's address is set here
once; `python tools/stamp_repo_url.py` writes it into the README and every notebook.
"""

from __future__ import annotations

import sys

REPO = "whisper-lab/whisper-lab"  # GitHub owner/name of this course
REPO_URL = f"https://github.com/{REPO}"
CLONE_DIR = "/content/whisper-lab"  # where a notebook's setup cell clones the course on Colab


def in_colab() -> bool:
    """Whether this kernel runs on Google Colab."""
    return "google.colab" in sys.modules


def colab_url(notebook: str) -> str:
    """The address that opens ``notebooks/<notebook>`` from GitHub in Colab."""
    return f"https://colab.research.google.com/github/{REPO}/blob/main/notebooks/{notebook}"


def colab_badge(notebook: str) -> str:
    """Markdown for the Open-in-Colab badge of ``notebook``."""
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(notebook)})"


def enable_widgets() -> None:
    """Let third-party widgets (the recorder) render on Colab; does nothing elsewhere."""
    if in_colab():
        from google.colab import output

        output.enable_custom_widget_manager()
