"""The seam between the course and Google Colab: everything Colab-specific lives here.

Colab cannot be reached from the machines this kit is tested on, so this code follows Colab's documented APIs
(google.colab.output.enable_custom_widget_manager, serve_kernel_port_as_iframe, serve_kernel_port_as_window) and
is kept small. The repository's address is set here
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


def show_served_page(port: int, path: str = "/", height: int = 300) -> None:
    """Show the page that a server in this kernel serves on ``port`` (notebooks/10): inside the notebook, and as
    a link that opens it in a new tab. On Colab the kernel's ports are reached through Colab's proxy
    (``google.colab.output``); elsewhere the page is at http://127.0.0.1:PORT."""
    from IPython.display import HTML, IFrame, display

    if in_colab():
        from google.colab import output

        output.serve_kernel_port_as_iframe(port, path=path, height=str(height))
        output.serve_kernel_port_as_window(port, path=path, anchor_text="Open the page in a new tab")
        return
    url = f"http://127.0.0.1:{port}{path}"
    display(IFrame(url, width="100%", height=height))
    display(HTML(f'<a href="{url}" target="_blank" rel="noopener">Open the page in a new tab</a>'))
