"""Commit policies: which words of a pass are final, and where to trim the buffer. Pure functions of the
words a pass heard: no threads, no audio, testable with scripted segments.

Taught in notebooks/05_live_transcription.ipynb ("Which words are final? Commit policies").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .words import Word

PAUSE_S = 1.0  # seconds without words at the end of the buffer that show a phrase has ended
MAX_BUFFER_S = 20.0  # seconds: past this the policy commits inside a phrase (Whisper sees 30 s at most)
TAIL_S = 3.0  # seconds at the end of an overlong buffer left tentative when the policy must commit early
KEEP_S = 2.0  # seconds of a buffer in which nothing was heard that are kept (a word may be starting)
SENTENCE_ENDS = (".", "?", "!")  # a committed word ending so ends a sentence: LocalAgreement trims after it
DEDUP_WORDS = 5  # longest run of committed words looked for again at the start of a new pass


@dataclass(frozen=True)
class Decision:
    """What a commit policy decided after one pass."""

    commit: list[Word]  # words that are final from now on, in order
    tentative: list[Word]  # words heard but not final yet (shown grey)
    trim_to_s: float | None  # drop the buffer's audio before this source time (None: keep it all)
    forced: int = 0  # how many of ``commit`` were committed only because the buffer grew too long


def drop_repeated_words(committed: Sequence[Word], words: Sequence[Word], max_words: int = DEDUP_WORDS) -> list[Word]:
    """``words`` without a first run that repeats the last committed words (Whisper often hears the end of
    the trimmed audio again). Only a run that starts within a second of the committed text's end counts."""
    words = list(words)
    if not committed or not words or words[0].start > committed[-1].end + 1.0:
        return words
    for n in range(min(max_words, len(committed), len(words)), 0, -1):
        if [w.key for w in committed[-n:]] == [w.key for w in words[:n]]:
            return words[n:]
    return words


class CommitPolicy(Protocol):
    """What the live loop asks after every pass: which of the words heard are final. ``segments``: the pass's
    words, one list per segment, on the buffer from ``start_s`` to ``end_s`` (source seconds); ``final``: the audio
    is over, commit everything."""

    name: str

    def decide(self, segments: list[list[Word]], start_s: float, end_s: float, final: bool = False) -> Decision: ...


@runtime_checkable
class DecodingPolicy(Protocol):
    """A commit policy that decodes the buffer itself (AlignAtt, ``alignatt``): the live loop hands it the pass
    instead of Whisper's words. ``pass_over`` returns the words heard and the :class:`Decision`; ``decide`` is
    still asked after a skipped pass (silence), with nothing heard. ``speech_until_s``: the source time where the
    live loop's voice activity detector last heard speech, ``speech_from_s``: where it first heard speech in the
    buffer (None without one)."""

    name: str

    def decide(self, segments: list[list[Word]], start_s: float, end_s: float, final: bool = False) -> Decision: ...

    def pass_over(
        self,
        model,
        audio,
        start_s: float,
        end_s: float,
        prompt: str = "",
        final: bool = False,
        language=None,
        speech_until_s: float | None = None,
        speech_from_s: float | None = None,
    ) -> tuple[list[Word], Decision]: ...


class BufferLimits:
    """What both commit policies share: the committed words, and the buffer's limits (seconds): past
    ``max_buffer_s`` words up to ``tail_s`` before the end are committed; when nothing is heard, all but the last
    ``keep_s`` is trimmed."""

    def __init__(self, max_buffer_s: float = MAX_BUFFER_S, tail_s: float = TAIL_S, keep_s: float = KEEP_S) -> None:
        self.max_buffer_s, self.tail_s, self.keep_s = max_buffer_s, tail_s, keep_s
        self.committed: list[Word] = []  # everything committed so far


class SegmentCommitPolicy(BufferLimits):
    """Commit whole phrases: a segment is final once a later segment has started after it, or once
    ``pause_s`` of audio follows its last word. The buffer is trimmed where the committed words end.

    A phrase longer than ``max_buffer_s`` is committed up to ``tail_s`` before the buffer's end, so that the
    buffer never outgrows Whisper's 30 s window. When nothing is heard, all but the last ``keep_s`` is trimmed.
    """

    name = "segment"

    def __init__(self, pause_s: float = PAUSE_S, **limits: float) -> None:
        super().__init__(**limits)
        self.pause_s = pause_s

    def decide(self, segments: list[list[Word]], start_s: float, end_s: float, final: bool = False) -> Decision:
        """``segments``: this pass's words, one list per segment, on the buffer from ``start_s`` to ``end_s``
        (source seconds). ``final``: the audio is over, commit everything."""
        segments = _without_repeats(self.committed, segments)
        words = [w for segment in segments for w in segment]
        if not words:
            return Decision([], [], _keep_last(start_s, end_s, 0.0 if final else self.keep_s))
        if final or end_s - words[-1].end >= self.pause_s:
            commit = words  # every phrase has ended
        else:
            commit = words[: len(words) - len(segments[-1])]  # all but the last phrase, still being spoken
        ended = len(commit)
        if end_s - start_s > self.max_buffer_s:
            commit = _commit_before(words, commit, end_s - self.tail_s)
        self.committed += commit
        tentative = words[len(commit) :]
        return Decision(commit, tentative, _trim_after(commit, tentative), len(commit) - ended)


class LocalAgreementPolicy(BufferLimits):
    """LocalAgreement-2 (Machacek et al. 2023, whisper_streaming): commit the longest prefix of words on which
    two successive passes agree. The buffer is trimmed after the last segment committed whole and, with
    ``trim_sentences``, after the last committed word that ends a sentence (``SENTENCE_ENDS``). A pass's time grows
    with the words it decodes: in dense speech Whisper's segments end only where the speaker stops, so a buffer
    trimmed after whole segments only (``trim_sentences=False``, as whisper_streaming does by default) grows to
    ``max_buffer_s`` inside every long phrase, each pass slower than the last (notebook 05 shows the trace).
    Sentence ends are where the audio can be cut safely: cut inside a sentence, Whisper, prompted with the
    sentence's first half, often skips or mishears its second.

    ``max_buffer_s``, ``tail_s`` and ``keep_s`` as in :class:`SegmentCommitPolicy`: a buffer longer than
    ``max_buffer_s`` has its words up to ``tail_s`` before its end committed, whether two passes agreed or not.
    """

    name = "agreement"

    def __init__(self, trim_sentences: bool = True, **limits: float) -> None:
        super().__init__(**limits)
        self.trim_sentences = trim_sentences
        self.previous: list[Word] = []  # the last pass's words after the committed ones

    def decide(self, segments: list[list[Word]], start_s: float, end_s: float, final: bool = False) -> Decision:
        """As :meth:`SegmentCommitPolicy.decide`."""
        committed_end = self.committed[-1].end if self.committed else float("-inf")
        segments = [[w for w in s if w.start >= committed_end - 0.1] for s in segments]  # not heard before
        segments = _without_repeats(self.committed, segments)
        words = [w for segment in segments for w in segment]
        if not words and not self.previous:
            return Decision([], [], _keep_last(start_s, end_s, 0.0 if final else self.keep_s))
        commit = words if final else words[: agreed_prefix_length(self.previous, words)]
        agreed = len(commit)
        if end_s - start_s > self.max_buffer_s:
            commit = _commit_before(words, commit, end_s - self.tail_s)
        self.committed += commit
        self.previous = words[len(commit) :]
        trim, done = None, 0
        for segment in segments:  # trim after the last segment committed whole
            done += len(segment)
            if done <= len(commit):
                trim = segment[-1].end
        sentence_ends = [w.end for w in commit if w.text.rstrip().endswith(SENTENCE_ENDS)]
        if self.trim_sentences and sentence_ends:
            trim = max(sentence_ends[-1], trim or sentence_ends[-1])
        if trim is None and commit and end_s - start_s > self.max_buffer_s:
            trim = commit[-1].end
        if trim is not None and self.previous:
            trim = min(trim, self.previous[0].start)
        return Decision(commit, list(self.previous), trim, len(commit) - agreed)


def agreed_prefix_length(previous: Sequence[Word], current: Sequence[Word]) -> int:
    """How many words at the start of ``current`` the ``previous`` pass wrote the same (compared by key)."""
    n = 0
    while n < min(len(previous), len(current)) and previous[n].key == current[n].key:
        n += 1
    return n


def _without_repeats(committed: Sequence[Word], segments: list[list[Word]]) -> list[list[Word]]:
    segments = [s for s in segments if s]
    if segments:
        segments[0] = drop_repeated_words(committed, segments[0])
    return [s for s in segments if s]


def _commit_before(words: Sequence[Word], commit: Sequence[Word], until_s: float) -> list[Word]:
    """``commit`` and the words after it that end before ``until_s``: a buffer too long for Whisper must shrink."""
    n = len(commit)
    while n < len(words) and words[n].end <= until_s:
        n += 1
    return list(words[:n])


def _trim_after(commit: Sequence[Word], tentative: Sequence[Word]) -> float | None:
    """Where to cut the buffer after committing ``commit``: its end, or where the tentative words begin if sooner."""
    if not commit:
        return None
    return min(commit[-1].end, tentative[0].start) if tentative else commit[-1].end


def _keep_last(start_s: float, end_s: float, keep_s: float) -> float | None:
    return end_s - keep_s if end_s - start_s > keep_s else None
