"""The per-pass trace of a live run (``bench-live --trace FILE``): one JSON line per pass, and its plots.

Each line says which stretch of the source the pass transcribed, when it began and ended (source seconds played,
and wall seconds), how long Whisper took, what it heard, how many words it agreed on with the pass before, how
many it had to commit because the buffer grew too long, and what it committed. Taught in
notebooks/05_live_transcription.ipynb ("Where the time goes: a trace of every pass").
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence

import numpy as np

from .transcriber import Pass
from .words import join_words


def pass_record(number: int, one_pass: Pass, speed: float = 1.0) -> dict:
    """One pass as a JSON-ready dictionary: times in source seconds (``*_s``) and wall seconds (``*_wall_s``,
    source seconds over ``speed``); ``waited_s`` is audio already played but not yet in the pass's buffer."""
    began, ended = one_pass.began_at_s, one_pass.ended_at_s
    return {
        "pass": number,
        "buffer_start_s": round(one_pass.start_s, 3),
        "buffer_end_s": round(one_pass.end_s, 3),
        "buffer_s": round(one_pass.audio_s, 3),
        "began_at_s": None if began is None else round(began, 3),
        "ended_at_s": None if ended is None else round(ended, 3),
        "began_wall_s": None if began is None else round(began / speed, 3),
        "ended_wall_s": None if ended is None else round(ended / speed, 3),
        "waited_s": None if began is None else round(began - one_pass.end_s, 3),
        "compute_s": round(one_pass.compute_s, 3),
        "prompt": one_pass.prompt,
        "heard": join_words(one_pass.heard),
        "heard_words": len(one_pass.heard),
        "agreed_words": len(one_pass.commit) - one_pass.forced,
        "forced_words": one_pass.forced,
        "committed": join_words(one_pass.commit),
        "committed_words": len(one_pass.commit),
        "tentative": join_words(one_pass.tentative),
        "trim_to_s": None if one_pass.trim_to_s is None else round(one_pass.trim_to_s, 3),
        "words": [[w.text, round(w.start, 3), round(w.end, 3)] for w in one_pass.heard],
    }


def write_trace(path: str | os.PathLike, passes: Sequence[Pass], speed: float = 1.0) -> None:
    """Write one JSON line per pass (:func:`pass_record`) to ``path``."""
    with open(path, "w", encoding="utf-8") as f:
        for number, one_pass in enumerate(passes, start=1):
            f.write(json.dumps(pass_record(number, one_pass, speed), ensure_ascii=False) + "\n")


def read_trace(path: str | os.PathLike) -> list[dict]:
    """The passes of a trace file written by :func:`write_trace`."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def plot_trace(records: Iterable[dict], ax, title: str = "Every pass of the live loop") -> None:
    """One bar per pass on ``ax``: the buffer it transcribed (grey, source seconds) and, on the same time axis,
    when it ran (blue, from ``began_at_s`` to ``ended_at_s``); a dot where it committed words (size: how many)."""
    records = [r for r in records if r["began_at_s"] is not None]
    for r in records:
        ax.plot([r["buffer_start_s"], r["buffer_end_s"]], [r["pass"]] * 2, color="0.75", lw=3, solid_capstyle="butt")
        ax.plot([r["began_at_s"], r["ended_at_s"]], [r["pass"]] * 2, color="tab:blue", lw=3, solid_capstyle="butt")
        if r["committed_words"]:
            ax.scatter(r["ended_at_s"], r["pass"], s=8 * r["committed_words"], color="tab:green", zorder=3)
    ax.plot([], [], color="0.75", lw=3, label="buffer transcribed")
    ax.plot([], [], color="tab:blue", lw=3, label="pass running")
    ax.scatter([], [], color="tab:green", label="words committed (size: how many)")
    ax.set(xlabel="source time (s)", ylabel="pass", title=title)
    ax.legend(loc="lower right", fontsize=8)


def plot_latency_cdf(latencies_s: Sequence[float], ax, label: str = "", title: str = "Commit latency per word") -> None:
    """The cumulative distribution of per-word commit latencies (source seconds) on ``ax``, median and 95th
    percentile marked."""
    values = np.sort(np.asarray(latencies_s, dtype=float))
    share = np.arange(1, len(values) + 1) / len(values)
    ax.step(values, share, where="post", label=label or None)
    for q, style in ((50, ":"), (95, "--")):
        ax.axvline(np.percentile(values, q), color="0.4", ls=style, lw=1)
    ax.set(xlabel="commit latency (s)", ylabel="share of words", title=title, ylim=(0, 1.02))
    if label:
        ax.legend(loc="lower right", fontsize=8)
