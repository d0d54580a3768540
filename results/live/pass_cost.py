"""How a live pass's cost depends on the buffer and on the prompt: results/live/README.md ("The causes, tested").

Transcribes pieces of dense_speech of 3, 6, 12 and 20 s (ending at 30, 50, 70 and 90 s of the clip) with
live.transcribe_buffer, once without a prompt and once with the 200 characters said before them as the prompt
(what the live loop gives), and prints the CPU seconds of each pass (one torch thread, so that other programs on
the machine change them little), the words heard, and whether the prompt changed the words.

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
said = cu.transcribe(model, audio, temperature=0.0, word_timestamps=True, language="en")
words = [live.Word(w["word"], w["start"], w["end"]) for s in said["segments"] for w in s["words"]]

print("buffer_s  end_s  prompt  cpu_s  words  same_words")
rows = []
for end_s in (30, 50, 70, 90):
    for length_s in (3, 6, 12, 20):
        piece = audio[int((end_s - length_s) * cu.SAMPLE_RATE) : int(end_s * cu.SAMPLE_RATE)]
        prompt = live.join_words([w for w in words if w.end <= end_s - length_s])[-200:]
        heard = {}
        for name, text in (("none", ""), ("200ch", prompt)):
            best = float("inf")
            for _ in range(2):
                started = time.process_time()
                result = live.transcribe_buffer(model, piece, text)
                best = min(best, time.process_time() - started)
            heard[name] = [live.word_key(w["word"]) for s in result["segments"] for w in s["words"]]
            rows.append((length_s, name, best, len(heard[name])))
            print(f"{length_s:8}  {end_s:5}  {name:6}  {best:5.2f}  {len(heard[name]):5}  "
                  f"{heard['none'] == heard[name]}")
for name in ("none", "200ch"):
    mine = [r for r in rows if r[1] == name]
    slope, fixed = np.polyfit([r[3] for r in mine], [r[2] for r in mine], 1)
    print(f"prompt {name:5}: cpu seconds per pass = {fixed:.2f} + {1000 * slope:.1f} ms x words heard")
