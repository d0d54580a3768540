"""Time `who_spoke` on 10 minutes of audio, twice on each of two recordings of the same kind: the dev conversations
repeated (what `bench-speakers` times) and the held-out ones repeated (audio the threshold never saw).

    python results/speakers/time_who_spoke.py > results/speakers/who_spoke_idle.txt
"""

import time

import numpy as np

from course_utils import speakers as sp

TIMED_S = 600  # seconds of audio timed

sp.load_encoder()
for split in ("dev", "heldout"):
    pieces = [sp.conversation(list(recordings), split, seed)[0] for seed, recordings in sp.CONVERSATIONS[split]]
    repeats = int(np.ceil(TIMED_S * sp.SAMPLE_RATE / sum(map(len, pieces))))
    audio = np.concatenate(pieces * repeats)[: TIMED_S * sp.SAMPLE_RATE]
    for run in (1, 2):
        started = time.perf_counter()
        turns = sp.who_spoke(audio)
        seconds = time.perf_counter() - started
        print(f"{split}: who_spoke on {TIMED_S} s of audio, run {run}: {seconds:.1f} s wall ({len(turns)} turns)")
