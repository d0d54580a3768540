"""Test-wide settings, for unit tests and for the notebooks nbval runs (their kernels inherit this environment)."""

import os

os.environ.setdefault("WHISPER_LAB_OFFLINE", "1")  # tests never wait on the network: offline weights only
os.environ.setdefault("MPLBACKEND", "Agg")
