"""Issue 24's speed steps, one at a time: bench-live's measurement (course_utils.bench.live.measure) of tiny.en's
AlignAtt in real time on long_speech and dense_speech, with one setting changed per row. Run from the repository
root on an idle machine (about 3.5 minutes per step):

    python results/live/steps.py before chunk=0.5 min_new=0.5 slack=0
    python results/live/steps.py slack chunk=0.5 min_new=0.5
    python results/live/steps.py int8 chunk=0.5 min_new=0.5 int8=1
    python results/live/steps.py window chunk=0.5 min_new=0.5 pad=1
    python results/live/steps.py chunk0.25 chunk=0.25 min_new=0.25
    python results/live/steps.py chunk0.25-int8 chunk=0.25 min_new=0.25 int8=1
    python results/live/steps.py --table     # the table of results/live/steps/README.md

Settings: ``chunk`` seconds per microphone chunk; ``min_new`` seconds of new audio before a pass
(``LiveTranscriber.min_new_audio_s``); ``slack=0`` drops ``CLOCK_SLACK_S`` (before it, a chunk a few samples
short of 0.5 s waited for the next one); ``int8=1`` quantizes the linear layers
(``torch.ao.quantization.quantize_dynamic``); ``pad=1`` encodes the buffer padded to Whisper's 30 s window
(``bench-live --encoder window``). Each run writes results/live/steps/STEP_CLIP.json (bench-live --json's fields,
without the latency list and the text) and prints one line.
"""

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository's course_utils, run from anywhere
import course_utils as cu  # noqa: E402
from course_utils.bench import live as bench  # noqa: E402
from course_utils.live import trace, transcriber  # noqa: E402

OUT = Path(__file__).resolve().parent / "steps"
CLIPS = ("long_speech", "dense_speech")
STEPS = ("before", "slack", "int8", "window", "chunk0.25", "chunk0.25-int8")


def int8(model):
    """Whisper's linear layers as torch.nn.Linear (its subclass only casts dtypes), then dynamically quantized."""
    for module in model.modules():
        if type(module).__name__ == "Linear":
            module.__class__ = torch.nn.Linear
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch marks torch.ao.quantization deprecated in favour of torchao
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def run(name: str, settings: dict[str, str]) -> None:
    min_new = float(settings.get("min_new", transcriber.MIN_NEW_AUDIO_S))
    init = transcriber.LiveTranscriber.__init__

    def with_min_new(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.min_new_audio_s = min_new

    transcriber.LiveTranscriber.__init__ = with_min_new
    if settings.get("slack") == "0":
        transcriber.CLOCK_SLACK_S = 0.0
    model = cu.load_model("tiny.en")
    if settings.get("int8") == "1":
        model = int8(model)
    OUT.mkdir(exist_ok=True)
    for clip_id in CLIPS:
        clip = cu.clip(clip_id)
        trace_file = OUT / f"{name}_{clip_id}.jsonl"
        result = bench.measure(
            cu.load_audio(clip.path),
            clip.transcript,
            "tiny.en",
            1.0,
            "alignatt",
            float(settings.get("chunk", 0.5)),
            None,
            model,
            trace_file,
            pad=settings.get("pad") == "1",
        )
        passes = [r for r in trace.read_trace(trace_file) if r["began_at_s"] is not None]
        trace_file.unlink()  # the figures below are kept; the trace is remade by running the step again
        gaps = np.diff([r["buffer_end_s"] for r in passes])
        summary = {k: v for k, v in result.items() if k not in ("latencies_s", "committed_text")}
        summary.update(
            step=name,
            settings=settings,
            clip=clip_id,
            pass_gap_median_s=round(float(np.median(gaps)), 2),
            pass_gap_p90_s=round(float(np.percentile(gaps, 90)), 2),
        )
        (OUT / f"{name}_{clip_id}.json").write_text(json.dumps(summary) + "\n")
        print(json.dumps(summary), flush=True)


def table() -> str:
    lines = [
        "# Issue 24's speed steps for tiny.en's AlignAtt, one run each, idle 2-core CPU",
        "",
        "Made by `results/live/steps.py` (its docstring has the commands); bench-live's measures. 'gap': audio"
        " between one pass and the next, median / 90th percentile.",
        "",
        "| step | clip | median (s) | p95 (s) | WER committed / offline | gap (s) | passes | dropped |",
        "| --- | --- | ---: | ---: | --- | --- | ---: | ---: |",
    ]
    for name in STEPS:
        for clip_id in CLIPS:
            path = OUT / f"{name}_{clip_id}.json"
            if path.is_file():
                r = json.loads(path.read_text())
                lines.append(
                    f"| {name} | {clip_id} | {r['latency_median_s']} | {r['latency_p95_s']} | "
                    f"{100 * r['wer_committed']:.1f} % / {100 * r['wer_offline']:.1f} % | "
                    f"{r['pass_gap_median_s']} / {r['pass_gap_p90_s']} | {r['passes']} | {r['dropped_samples']} |"
                )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--table"]:
        print(table(), end="")
    else:
        run(sys.argv[1], dict(arg.split("=", 1) for arg in sys.argv[2:]))
