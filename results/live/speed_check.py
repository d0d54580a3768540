"""Where an AlignAtt pass's time goes on this CPU, and what int8 and the thread count do (results/live/anchor.md).

    python results/live/speed_check.py > results/live/alignatt/speed_check.json

For tiny.en and base, float32 and int8 (torch.ao.quantization.quantize_dynamic on every linear layer), 2 and 1
torch threads: the encoder's time on a 30 s window, and a whole AlignAtt pass (live.AttentionDecoder.decode, no
prefix) on 8 s of dense_speech (at 20, 40, 60 s), best of the three pieces' median of 3 runs, wall seconds; and the WER
of an offline transcription of long_speech (cu.transcribe) with the model as it is, against the clip's reference.
"""

import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository's course_utils, run from anywhere
import course_utils as cu  # noqa: E402
from course_utils.live import AttentionDecoder
from course_utils.wer import word_error_rate

SR = cu.SAMPLE_RATE


def int8(model):
    """Whisper's linear layers as torch.nn.Linear (its subclass only casts dtypes), then dynamically quantized."""
    for module in model.modules():
        if type(module).__name__ == "Linear":
            module.__class__ = torch.nn.Linear
    return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def seconds(work, repeats=3):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


dense = cu.load_audio(cu.clip("dense_speech").path)
talk_clip = cu.clip("long_speech")
talk = cu.load_audio(talk_clip.path)
for name in ("tiny.en", "base"):
    for quantized in (False, True):
        model = cu.load_model(name)
        model = int8(model) if quantized else model
        result = cu.transcribe(model, talk, temperature=0.0, language="en")
        wer = word_error_rate(talk_clip.transcript, result["text"]).wer
        for threads in (2, 1):
            torch.set_num_threads(threads)
            decoder = AttentionDecoder(model, language="en")
            mel = torch.zeros(1, model.dims.n_mels, 3000)
            with torch.no_grad():
                encoder_s = seconds(lambda m=model, x=mel: m.encoder(x))
            pieces = [dense[s * SR : (s + 8) * SR] for s in (20, 40, 60)]
            pass_s = min(seconds(lambda d=decoder, p=p: d.decode(p, [])) for p in pieces)
            print(
                json.dumps(
                    {
                        "model": name,
                        "int8": quantized,
                        "threads": threads,
                        "encoder_30s_window_s": round(encoder_s, 3),
                        "alignatt_pass_8s_s": round(pass_s, 3),
                        "offline_wer_long_speech": round(wer, 4),
                    }
                ),
                flush=True,
            )
        torch.set_num_threads(2)
