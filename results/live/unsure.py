"""How AlignAtt's rules for unsure and sure tokens (course_utils.live.alignatt.UNSURE_PROBABILITY, SURE_PROBABILITY)
move the committed WER and the latency, with the clock taken out: the live loop (LiveTranscriber, AlignAtt, the
voice detector) makes one pass per 0.25 s chunk as if passes took no time, so the same audio always gives the same
passes and the same words. Run from the repository root (the held-out clips first: python results/live/heldout.py):

    python results/live/unsure.py long_speech --model tiny.en --unsure 0.6
    python results/live/unsure.py ~/.cache/whisper-lab-data/heldout/heldout_long.flac --unsure 0    # the rule off
    python results/live/unsure.py dense_speech --missed 3    # AlignAtt's cut for missed speech after 3 s, not at once
    python results/live/unsure.py long_speech --sure 2    # sure tokens wait 0.5 s, as the others
    python results/live/unsure.py ~/.cache/whisper-lab-data/heldout/heldout_dense.flac --backward 1500    # no token is a repeat

Prints the committed WER against the reference, and the word latency of this ideal schedule (a pass's end minus the
word's end in an offline transcription with the same model): lower than bench-live's, which adds each pass's time.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository's course_utils, run from anywhere
from replay import replay  # noqa: E402  (results/live/replay.py, beside this script)

import course_utils as cu  # noqa: E402
from course_utils.bench.live import commit_latencies, offline_words  # noqa: E402
from course_utils.live import alignatt  # noqa: E402
from course_utils.wer import word_error_rate  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("clip", help="a bundled clip's id, or an audio file with its transcript beside it (.txt)")
parser.add_argument("--model", default="tiny.en")
parser.add_argument("--unsure", type=float, default=alignatt.UNSURE_PROBABILITY, help="0: no token waits 1 s")
parser.add_argument("--sure", type=float, default=alignatt.SURE_PROBABILITY, help="above 1: no token waits 0.4 s")
parser.add_argument(
    "--backward",
    type=int,
    default=alignatt.BACKWARD_FRAMES,
    help="frames a token may attend before both tokens before it",
)
parser.add_argument(
    "--missed",
    type=float,
    default=alignatt.MISSED_SPEECH_S["transcribe"],
    help="seconds of missed speech before the cut",
)
args = parser.parse_args()
if Path(args.clip).expanduser().is_file():
    path = Path(args.clip).expanduser()
    reference = path.with_suffix(".txt").read_text()
else:
    path, reference = cu.clip(args.clip).path, cu.clip(args.clip).transcript
audio = cu.load_audio(path)
model = cu.load_model(args.model)
alignatt.UNSURE_PROBABILITY = args.unsure  # read by frames_to_wait at every token
alignatt.SURE_PROBABILITY = args.sure
alignatt.BACKWARD_FRAMES = args.backward  # read by attends_back at every token
alignatt.MISSED_SPEECH_S["transcribe"] = args.missed  # read by AlignAttPolicy._trim after every pass
transcriber = replay(model, "alignatt", audio)  # a pass on every chunk
committed = [replace(w, committed_at=p.start_s + p.audio_s) for p in transcriber.passes for w in p.commit]
latencies = commit_latencies(committed, offline_words(model, audio))
wer = word_error_rate(reference, transcriber.text).wer
print(
    f"{path.stem} {args.model} unsure<{args.unsure:g} sure>={args.sure:g} backward {args.backward}:"
    f" WER {100 * wer:.1f} %, latency median {np.median(latencies):.2f} s, p95 {np.percentile(latencies, 95):.2f} s"
)
