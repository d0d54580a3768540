"""The commit policies by name, and the default: what ``bench-live --policy``, the live loop and the captions
server choose from. Taught in notebooks/05_live_transcription.ipynb."""

from __future__ import annotations

from .alignatt import AlignAttPolicy
from .policies import CommitPolicy, LocalAgreementPolicy, SegmentCommitPolicy

POLICIES = {"segment": SegmentCommitPolicy, "agreement": LocalAgreementPolicy, "alignatt": AlignAttPolicy}
DEFAULT_POLICY = "alignatt"  # measured ahead on latency and WER, tiny.en and base (results/live/anchor.md)
WORDS_POLICY = "agreement"  # the default where a transcribe_fn replaces Whisper's pass: AlignAtt decodes itself


def make_policy(name: str, task: str = "transcribe", language: str | None = None) -> CommitPolicy:
    """A fresh commit policy by name: "agreement" (LocalAgreement-2), "segment" or "alignatt". ``task`` and
    ``language`` are for "alignatt", which decodes itself; the others judge the words of the live loop's passes."""
    if name not in POLICIES:
        raise ValueError(f"Unknown commit policy {name!r}: use one of {', '.join(map(repr, POLICIES))}.")
    return AlignAttPolicy(task, language) if name == "alignatt" else POLICIES[name]()
