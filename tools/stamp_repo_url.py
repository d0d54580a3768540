"""Write the repository address from course_utils/colab.py into README.md and every notebook.

    python tools/stamp_repo_url.py

Run it after changing ``REPO`` in course_utils/colab.py (for example in a fork): the badges, the setup cells'
``git clone`` and the links to the repository's files (``REPO_URL/blob/main/...``, which notebooks use because
JupyterLab serves only notebooks/) then point at the new repository. tests/test_course.py checks they agree.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course_utils.colab import REPO  # noqa: E402

BADGE_TARGET = re.compile(r"colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/blob/")


def stamp(path: Path) -> bool:
    """Replace the repository a file's Colab badges name (and every link to it) by REPO; True if changed."""
    text = path.read_text(encoding="utf-8")
    old = {match.group(1) for match in BADGE_TARGET.finditer(text)} - {REPO}
    for name in old:
        text = text.replace(f"github/{name}/blob/", f"github/{REPO}/blob/").replace(
            f"github.com/{name}", f"github.com/{REPO}"
        )
    path.write_text(text, encoding="utf-8")
    return bool(old)


if __name__ == "__main__":
    for path in [ROOT / "README.md", *sorted((ROOT / "notebooks").glob("*.ipynb"))]:
        print(f"{'stamped' if stamp(path) else 'unchanged'} {path.relative_to(ROOT)}")
