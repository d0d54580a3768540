"""Where tiny.en writes "ill-disposed" and where "old-sposed" on long_speech: the two words live tiny.en gets wrong
there (results/live/unsure.md, "What tiny.en needs to hear 'ill-disposed'"). Run from the repository root:

    python results/live/ill_disposed.py

First Whisper's own transcribe (greedy, temperature 0, its 30 s padded window, no prompt) on windows of the clip
(source seconds; Whisper's segments of the clip, notebook 03: "He was not an ill-disposed young man." 23.56 to
28.04 s, "Unless to be ... ill-disposed." 28.04 to 35.20 s); then the kit's AttentionDecoder (AlignAtt's pass, every token committed) on the
audio of the second sentence, 28.25 to 34.25 s, as a live pass sees it: its encoder without and with Whisper's
30 s padding, with no prompt and with the sentence before as the prompt, spelled as live tiny.en committed it
("old-sposed") and as it is said.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import whisper

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository's course_utils, run from anywhere
import course_utils as cu  # noqa: E402
from course_utils.live.alignatt import AttentionDecoder  # noqa: E402

WINDOWS_S = [(0, 26.5), (5, 27), (12.75, 26.5), (12.75, 28), (10, 28), (12.75, 30), (0, 30), (28.25, 34.25)]
SECOND = (28.25, 34.25)  # a live buffer of the second sentence (replayed: it starts at 28.25 s)
PROMPTS = {
    "no prompt": "",
    "prompt 'old-sposed'": "He was not an old-sposed young man.",  # the live prompt's last sentence
    "prompt 'ill-disposed'": "He was not an ill-disposed young man.",  # as if the first were right
}
SPELLING = re.compile(r"\b(ill|old)-?\s?d?i?s?posed", re.IGNORECASE)


def spellings(text: str) -> str:
    return ", ".join(m.group(0) for m in SPELLING.finditer(text)) or "-"


model = cu.load_model("tiny.en")
audio = cu.load_audio(cu.clip("long_speech").path)


def seconds(start_s: float, end_s: float):
    return audio[int(start_s * cu.SAMPLE_RATE) : int(end_s * cu.SAMPLE_RATE)]


print("whisper.transcribe (30 s padded window, no prompt):")
for start_s, end_s in WINDOWS_S:
    result = whisper.transcribe(model, seconds(start_s, end_s), temperature=0.0, fp16=False)
    print(f"  {start_s:5.2f} to {end_s:5.2f} s: {spellings(result['text'])}")
print(f"the kit's AttentionDecoder on {SECOND[0]} to {SECOND[1]} s, probability of the word's first token:")
for pad in (False, True):
    decoder = AttentionDecoder(model, pad=pad)
    tokenizer = decoder.tokenizer("en")
    for name, prompt in PROMPTS.items():
        result = decoder.decode(seconds(*SECOND), [], prompt, final=True)
        first = next(s for s in result.safe if tokenizer.decode([s.token]).strip() in ("ill", "old"))
        word = spellings(tokenizer.decode([s.token for s in result.safe]))
        encoder = "30 s padded" if pad else "unpadded (the kit's)"
        print(
            f"  {encoder:21s} {name:23s} {word:13s} ({tokenizer.decode([first.token]).strip()!r}: {first.probability:.2f})"
        )
