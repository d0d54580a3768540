"""The table of results/live/anchor.md from the series' JSON files (results/live/alignatt/):

    python results/live/anchor_table.py

One row per clip, model, system and run: word latency median, 95th percentile and max (source seconds), WER of the
committed text and of the offline transcription against the reference, and dropped samples (the kit's; SimulStreaming
reads the file, so it drops none by construction).
"""

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "alignatt"
print("| model | clip | system | run | median (s) | p95 (s) | max (s) | WER committed / offline | dropped |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: |")
for model in ("tiny.en", "base"):
    for clip in ("long_speech", "dense_speech"):
        for system, prefix in (("kit, alignatt", ""), ("SimulStreaming", "simul_")):
            for run in (1, 2):
                path = RESULTS / f"{prefix}{clip}_{model}_run{run}.json"
                if not path.is_file() or not path.read_text().strip():  # missing, or a failed run
                    continue
                r = json.loads(path.read_text())
                dropped = r.get("dropped_samples", "-")
                wer = f"{100 * r['wer_committed']:.1f} % / {100 * r['wer_offline']:.1f} %"
                print(
                    f"| {model} | {clip} | {system} | {run} | {r['latency_median_s']} | {r['latency_p95_s']} | "
                    f"{r.get('latency_max_s', '-')} | {wer} | {dropped} |"
                )
