import sys
import time

import torch

sys.path.insert(0, "/work/wt-live")
import course_utils as cu
from course_utils.live import AttentionDecoder
from course_utils.live.alignatt import encode_frames

SR = cu.SAMPLE_RATE
dense = cu.load_audio(cu.clip("dense_speech").path)
for name in ("tiny.en", "base"):
    m = cu.load_model(name)
    d = AttentionDecoder(m, language="en")
    piece = dense[20 * SR : 28 * SR]
    d.decode(piece, [])
    for threads in (2, 1):
        torch.set_num_threads(threads)
        mel = torch.zeros(1, m.dims.n_mels, 3000)
        with torch.no_grad():
            t = time.perf_counter()
            m.encoder(mel)
            enc = time.perf_counter() - t
            t = time.perf_counter()
            encode_frames(m, mel[:, :, :900])
            enc9 = time.perf_counter() - t
        t = time.perf_counter()
        r = d.decode(piece, [])
        dec = time.perf_counter() - t
        print(
            name,
            threads,
            "encoder 30s",
            round(enc, 3),
            "encoder 9s",
            round(enc9, 3),
            "pass",
            round(dec, 3),
            "tokens",
            len(r.safe) + 1,
            flush=True,
        )
    torch.set_num_threads(2)
