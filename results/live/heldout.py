"""Held-out clips for the live benchmarks: audio of the same kinds as long_speech and dense_speech, to check live
settings on audio they were not chosen on. Rebuilt deterministically from the same pinned Debian package as data/build_clips.py
(Asterisk's US English prompts, voice of Allison Smith, CC-BY-SA-3.0), from prompts that no bundled clip uses:

    python results/live/heldout.py            # writes ~/.cache/whisper-lab-data/heldout/CLIP.{flac,txt}
    python -m course_utils bench-live --audio ~/.cache/whisper-lab-data/heldout/heldout_long.flac \\
        --reference ~/.cache/whisper-lab-data/heldout/heldout_long.txt

heldout_long: 10 whole sentences joined by 1.5-2.5 s pauses (long_speech's); heldout_dense: 12 longer prompts
joined by 0.4-0.8 s pauses (dense_speech's); heldout_long2, heldout_dense2, heldout_long3 and heldout_dense3 the
same with other prompts. AlignAtt's repeat check (BACKWARD_FRAMES) was chosen on heldout_dense after a repeat there,
and its check of a pass's first token and its 0.5 s on heldout_long2 after a repeat there; heldout_long3 and
heldout_dense3 (made after that) are held out from every setting. Needs numpy, soundfile and soxr, as
data/build_clips.py does.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "data"))
import build_clips as b  # noqa: E402

OUT = b.CACHE_DIR / "heldout"
CLIPS = {  # clip id: (prompts, pause range in s, seed)
    "heldout_long": (
        [
            "followme/status",
            "vm-mismatch",
            "confbridge-pin-bad",
            "ss-noservice",
            "pbx-invalidpark",
            "queue-youarenext",
            "vm-nobox",
            "demo-thanks",
            "vm-invalid-password",
            "vm-record-prepend",
        ],
        b.PAUSE_RANGE_S,
        b.SEED + 10,
    ),
    "heldout_dense": (
        [
            "demo-nogo",
            "vm-opts-full",
            "dir-intro",
            "vm-instructions",
            "vm-opts",
            "vm-review",
            "dictate/play_help",
            "dictate/record_help",
            "vm-tempgreeting2",
            "vm-forwardoptions",
            "vm-saveoper",
            "vm-tmpexists",
        ],
        b.DENSE_PAUSE_RANGE_S,
        b.DENSE_SEED + 10,
    ),
    "heldout_long2": (
        [
            "dir-instr",
            "agent-alreadyon",
            "vm-rec-temp",
            "agent-incorrect",
            "confbridge-pin",
            "vm-forward",
            "privacy-unident",
            "priv-introsaved",
            "auth-incorrect",
            "vm-forward-multiple",
        ],
        b.PAUSE_RANGE_S,
        b.SEED + 11,
    ),
    "heldout_dense2": (
        [
            "screen-callee-options",
            "conf-adminmenu",
            "vm-options",
            "demo-abouttotry",
            "demo-moreinfo",
            "vm-msginstruct",
            "dir-intro-fn",
        ],
        b.DENSE_PAUSE_RANGE_S,
        b.DENSE_SEED + 11,
    ),
    "heldout_long3": (
        [
            "vm-rec-name",
            "conf-invalid",
            "vm-review-nonurgent",
            "vm-newpassword",
            "privacy-prompt",
            "confbridge-only-one",
            "conf-getconfno",
            "confbridge-lock-no-join",
            "agent-newlocation",
            "speed-dial-empty",
            "vm-whichbox",
            "dir-nomore",
            "vm-msgforwarded",
            "vm-next",
        ],
        b.PAUSE_RANGE_S,
        b.SEED + 12,
    ),
    "heldout_dense3": (["demo-instruct", "conf-usermenu"], b.DENSE_PAUSE_RANGE_S, b.DENSE_SEED + 12),
}


def main() -> None:
    folder, licence, _ = b.PROMPT_VOICE["en"]
    transcripts = b.prompt_transcripts("en")
    sounds = b.fetch(b.PROMPT_AUDIO["en"]) / f"usr/share/asterisk/sounds/{folder}"
    OUT.mkdir(parents=True, exist_ok=True)
    for clip_id, (names, pauses, seed) in CLIPS.items():
        pieces = [b.Clip(n, b.load(sounds / f"{n}.wav"), "en", "speech", transcripts[n], licence, "") for n in names]
        clip, _ = b.joined_speech(clip_id, pieces, pauses, seed, licence, "")
        b.write_flac(clip.audio, OUT / f"{clip_id}.flac")
        (OUT / f"{clip_id}.txt").write_text(clip.transcript + "\n")
        print(f"{OUT / clip_id}.flac  {len(clip.audio) / b.SAMPLE_RATE_HZ:.1f} s  {clip.transcript[:60]}...")


if __name__ == "__main__":
    main()
