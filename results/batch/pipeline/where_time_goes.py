"""Where transcribe_batch's time goes: tiny.en at batch 8 on the bundled English speech, under cProfile.

    OMP_NUM_THREADS=2 python results/batch/pipeline/where_time_goes.py > results/batch/pipeline/where_time_goes.txt

Prints the wall time and the 28 functions with the most cumulative time (results/batch/pipeline/README.md).
"""

import cProfile
import pstats
import time

import torch

import course_utils as cu
from course_utils.bench.batch import english_speech
from course_utils.data import clips
from course_utils.transcribe import transcribe_batch

BATCH_SIZE = 8
model = cu.load_model("tiny.en")
audio, _ = english_speech([c.id for c in clips(kind="speech", language="en")], repeats=1)
list(transcribe_batch(model, [("warm-up", next(iter(audio.values()))[: 5 * cu.SAMPLE_RATE])], 1, language="en"))
print("torch threads:", torch.get_num_threads())
profile = cProfile.Profile()
started = time.perf_counter()
profile.enable()
list(transcribe_batch(model, audio.items(), BATCH_SIZE, language="en"))
profile.disable()
print(f"batch {BATCH_SIZE}: {time.perf_counter() - started:.2f} s")
pstats.Stats(profile).sort_stats("cumulative").print_stats(28)
