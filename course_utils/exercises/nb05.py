"""Checks for the exercises of notebooks/05_live_transcription.ipynb. Expected answers come from course_utils.live."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..live import AudioBuffer, SpeechGate, Word, agreed_prefix_length
from .feedback import correct, not_yet

BUFFER_CHUNKS = 10  # chunks the recorder sends
BUFFER_CHUNK_SAMPLES = 4_000  # samples per chunk (0.25 s at 16 kHz)
BUFFER_TRIMS_S = (0.8, 2.0)  # source seconds the policy trims at, in order


def buffer_after_trims() -> tuple[int, int, int]:
    """(start, end, held) of a :class:`course_utils.live.AudioBuffer` after exercise 1's chunks and trims."""
    buffer = AudioBuffer()
    for _ in range(BUFFER_CHUNKS):
        buffer.append(np.zeros(BUFFER_CHUNK_SAMPLES, np.float32))
    for seconds in BUFFER_TRIMS_S:
        buffer.trim_to_time(seconds)
    return buffer.start, buffer.end, len(buffer)


def check_buffer_accounting(answer) -> None:
    """Exercise 1: (start, end, held) of the buffer after ten chunks and two trims."""
    start, end, held = buffer_after_trims()
    if answer is None:
        return not_yet("Set answer = (start, end, held), three whole numbers of samples.")
    try:
        got_start, got_end, got_held = (int(x) for x in answer)
    except (TypeError, ValueError):
        return not_yet("answer must be three whole numbers of samples: (start, end, held).")
    if (got_start, got_end, got_held) == (start, end, held):
        return correct("Trimming never changes end: it counts every sample received, and end = start + held.")
    if got_end != end:
        return not_yet("end counts every sample ever received (all the chunks); trimming does not change it.")
    if got_start == held and got_held == start:
        return not_yet("start and held are swapped: start is where the buffer begins, held is what is left.")
    if got_start != start:
        return not_yet("start is the absolute index of the first sample kept, after the last trim.")
    not_yet("The samples held are end - start.")


def _words(keys: list[str]) -> list[Word]:
    return [Word(f" {key}", float(i), float(i) + 0.5) for i, key in enumerate(keys)]


def agreed_by_three(a: list[str], b: list[str], c: list[str]) -> list[str]:
    """The words at the start of ``c`` on which ``a``, ``b`` and ``c`` agree, by :func:`agreed_prefix_length`."""
    n = min(agreed_prefix_length(_words(a), _words(c)), agreed_prefix_length(_words(b), _words(c)))
    return c[:n]


AGREEMENT_CASES = [
    (["and", "so"], ["and", "so", "my"], ["and", "so", "my", "fellow"]),
    (["ask", "not"], ["ask", "knot"], ["ask", "not", "what"]),
    ([], ["and"], ["and", "so"]),
    (["what", "your"], ["what", "your"], ["what", "you"]),
    (["a", "b", "c"], ["a", "b", "c"], ["a", "b", "c"]),
    (["x"], ["y"], ["x"]),
]


def check_local_agreement_3(agreed_prefix_3: Callable[[list[str], list[str], list[str]], list[str]]) -> None:
    """Exercise 2: LocalAgreement-3, the words at the start of three successive passes that all agree."""
    for a, b, c in AGREEMENT_CASES:
        try:
            got = agreed_prefix_3(list(a), list(b), list(c))
        except Exception as error:  # the learner's code: report, never crash the notebook
            return not_yet(f"agreed_prefix_3({a}, {b}, {c}) raised {error!r}.")
        if got is None:
            return not_yet("agreed_prefix_3 returns None: return the list of words all three passes start with.")
        expected = agreed_by_three(a, b, c)
        if list(got) != expected:
            return not_yet(
                f"agreed_prefix_3({a}, {b}, {c}) gave {list(got)}. Walk the three lists together and "
                "stop at the first position where any of them differs."
            )
    correct("Waiting for three passes to agree commits fewer wrong words, one pass later.")


def _segment(
    text: str, no_speech_prob: float, avg_logprob: float, probabilities: list[float], compression_ratio: float = 1.2
) -> dict:
    words = [{"word": f" {w}", "probability": p} for w, p in zip(text.split(), probabilities)]
    return {
        "text": f" {text}",
        "no_speech_prob": no_speech_prob,
        "avg_logprob": avg_logprob,
        "compression_ratio": compression_ratio,
        "words": words,
    }


GATE_SEGMENTS = {  # letter -> one of Whisper's result segments, as a pass might return it
    "a": _segment("Ask not what your country can do.", 0.05, -0.3, [0.9, 0.8, 0.9, 0.95, 0.9, 0.85, 0.9]),
    "b": _segment("Thank you.", 0.8, -1.3, [0.5, 0.6]),
    "c": _segment("Thank you.", 0.5, -0.7, [0.05, 0.9]),
    "d": _segment("♪", 0.2, -0.5, [0.7]),
    "e": _segment("the the the the the the the the", 0.1, -0.2, [0.9] * 8, compression_ratio=3.0),
    "f": _segment("And so...", 0.45, -0.65, [0.58, 0.67]),
}
GATE_HINTS = {  # letter -> the hint when the learner gets that segment wrong, gentlest rule first
    "b": "b: Whisper's own rule (no_speech_prob and avg_logprob) calls it silence.",
    "d": "d: a segment without a letter or digit is not speech.",
    "e": "e: a compression ratio that high is a repetition loop.",
    "c": "c: look at its words' probabilities (their geometric mean) together with no_speech_prob.",
    "a": "a: nothing about it is doubtful.",
    "f": "f: its no_speech_prob is above the doubt threshold, but are its words unlikely?",
}


def check_speech_gate(answer) -> None:
    """Exercise 3: the letters of GATE_SEGMENTS that ``SpeechGate().is_speech`` keeps."""
    gate = SpeechGate()
    kept = {letter for letter, segment in GATE_SEGMENTS.items() if gate.is_speech(segment)}
    if answer is None:
        return not_yet('Set answer = the set of letters the gate keeps, e.g. {"a", "b"}.')
    try:
        chosen = {str(letter).strip().lower() for letter in answer}
    except TypeError:
        return not_yet('answer must be a set of letters, e.g. {"a", "b"}.')
    if chosen - set(GATE_SEGMENTS):
        return not_yet(f"Use only the letters {', '.join(GATE_SEGMENTS)}.")
    if chosen == kept:
        return correct("Whisper's own rule, the doubt rule, loops and symbols: only real speech gets committed.")
    wrong = (chosen ^ kept) & set(GATE_HINTS)
    not_yet(next(GATE_HINTS[letter] for letter in GATE_HINTS if letter in wrong))
