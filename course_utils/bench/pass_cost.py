"""How a live pass's cost depends on the buffer and on the prompt: results/live/README.md ("The causes, tested").

Transcribes pieces of dense_speech of 3, 12 and 20 s (ending at 50 and 90 s of the clip) with
live.transcribe_buffer, once without a prompt and once with 200 characters of the text said before them as the
prompt (what the live loop gives; the place in the reference transcript is taken in proportion to time), and prints
the CPU seconds of each pass (one torch thread, so that other programs on the machine change them little), the
words heard, and whether the prompt changed the words.

    python results/live/pass_cost.py
"""

import time

import numpy as np
import torch

import course_utils as cu
from course_utils import live

torch.set_num_threads(1)
model = cu.load_model("tiny.en")
clip = cu.clip("dense_speech")
audio = cu.load_audio(clip.path)
live.warm_up(model)

print("buffer_s  end_s  prompt  cpu_s  words  same_words")
rows = []
for end_s in (50, 90):
    for length_s in (3, 12, 20):
        piece = audio[int((end_s - length_s) * cu.SAMPLE_RATE) : int(end_s * cu.SAMPLE_RATE)]
        said = round(len(clip.transcript) * (end_s - length_s) * cu.SAMPLE_RATE / len(audio))
        prompt = clip.transcript[:said][-200:]
        heard = {}
        for name, text in (("none", ""), ("200ch", prompt)):
            started = time.process_time()
            result = live.transcribe_buffer(model, piece, text)
            cpu_s = time.process_time() - started
            heard[name] = [live.word_key(w["word"]) for s in result["segments"] for w in s["words"]]
            rows.append((length_s, name, cpu_s, len(heard[name])))
            print(
                f"{length_s:8}  {end_s:5}  {name:6}  {cpu_s:5.2f}  {len(heard[name]):5}  {heard['none'] == heard[name]}"
            )
for name in ("none", "200ch"):
    mine = [r for r in rows if r[1] == name]
    slope, fixed = np.polyfit([r[3] for r in mine], [r[2] for r in mine], 1)
    print(f"prompt {name:5}: cpu seconds per pass = {fixed:.2f} + {1000 * slope:.1f} ms x words heard")
