"""``python tools/gpu_check.py --out results/gpu/gpu_check.txt``: ``python -m course_utils bench-gpu`` from a clone
(course_utils/bench/gpu.py), for a GPU machine or Colab runtime where the kit is not installed."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the clone's course_utils
from course_utils.bench.gpu import main  # noqa: E402

sys.exit(main())
