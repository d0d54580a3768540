"""python -m course_utils bench-pass-cost: how a live pass's cost depends on the buffer and on the prompt.

    python -m course_utils bench-pass-cost > results/live/pass_cost.txt

Transcribes pieces of dense_speech of PIECES_S seconds (ending at ENDS_S seconds of the clip) with
:func:`course_utils.live.transcribe_buffer`, once without a prompt and once with PROMPT_CHARS characters of the text
said before them as the prompt (what the live loop gives; the place in the reference transcript is taken in
proportion to time), and prints the CPU seconds of each pass (one torch thread, so that other programs on the
machine change them little), the words heard, and whether the prompt changed the words; then, per prompt, a line
fitted through the passes: CPU seconds = fixed + slope x words heard.
Read in results/live/README.md ("The causes, tested"); the live loop is taught in notebooks/05_live_transcription.ipynb.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from ..audio import SAMPLE_RATE, load_audio
from ..data import clip
from ..live import transcribe_buffer, warm_up, word_key
from ..models import load_model
from .common import command_parser

MODEL = "tiny.en"
CLIP = "dense_speech"
ENDS_S = (50, 90)  # seconds into the clip where the pieces end
PIECES_S = (3, 12, 20)  # seconds of audio in the buffer of one pass
PROMPT_CHARS = 200  # characters of the text said before the piece, given as the prompt
PROMPTS = ("none", f"{PROMPT_CHARS}ch")


def measure() -> list[tuple[int, str, float, int]]:
    """Time each pass, printing a line per pass; returns (buffer seconds, prompt, CPU seconds, words heard)."""
    torch.set_num_threads(1)
    model = load_model(MODEL)
    dense = clip(CLIP)
    audio = load_audio(dense.path)
    warm_up(model)
    print("buffer_s  end_s  prompt  cpu_s  words  same_words")
    rows = []
    for end_s in ENDS_S:
        for length_s in PIECES_S:
            piece = audio[int((end_s - length_s) * SAMPLE_RATE) : int(end_s * SAMPLE_RATE)]
            said = round(len(dense.transcript) * (end_s - length_s) * SAMPLE_RATE / len(audio))
            heard = {}
            for name, text in zip(PROMPTS, ("", dense.transcript[:said][-PROMPT_CHARS:])):
                started = time.process_time()
                result = transcribe_buffer(model, piece, text)
                cpu_s = time.process_time() - started
                heard[name] = [word_key(w["word"]) for s in result["segments"] for w in s["words"]]
                rows.append((length_s, name, cpu_s, len(heard[name])))
                same = heard[PROMPTS[0]] == heard[name]
                print(f"{length_s:8}  {end_s:5}  {name:6}  {cpu_s:5.2f}  {len(heard[name]):5}  {same}")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = command_parser("bench-pass-cost", __doc__)
    parser.parse_args(argv)
    rows = measure()
    for name in PROMPTS:
        mine = [r for r in rows if r[1] == name]
        slope, fixed = np.polyfit([r[3] for r in mine], [r[2] for r in mine], 1)
        print(f"prompt {name:5}: cpu seconds per pass = {fixed:.2f} + {1000 * slope:.1f} ms x words heard")
    return 0
