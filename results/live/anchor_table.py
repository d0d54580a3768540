"""The tables of results/live/anchor.md from the series' JSON files (results/live/alignatt/):

    python results/live/anchor_table.py

One row per clip, model, system and run: word latency median, 95th percentile and max (source seconds), WER of the
committed text and of the offline transcription against the reference, and dropped samples (the kit's; SimulStreaming
reads the file, so it drops none by construction). Then one row per live-translation run (translate-unsure: runs 5
and 6 made before the rule for unsure tokens was limited to transcription; runs 7 to 10 after translation's cut for
missed speech waited 3 s; 11, 12 and 14 once passes that cannot commit were skipped; translate-6min: a 6-minute clip).
"""

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "alignatt"
SYSTEMS = (  # label, file prefix
    ("kit, alignatt", ""),
    ("SimulStreaming, 1.2 s chunks", "simul_"),
    ("SimulStreaming, 0.5 s chunks", "simul-0.5s_"),
)
CLIPS = ("long_speech", "dense_speech", "heldout_long", "heldout_dense", "heldout_long2", "heldout_dense2")
CLIPS += ("heldout_long3", "heldout_dense3")  # results/live/heldout.py
RUNS = tuple(range(1, 24))  # SimulStreaming: 1 to 4, 11, 12, 14, 20 to 23; the kit: 3 to 6, 11 to 14, 16, 18 to 23


def value(number) -> str:
    return "-" if number is None else f"{number:.2f}"


print("| model | clip | system | run | median (s) | p95 (s) | max (s) | WER committed / offline | dropped |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: |")
for model in ("tiny.en", "base"):
    for clip in CLIPS:
        for system, prefix in SYSTEMS:
            for run in RUNS:
                path = RESULTS / f"{prefix}{clip}_{model}_run{run}.json"
                if not path.is_file():
                    continue
                r = json.loads(path.read_text())
                dropped = "-" if r.get("dropped_samples") is None else r["dropped_samples"]
                wer = f"{100 * r['wer_committed']:.1f} % / {100 * r['wer_offline']:.1f} %"
                print(
                    f"| {model} | {clip} | {system} | {run} | {value(r['latency_median_s'])} | "
                    f"{value(r['latency_p95_s'])} | {value(r.get('latency_max_s'))} | {wer} | {dropped} |"
                )
print()
print(
    "| run | kit | first caption (s) | first committed (s) | lag median / p95 (s) | lag median by thirds (s) "
    "| growth (s/min) |"
)
print("| ---: | --- | ---: | ---: | --- | --- | ---: |")


def translate_rule(prefix: str, run: int) -> str:
    """What the kit did in a live-translation run (anchor.md)."""
    if prefix == "translate-unsure":
        return "unsure rule also translating"
    if run < 5:
        return "before the cut for missed speech"
    if run < 7:
        return "cut for missed speech at once"
    rule = "waits for 3 s of missed speech" + ("" if run < 11 else ", skips passes that cannot commit")
    return rule + (", a 6-minute clip" if prefix == "translate-6min" else "")


for prefix in ("translate", "translate-unsure", "translate-6min"):
    for run in RUNS:
        path = RESULTS / f"{prefix}_base_run{run}.json"
        if path.is_file():
            r = json.loads(path.read_text())
            thirds = " / ".join(f"{lag:.2f}" for lag in r["lag_median_by_third_s"])
            print(
                f"| {run} | {translate_rule(prefix, run)} | {r['first_caption_s']} | {r['first_committed_s']} | {r['lag_median_s']} / "
                f"{r['lag_p95_s']} | {thirds} | {r['lag_growth_s_per_min']} |"
            )
