"""Live translation with base on a 2-minute mixed-language clip, through the captions server's engine
(course_utils.captions.listen.Listener, --task translate): when the first caption shows, and whether the lag of
committed text behind the audio grows. Run from the repository root on an idle machine:

    python results/live/translate_lag.py alignatt > results/live/alignatt/translate_base_run1.json
    python results/live/translate_lag.py alignatt --minutes 6 > results/live/alignatt/translate-6min_base_run1.json

The clip: data/clips prompt_es_1, prompt_fr_1, prompt_it_1, prompt_es_2, prompt_fr_2, prompt_it_2 (Spanish, French,
Italian read prompts, 4.3 to 8.7 s each), 0.8 s of silence after each, the sequence played over and over, cut at
120 s (``--minutes``: longer, to see whether the lag levels off).
The microphone is simulated in real time, in chunks of live.BROWSER_CHUNK_S (0.25 s, as the speaker page sends).
Lag of a committed word: source seconds played when it was committed minus its end (its tokens' attended frames);
"growth" is the slope of a line through the lags over time.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository's course_utils, run from anywhere
import course_utils as cu  # noqa: E402
from course_utils.captions.listen import Listener
from course_utils.live import BROWSER_CHUNK_S, SimulatedMicrophone

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("policy", nargs="?", default="alignatt", help="the commit policy (live.POLICIES)")
parser.add_argument("--minutes", type=float, default=2.0, help="length of the clip")
args = parser.parse_args()
NAMES = ("prompt_es_1", "prompt_fr_1", "prompt_it_1", "prompt_es_2", "prompt_fr_2", "prompt_it_2")
SR = cu.SAMPLE_RATE
parts = []
while sum(map(len, parts)) < args.minutes * 60 * SR:
    for name in NAMES:
        parts += [cu.load_audio(cu.clip(name).path), np.zeros(int(0.8 * SR), np.float32)]
audio = np.concatenate(parts)[: int(args.minutes * 60 * SR)]
model = cu.load_model("base")
posts = []
listener = Listener(
    model,
    lambda c: posts.append((microphone.clock(), c.committed, c.tentative)),
    "translate",
    policy=args.policy,
)
listener.warm_up()
microphone = SimulatedMicrophone(audio, chunk_s=BROWSER_CHUNK_S)
listener.begin(microphone)
transcriber = listener.transcriber
listener.wait()
listener.finish()
first = next((t for t, committed, tentative in posts if committed or tentative), None)
first_committed = next((t for t, committed, _ in posts if committed), None)
words = [w for w in transcriber.committed if w.committed_at is not None and w.committed_at < len(audio) / SR]
times = np.array([w.committed_at for w in words])
lags = np.array([w.committed_at - w.end for w in words])
thirds = np.array_split(lags, 3)
print(
    json.dumps(
        {
            "policy": listener.policy_name,
            "audio_s": round(len(audio) / SR, 1),
            "first_caption_s": None if first is None else round(first, 2),
            "first_committed_s": None if first_committed is None else round(first_committed, 2),
            "words_committed_before_the_end": len(words),
            "lag_median_s": round(float(np.median(lags)), 2),
            "lag_p95_s": round(float(np.percentile(lags, 95)), 2),
            "lag_median_by_third_s": [round(float(np.median(t)), 2) for t in thirds],
            "lag_growth_s_per_min": round(float(np.polyfit(times, lags, 1)[0]) * 60, 3),
            "dropped_samples": microphone.samples_recorded - transcriber.samples_received,
            "text": transcriber.text,
        },
        ensure_ascii=False,
    )
)
