"""The seam between the course and Google Colab: everything Colab-specific lives here.

Colab cannot be reached from the machines this kit is tested on, so this code follows Colab's documented APIs
(google.colab.output.enable_custom_widget_manager, serve_kernel_port_as_iframe, serve_kernel_port_as_window, eval_js
with google.colab.kernel.proxyPort) and is kept small. The repository's address is set here
once; `python tools/stamp_repo_url.py` writes it into the README and every notebook.
"""

from __future__ import annotations

import sys
import urllib.parse

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


def show_served_page(port: int, path: str = "/", height: int = 300, width: int | str = "100%") -> None:
    """Show the page that a server in this kernel serves on ``port`` (notebooks/11): inside the notebook, in a frame
    ``width`` (pixels, or "100%") by ``height`` pixels, and as a link that opens it in a new tab. On Colab the
    kernel's ports are reached through Colab's proxy (``google.colab.output``); elsewhere the page is at
    http://127.0.0.1:PORT."""
    from IPython.display import HTML, IFrame, display

    if in_colab():
        from google.colab import output

        output.serve_kernel_port_as_iframe(port, path=path, width=str(width), height=str(height))
        output.serve_kernel_port_as_window(port, path=path, anchor_text="Open the page in a new tab")
        return
    url = f"http://127.0.0.1:{port}{path}"
    display(IFrame(url, width=width, height=height))
    display(HTML(f'<a href="{url}" target="_blank" rel="noopener">Open the page in a new tab</a>'))


def proxy_url(port: int) -> str | None:
    """The address at which Colab's proxy serves this kernel's ``port`` to your browser (an https address of
    Google's, e.g. "https://...-colab.googleusercontent.com/"), from ``google.colab.kernel.proxyPort``; None
    elsewhere, where the browser reaches the port directly."""
    if not in_colab():
        return None
    from google.colab.output import eval_js

    return eval_js(f"google.colab.kernel.proxyPort({int(port)})")


def proxy_origin_and_host(port: int) -> tuple[str, str] | None:
    """The Origin that pages served through Colab's proxy for ``port`` send ("https://name"), and the host name
    ("name") a server must accept from them (notebooks/11 gives both to the captions server); None outside Colab."""
    url = proxy_url(port)
    if url is None:
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuntimeError(f"Colab's proxy gave {url!r} for port {port}, not an http(s) address.")
    return f"{parts.scheme}://{parts.netloc}".lower(), parts.hostname.lower()
