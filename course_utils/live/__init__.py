"""Live chunked transcription that never loses audio: subtitles while you speak, grey until committed.

Taught in notebooks/05_live_transcription.ipynb (the pipeline) and notebooks/06_threads_asyncio_processes.ipynb
(running its two loops with threads, asyncio or processes). Whisper only transcribes finished pieces of audio, so
live transcription is a concurrency problem with two loops:

- a *recording loop* (a :class:`SimulatedMicrophone` thread, or the browser's chunks through a
  :class:`MicrophoneSource`) puts about ``CHUNK_S`` seconds of audio at a time on a queue, whatever the
  transcriber is doing (``sources``);
- a *transcribing loop* (:class:`LiveTranscriber`, ``transcriber``) moves what arrived into an
  :class:`AudioBuffer` (``buffer``), transcribes the whole buffer whenever it is free (the committed text as the
  prompt), and asks a commit policy (``policies``) which words are final: :class:`SegmentCommitPolicy` (whole
  phrases, once Whisper's segments show they have ended) or :class:`LocalAgreementPolicy` (the words two
  successive passes agree on; the default, as it commits within phrases and so sooner). Audio is trimmed off the
  front of the buffer where a phrase or (agreement) a committed sentence has ended, which keeps the buffer short;
  absolute sample offsets keep the accounting exact.

:class:`SpeechGate` (``gate``) keeps silence and music from turning into invented text, helped by a trained
voice activity detector (:class:`VoiceDetector`, notebook 08) that lets no pass run on a buffer without speech;
:class:`LiveDemo` (``display``) shows the result (committed words black, tentative words grey), :func:`to_srt`
exports it, and :func:`run_live` and :func:`run_live_in_process` (``runs``) measure one run. Each pass is one
:func:`transcribe_buffer` (``whisper_pass``): ``model.transcribe`` would decode a buffer's unfinished last phrase
twice. Every pass is recorded as a :class:`Pass`; ``trace`` writes them as JSON lines and plots them
(``bench-live --trace``). Times are in seconds of the source audio ("source seconds") unless a name says otherwise.
"""

from .alignatt import AlignAttPolicy, AttentionDecoder
from .buffer import AudioBuffer
from .display import REFRESH_S, LiveDemo, render_html, to_srt
from .gate import SpeechGate, sounds_without_words
from .policies import (
    Decision,
    DecodingPolicy,
    LocalAgreementPolicy,
    SegmentCommitPolicy,
    agreed_prefix_length,
    drop_repeated_words,
)
from .registry import DEFAULT_POLICY, POLICIES, make_policy
from .runs import LiveRun, run_live, run_live_in_process, transcribe_in_child
from .sources import BROWSER_CHUNK_S, CHUNK_S, MicrophoneSource, QueueSource, SimulatedMicrophone
from .transcriber import LiveState, LiveTranscriber, Pass
from .whisper_pass import encoder_remembered, transcribe_buffer, warm_up
from .words import Word, join_words, segments_to_words, word_key

__all__ = [
    "BROWSER_CHUNK_S",
    "CHUNK_S",
    "DEFAULT_POLICY",
    "POLICIES",
    "REFRESH_S",
    "AlignAttPolicy",
    "AttentionDecoder",
    "AudioBuffer",
    "Decision",
    "DecodingPolicy",
    "LiveDemo",
    "LiveRun",
    "LiveState",
    "LiveTranscriber",
    "LocalAgreementPolicy",
    "MicrophoneSource",
    "Pass",
    "QueueSource",
    "SegmentCommitPolicy",
    "SimulatedMicrophone",
    "SpeechGate",
    "Word",
    "agreed_prefix_length",
    "drop_repeated_words",
    "encoder_remembered",
    "join_words",
    "make_policy",
    "render_html",
    "run_live",
    "run_live_in_process",
    "segments_to_words",
    "sounds_without_words",
    "to_srt",
    "transcribe_buffer",
    "transcribe_in_child",
    "warm_up",
    "word_key",
]
