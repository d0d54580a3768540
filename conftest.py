"""Test-wide settings, for unit tests and for the notebooks nbval runs (their kernels inherit this environment)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
os.environ.setdefault("WHISPER_LAB_OFFLINE", "1")  # tests never wait on the network: offline weights only
os.environ.setdefault("MPLBACKEND", "Agg")
# The notebooks' kernels import this checkout's course_utils, whichever checkout the environment was made for
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
