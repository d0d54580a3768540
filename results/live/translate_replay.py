"""Live translation of one short clip with base, replayed at every pass schedule: how AlignAtt's cut for missed speech
(course_utils.live.alignatt.MISSED_SPEECH_S["translate"]) changes the English, with the clock taken out. The live loop
(LiveTranscriber, AlignAtt, the voice detector) gets the clip in 0.25 s chunks and makes a pass after every
``every``-th chunk, starting at chunk ``phase``, for every ``every`` from 1 to 6 and every phase: 21 schedules, as a
faster or slower machine would make them. Run from the repository root:

    python results/live/translate_replay.py prompt_fr_2
    python results/live/translate_replay.py prompt_fr_2 --missed 0    # cut as soon as the decoder misses speech

Prints the English of each schedule, and how many of them contain each of ``--words``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository's course_utils, run from anywhere
from replay import replay  # noqa: E402  (results/live/replay.py, beside this script)

import course_utils as cu  # noqa: E402
from course_utils import live  # noqa: E402
from course_utils.live import alignatt  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("clip", help="a bundled clip's id")
parser.add_argument(
    "--missed", type=float, default=alignatt.MISSED_SPEECH_S["translate"], help="seconds (default: the kit's)"
)
parser.add_argument("--words", default="sorry,number,valid,try,again", help="English words to count, comma-separated")
args = parser.parse_args()
alignatt.MISSED_SPEECH_S["translate"] = args.missed  # read by AlignAttPolicy._trim after every pass
audio = cu.load_audio(cu.clip(args.clip).path)
model = cu.load_model("base")
texts = []
for every in range(1, 7):
    for phase in range(every):
        texts.append(replay(model, live.AlignAttPolicy("translate"), audio, every, phase).text)
        print(f"every {every} chunks, from chunk {phase}: {texts[-1]}", flush=True)
heard = [{live.word_key(w) for w in text.split()} for text in texts]
print(f"missed speech cut after {args.missed:g} s, {len(texts)} schedules:")
for word in args.words.split(","):
    print(f"  {word!r} in {sum(word in keys for keys in heard)}")
