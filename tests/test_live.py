"""Live chunked transcription (course_utils.live): buffer accounting, the microphones, both commit policies with
scripted Whisper results, the speech gate, SRT export, the display, and that every thread stops."""

from __future__ import annotations

import queue
import threading
import time

import numpy as np
import pytest

import course_utils as cu
from course_utils import live
from course_utils.data import DATA_DIR
from course_utils.live import AudioBuffer, LocalAgreementPolicy, SegmentCommitPolicy, Word, word_key
from course_utils.speech import VoiceDetector

NONSPEECH = DATA_DIR / "nonspeech"  # sounds without speech (data/nonspeech.csv)
SR = cu.SAMPLE_RATE
OUR_THREADS = ("simulated-microphone", "live-transcriber", "live-display")


@pytest.fixture(autouse=True)
def no_threads_left():
    """Every test here must leave no thread of its own running."""
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.is_alive() and "tqdm" not in t.name.lower()]
    assert not left, f"threads left running: {left}"
    assert not [t for t in threading.enumerate() if t.name in OUR_THREADS]


def words(*triples) -> list[Word]:
    return [Word(f" {text}", start, end) for text, start, end in triples]


def keys(ws) -> list[str]:
    return [w.key for w in ws]


# -- AudioBuffer ---------------------------------------------------------------------------------------------


def test_buffer_keeps_exact_accounting_across_appends_and_trims():
    buffer = AudioBuffer()
    audio = np.arange(5 * SR, dtype=np.float32)
    for chunk in np.split(audio, [7000, 16000, 40000, 41000]):
        buffer.append(chunk)
    assert (buffer.start, buffer.end, len(buffer)) == (0, 5 * SR, 5 * SR)
    assert buffer.trim_to(20_000) == 20_000
    assert (buffer.start, buffer.end, len(buffer)) == (20_000, 5 * SR, 5 * SR - 20_000)
    assert buffer.samples[0] == 20_000  # the absolute offset names the very sample held
    buffer.append(np.zeros(123, np.float32))
    assert buffer.end == 5 * SR + 123 == buffer.start + len(buffer)
    assert buffer.trim_to_time(2.5) == int(2.5 * SR) - 20_000
    assert buffer.start_s == 2.5 and buffer.duration_s == pytest.approx((5 * SR + 123 - 2.5 * SR) / SR)


def test_buffer_refuses_to_trim_outside_itself_and_clamps_times():
    buffer = AudioBuffer()
    buffer.append(np.zeros(SR, np.float32))
    buffer.trim_to(100)
    with pytest.raises(ValueError, match="holds samples 100 to 16000"):
        buffer.trim_to(50)
    with pytest.raises(ValueError, match="inside the buffer"):
        buffer.trim_to(SR + 1)
    assert buffer.trim_to_time(-3.0) == 0 and buffer.start == 100
    assert buffer.trim_to_time(99.0) == SR - 100 and len(buffer) == 0 and buffer.end == SR
    with pytest.raises(ValueError, match="1-D"):
        buffer.append(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError):
        buffer.samples[:] = 1  # read-only: only append and trim change the buffer


# -- Microphones ---------------------------------------------------------------------------------------------


def drain(q: queue.Queue) -> tuple[list[np.ndarray], int]:
    chunks, ends = [], 0
    while True:
        item = q.get(timeout=10)
        if item is None:
            ends += 1
            break
        chunks.append(item)
    assert q.empty()
    return chunks, ends


def test_simulated_microphone_delivers_exactly_every_sample_in_order():
    audio = np.random.default_rng(0).uniform(-0.5, 0.5, int(3.3 * SR)).astype(np.float32)
    mic = live.SimulatedMicrophone(audio, chunk_s=0.25, speed=10).start()
    chunks, ends = drain(mic.queue)
    mic.stop()
    assert ends == 1
    np.testing.assert_array_equal(np.concatenate(chunks), audio)
    assert mic.samples_recorded == len(audio) and mic.dropped_samples == 0
    assert len(mic.lateness_s) >= 3.3 / 0.25 - 1
    assert all(0.05 <= len(c) / SR <= 0.75 for c in chunks[:-1])  # about chunk_s of audio each


def test_simulated_microphone_late_reader_loses_the_overwritten_samples_and_counts_them():
    audio = np.ones(10 * SR, np.float32)
    mic = live.SimulatedMicrophone(audio, chunk_s=0.5, speed=20, device_buffer_s=1.0)
    mic.open()
    time.sleep(0.2)  # 4 s of audio at speed 20, but the sound card holds 1 s
    assert mic.tick()
    chunk = mic.queue.get_nowait()
    assert len(chunk) == SR and mic.dropped_samples > 2 * SR  # the card gave what it held: its last second
    assert mic.samples_recorded == len(chunk) + mic.dropped_samples
    assert mic.lateness_s[0] > 0.1
    mic.stop()
    assert mic.queue.get_nowait() is None


def test_simulated_microphone_lateness_says_when_samples_are_lost():
    # Reads are due one chunk after the read before (0.2 s here); the card holds 0.4 s, so a read may come 0.2 s
    # late. Two reads in a row 0.14 s late lose nothing, though the second is 0.28 s behind a fixed timetable.
    mic = live.SimulatedMicrophone(np.ones(20 * SR, np.float32), chunk_s=1.0, speed=5, device_buffer_s=2.0)
    spare_s = (mic.capacity / SR - mic.chunk_s) / mic.speed
    mic.open()
    for wait_s, loses in [(0.34, False), (0.34, False), (0.5, True)]:
        dropped = mic.dropped_samples
        time.sleep(wait_s)
        mic.tick()
        assert (mic.lateness_s[-1] > spare_s) == loses == (mic.dropped_samples > dropped), mic.lateness_s
    mic.stop()


def test_simulated_microphone_stops_early_and_ends_its_queue():
    mic = live.SimulatedMicrophone(np.zeros(60 * SR, np.float32), speed=1.0).start()
    time.sleep(0.1)
    mic.stop(timeout=5)
    chunks, ends = drain(mic.queue)
    assert ends == 1 and sum(map(len, chunks)) == mic.samples_recorded - mic.dropped_samples < 60 * SR


def test_simulated_microphone_rejects_bad_settings():
    with pytest.raises(ValueError, match="positive"):
        live.SimulatedMicrophone(np.zeros(SR, np.float32), speed=0)
    with pytest.raises(ValueError, match="at least one chunk"):
        live.SimulatedMicrophone(np.zeros(SR, np.float32), chunk_s=1.0, device_buffer_s=0.5)


class FakeRecorder:
    """What MicrophoneSource needs of course_utils.recorder.Recorder: chunk listeners and a `recording` trait."""

    def __init__(self) -> None:
        import traitlets

        class Traits(traitlets.HasTraits):
            recording = traitlets.Bool(False)

        self.traits = Traits()
        self.listeners = []
        self.observe, self.unobserve = self.traits.observe, self.traits.unobserve

    def add_chunk_listener(self, callback):
        self.listeners.append(callback)

    def remove_chunk_listener(self, callback):
        self.listeners.remove(callback)

    def send(self, chunk):
        for callback in list(self.listeners):
            callback(chunk)


def test_microphone_source_queues_the_recorders_chunks_until_it_stops_recording():
    recorder = FakeRecorder()
    source = live.MicrophoneSource(recorder).start()
    recorder.traits.recording = True
    sent = [np.full(4000, i, np.float32) for i in range(5)]
    for chunk in sent:
        recorder.send(chunk)
    recorder.traits.recording = False  # the recorder's Stop button
    recorder.send(np.zeros(10, np.float32))  # the resampler's last samples come after: too late for this take
    chunks, ends = drain(source.queue)
    assert ends == 1 and len(chunks) == 5 and source.samples_recorded == 20_000
    np.testing.assert_array_equal(np.concatenate(chunks), np.concatenate(sent))
    source.stop()
    assert recorder.listeners == [] and source.clock() == 20_000 / SR


def test_microphone_source_works_with_the_real_recorder():
    from course_utils.recorder import Recorder

    recorder = Recorder()
    source = live.MicrophoneSource(recorder).start()
    recorder._handle_message(recorder, {"type": "start", "sample_rate": SR}, [])
    for seq in range(3):
        samples = np.full(4000, 0.1 * seq, "<f4")
        recorder._handle_message(recorder, {"type": "chunk", "seq": seq, "sample_rate": SR}, [samples.tobytes()])
    recorder._handle_message(recorder, {"type": "stop", "chunks": 3}, [])
    chunks, ends = drain(source.queue)
    source.stop()
    assert ends == 1 and sum(map(len, chunks)) == source.samples_recorded == 12_000
    np.testing.assert_array_equal(np.concatenate(chunks), recorder.audio())


# -- Commit policies with scripted segments ------------------------------------------------------------------


def test_segment_policy_commits_finished_phrases_and_trims_where_they_end():
    policy = SegmentCommitPolicy()
    first = words(("and", 0.0, 0.4), ("so", 0.5, 0.8))
    second = words(("my", 1.4, 1.6), ("fellow", 1.7, 2.0))
    decision = policy.decide([first], 0.0, 1.2)
    assert decision.commit == [] and decision.tentative == first and decision.trim_to_s is None
    decision = policy.decide([first, second], 0.0, 2.4)  # a later segment has started: the first is final
    assert decision.commit == first and decision.tentative == second and decision.trim_to_s == 0.8


def test_segment_policy_commits_the_last_phrase_after_a_pause_or_at_the_end():
    phrase = words(("ask", 3.0, 3.3), ("not", 3.4, 3.9))
    decision = SegmentCommitPolicy(pause_s=1.0).decide([phrase], 3.0, 4.5)
    assert decision.commit == [] and decision.tentative == phrase
    decision = SegmentCommitPolicy(pause_s=1.0).decide([phrase], 3.0, 5.0)
    assert decision.commit == phrase and decision.tentative == [] and decision.trim_to_s == 3.9
    decision = SegmentCommitPolicy().decide([phrase], 3.0, 4.0, final=True)
    assert decision.commit == phrase


def test_segment_policy_trims_no_further_than_where_tentative_words_begin():
    first = words(("one", 0.0, 0.5))
    second = words(("two", 0.45, 0.9))  # word timestamps may overlap a little
    decision = SegmentCommitPolicy().decide([first, second], 0.0, 1.2)
    assert decision.trim_to_s == 0.45


def test_segment_policy_drops_words_heard_again_at_the_boundary():
    policy = SegmentCommitPolicy()
    policy.decide([words(("ask", 0.0, 0.3), ("not", 0.4, 0.9)), words(("what", 1.5, 1.8))], 0.0, 2.0)
    # The buffer now starts at 0.9; Whisper hears the tail of "not" again before "what".
    decision = policy.decide([words(("not", 0.9, 1.0), ("what", 1.5, 1.8), ("your", 1.9, 2.2))], 0.9, 2.5)
    assert keys(decision.tentative) == ["what", "your"] and decision.commit == []
    decision = policy.decide([words(("not", 0.9, 1.0), ("what", 1.5, 1.8), ("your", 1.9, 2.2))], 0.9, 4.0)
    assert keys(policy.committed) == ["ask", "not", "what", "your"]


def test_segment_policy_commits_inside_an_overlong_phrase_to_bound_the_buffer():
    long_phrase = words(*[(f"w{i}", 0.5 * i, 0.5 * i + 0.4) for i in range(44)])  # 22 s without a break
    policy = SegmentCommitPolicy(max_buffer_s=20.0, tail_s=3.0)
    decision = policy.decide([long_phrase], 0.0, 22.0)
    assert decision.commit and all(w.end <= 19.0 for w in decision.commit)
    assert decision.commit + decision.tentative == long_phrase
    assert decision.trim_to_s == decision.commit[-1].end


def test_local_agreement_commits_an_overlong_buffer_even_without_agreement():
    long_phrase = words(*[(f"w{i}", 0.5 * i, 0.5 * i + 0.4) for i in range(44)])  # 22 s, heard once
    decision = LocalAgreementPolicy(max_buffer_s=20.0, tail_s=3.0).decide([long_phrase], 0.0, 22.0)
    assert decision.commit == [w for w in long_phrase if w.end <= 19.0]
    assert decision.commit + decision.tentative == long_phrase
    assert decision.forced == len(decision.commit)  # none of them agreed on: committed for the buffer's sake
    assert decision.trim_to_s == decision.commit[-1].end


def sentences(*counts, word_s=0.3):
    """Words said without a pause, in sentences of ``counts`` words each, every sentence's last word ending in "."."""
    out, t = [], 0.0
    for n, count in enumerate(counts):
        for i in range(count):
            out.append(Word(f" s{n}w{i}{'.' if i == count - 1 else ''}", t, t + word_s - 0.05))
            t += word_s
    return out


def test_local_agreement_trims_after_a_committed_sentence_inside_a_segment():
    phrase = sentences(5, 6, 9)  # 6 s, one segment: the speaker never stops
    policy = LocalAgreementPolicy()
    assert policy.decide([phrase[:12]], 0.0, 4.0).trim_to_s is None  # heard once: nothing agreed yet
    decision = policy.decide([phrase[:16]], 0.0, 5.0)
    assert decision.commit == phrase[:12] and decision.forced == 0
    assert decision.trim_to_s == phrase[10].end  # after "s1w5.", the last committed sentence end
    decision = policy.decide([phrase[11:20]], phrase[10].end, 6.0)  # "s2w0" heard again: not committed again
    assert decision.commit == phrase[12:16] and decision.tentative == phrase[16:20]
    assert decision.trim_to_s is None  # the third sentence is not over
    whole_segments = LocalAgreementPolicy(trim_sentences=False)  # whisper_streaming's way: after whole segments
    whole_segments.decide([phrase[:12]], 0.0, 4.0)
    assert whole_segments.decide([phrase[:16]], 0.0, 5.0).trim_to_s is None  # the phrase is not over: it grows


def test_local_agreement_never_trims_past_a_tentative_word():
    phrase = sentences(3, 3)
    shifted = [*phrase[:3], Word(phrase[3].text, phrase[2].end - 0.1, phrase[3].end), *phrase[4:]]
    policy = LocalAgreementPolicy()
    policy.decide([phrase[:3]], 0.0, 1.0)
    decision = policy.decide([shifted], 0.0, 2.0)  # agreed on the first sentence; the next word overlaps its end
    assert decision.commit == phrase[:3] and decision.trim_to_s == shifted[3].start


def test_policies_trim_a_buffer_in_which_nothing_was_heard():
    for policy in (SegmentCommitPolicy(keep_s=2.0), LocalAgreementPolicy(keep_s=2.0)):
        assert policy.decide([], 10.0, 11.5).trim_to_s is None  # short: a word may be starting
        decision = policy.decide([], 10.0, 15.0)
        assert decision.commit == [] and decision.trim_to_s == 13.0
        assert policy.decide([], 13.0, 15.0, final=True).trim_to_s == 15.0


def test_local_agreement_commits_the_prefix_two_passes_agree_on():
    policy = LocalAgreementPolicy(trim_sentences=False)
    d1 = policy.decide([words(("and", 0.0, 0.4), ("so", 0.5, 0.8), ("my", 0.9, 1.0))], 0.0, 1.0)
    assert d1.commit == [] and keys(d1.tentative) == ["and", "so", "my"]
    d2 = policy.decide([words(("and", 0.0, 0.4), ("so", 0.5, 0.8), ("mine", 0.9, 1.2), ("fell", 1.3, 1.5))], 0, 1.5)
    assert keys(d2.commit) == ["and", "so"] and keys(d2.tentative) == ["mine", "fell"]
    assert d2.trim_to_s is None  # the segment is not committed whole yet
    pass3 = [words(("and", 0.0, 0.4), ("so", 0.52, 0.8), ("my", 0.9, 1.2)), words(("fellow", 1.3, 1.7))]
    d3 = policy.decide(pass3, 0.0, 2.0)
    assert d3.commit == [] and keys(d3.tentative) == ["my", "fellow"]  # nothing committed twice
    d4 = policy.decide(pass3, 0.0, 2.5)
    assert keys(d4.commit) == ["my", "fellow"] and d4.trim_to_s == 1.7
    assert keys(policy.committed) == ["and", "so", "my", "fellow"]


def test_local_agreement_after_a_trim_skips_committed_words_heard_again():
    policy = LocalAgreementPolicy(trim_sentences=False)
    policy.decide([words(("ask", 0.0, 0.3), ("not", 0.4, 0.9)), words(("what", 1.5, 1.8))], 0.0, 2.0)
    d = policy.decide(
        [words(("ask", 0.0, 0.3), ("not", 0.4, 0.9)), words(("what", 1.5, 1.8), ("you", 1.9, 2.2))], 0, 2.2
    )
    assert keys(d.commit) == ["ask", "not", "what"] and keys(d.tentative) == ["you"]
    assert d.trim_to_s == 0.9  # after the first segment, the only one committed whole
    d = policy.decide([words(("not", 0.9, 0.95), ("what", 1.5, 1.8), ("your", 1.9, 2.3))], 0.9, 2.6)
    assert d.commit == [] and keys(d.tentative) == ["your"]
    d = policy.decide([words(("what", 1.5, 1.8), ("your", 1.9, 2.3))], 0.9, 3.0, final=True)
    assert keys(policy.committed) == ["ask", "not", "what", "your"]


def test_make_policy_names_the_choices():
    assert isinstance(live.make_policy("segment"), SegmentCommitPolicy)
    assert isinstance(live.make_policy("agreement"), LocalAgreementPolicy)
    with pytest.raises(ValueError, match="'segment', 'agreement'"):
        live.make_policy("greedy")


# -- The whole loop with a scripted Whisper: no word lost or doubled, exact sample accounting ------------------

# Three phrases with pauses between them, then a long one: (word, start, end) in source seconds.
SCRIPT = [
    ("and", 0.3, 0.6),
    ("so", 0.7, 0.9),
    ("my", 1.0, 1.2),
    ("fellow", 1.3, 1.7),
    ("americans", 1.8, 2.5),
    ("ask", 3.6, 3.9),
    ("not", 4.0, 4.5),
    ("what", 5.5, 5.8),
    ("your", 5.9, 6.1),
    ("country", 6.2, 6.7),
    ("can", 6.8, 7.0),
    ("do", 7.1, 7.3),
    ("for", 7.4, 7.6),
    ("you", 7.7, 8.0),
    *[(f"word{i}", 9.0 + 0.4 * i, 9.3 + 0.4 * i) for i in range(12)],
]
SCRIPT_S = 14.5


class ScriptedWhisper:
    """Whisper as a script: the words wholly inside the buffer, with times relative to it, split into segments at
    pauses of 0.5 s, timestamps that wobble from pass to pass, and the last committed word heard again."""

    def __init__(self, script) -> None:
        self.script, self.calls, self.prompts = script, 0, []
        self.buffer: AudioBuffer | None = None  # the transcriber's, to know where its audio starts

    def __call__(self, audio: np.ndarray, prompt: str) -> dict:
        self.calls += 1
        self.prompts.append(prompt)
        start, end = self.buffer.start_s, self.buffer.start_s + len(audio) / SR
        wobble = 0.02 * (self.calls % 3 - 1)
        heard = [(w, s, e) for w, s, e in self.script if s >= start - 0.01 and e <= end]
        echo = [(w, s, e) for w, s, e in self.script if abs(e - start) < 0.02]  # the end of the trimmed word
        segments, current, last_end = [], [], None
        for w, s, e in echo + heard:
            if current and s - last_end > 0.5:
                segments.append(current)
                current = []
            current.append(
                {"word": f" {w}", "start": max(0.0, s - start + wobble), "end": e - start + wobble, "probability": 0.9}
            )
            last_end = e
        segments += [current] if current else []
        return {
            "segments": [
                {
                    "text": "".join(w["word"] for w in seg),
                    "words": seg,
                    "start": seg[0]["start"],
                    "end": seg[-1]["end"],
                    "no_speech_prob": 0.05,
                    "avg_logprob": -0.3,
                    "compression_ratio": 1.2,
                }
                for seg in segments
            ]
        }


def scripted_transcriber(microphone, policy="segment") -> tuple[live.LiveTranscriber, ScriptedWhisper]:
    scripted = ScriptedWhisper(SCRIPT)
    transcriber = live.LiveTranscriber(
        None, microphone, policy, min_new_audio_s=0.25, transcribe_fn=scripted, vad=False
    )
    scripted.buffer = transcriber.buffer
    return transcriber, scripted


@pytest.mark.parametrize("policy", ["segment", "agreement"])
def test_live_loop_commits_every_word_once_and_receives_every_sample(policy):
    audio = np.full(int(SCRIPT_S * SR), 0.1, np.float32)
    mic = live.SimulatedMicrophone(audio, chunk_s=0.5, speed=8)
    transcriber, scripted = scripted_transcriber(mic, policy)
    transcriber.run()
    assert keys(transcriber.committed) == [w for w, _, _ in SCRIPT]
    assert transcriber.tentative == []
    assert transcriber.samples_received == mic.samples_recorded == len(audio)
    assert transcriber.buffer.start + len(transcriber.buffer) == len(audio)
    assert transcriber.max_buffer_s < 8  # committed audio is trimmed: the buffer stays short
    assert all(w.committed_at is not None and w.committed_at >= w.end - 0.05 for w in transcriber.committed)
    assert any("americans" in p.lower() for p in scripted.prompts)  # the committed text is the prompt
    run = live.LiveRun.of(mic, transcriber)
    assert run.dropped_samples == 0 and run.summary()["dropped_samples"] == 0


class OneChunkPerPull:
    """A queue that hands the live loop one chunk per pull, as a microphone's chunks arrive one at a time."""

    def __init__(self, chunks):
        self.chunks, self.ready = [*chunks, None], True

    def get(self, timeout=None):
        return self.get_nowait()

    def get_nowait(self):
        self.ready = not self.ready
        if self.ready or not self.chunks:
            raise queue.Empty
        return self.chunks.pop(0)


def test_the_live_loop_knows_the_browser_recorders_chunk():
    from course_utils import recorder

    assert live.BROWSER_CHUNK_S == recorder.CHUNK_SECONDS == live.transcriber.MIN_NEW_AUDIO_S


def test_a_chunk_a_few_samples_short_still_starts_a_pass():
    short = np.zeros(int(0.5 * SR) - 10, np.float32)  # 0.5 s by the microphone's clock, 10 samples short
    transcriber = live.LiveTranscriber(
        None, live.QueueSource(OneChunkPerPull([short] * 6)), "segment", transcribe_fn=lambda a, p: {}, vad=False
    )
    transcriber.loop()
    assert len(transcriber.passes) == 6 + 1  # one per chunk, then the last pass at the end


# 14 s without a pause, in sentences of 8 words
DENSE_SCRIPT = [(f"word{i}{'.' if i % 8 == 7 else ''}", 0.3 + 0.35 * i, 0.6 + 0.35 * i) for i in range(40)]


@pytest.mark.parametrize("trim_sentences", [True, False])
def test_dense_speech_commits_every_word_once_and_trimming_after_sentences_keeps_the_buffer_short(trim_sentences):
    audio = np.full(int(15 * SR), 0.1, np.float32)
    mic = live.SimulatedMicrophone(audio, chunk_s=0.5, speed=8)
    scripted = ScriptedWhisper(DENSE_SCRIPT)
    policy = LocalAgreementPolicy(trim_sentences=trim_sentences)
    transcriber = live.LiveTranscriber(None, mic, policy, min_new_audio_s=0.25, transcribe_fn=scripted, vad=False)
    scripted.buffer = transcriber.buffer
    transcriber.run()
    assert keys(transcriber.committed) == [word_key(w) for w, _, _ in DENSE_SCRIPT]  # each once, in order
    assert transcriber.samples_received == mic.samples_recorded == len(audio)
    passes = transcriber.passes
    assert [w for p in passes for w in p.commit] == transcriber.committed  # the trace accounts for every word
    assert sum(p.committed for p in passes) == len(DENSE_SCRIPT)
    assert all(p.began_at_s <= p.ended_at_s and p.end_s == p.start_s + p.audio_s for p in passes)
    if trim_sentences:
        assert transcriber.max_buffer_s < 6  # at most a sentence and the words not final yet
    else:
        assert transcriber.max_buffer_s > 10  # one long phrase: trimmed only once it is over


def test_live_transcriber_stopped_midway_commits_what_it_heard_and_leaves_no_thread():
    audio = np.full(60 * SR, 0.1, np.float32)
    mic = live.SimulatedMicrophone(audio, chunk_s=0.5, speed=4)
    transcriber, _ = scripted_transcriber(mic)
    transcriber.start()
    deadline = time.monotonic() + 20
    while transcriber.buffer.end_s < 4.6 and time.monotonic() < deadline:
        time.sleep(0.05)
    transcriber.stop()
    assert not transcriber.running
    assert keys(transcriber.committed)[:7] == ["and", "so", "my", "fellow", "americans", "ask", "not"]
    assert transcriber.samples_received == mic.samples_recorded < len(audio)
    assert transcriber.state().running is False


def test_live_transcriber_reports_an_error_from_its_thread():
    def broken(audio, prompt):
        raise RuntimeError("model exploded")

    mic = live.SimulatedMicrophone(np.full(2 * SR, 0.1, np.float32), chunk_s=0.5, speed=10)
    transcriber = live.LiveTranscriber(None, mic, transcribe_fn=broken, vad=False)
    transcriber.start()
    with pytest.raises(RuntimeError, match="model exploded"):
        transcriber.wait(timeout=10)
    transcriber.stop()
    assert "model exploded" in transcriber.state().error


# -- The speech gate -----------------------------------------------------------------------------------------


def segment(text, no_speech_prob=0.1, avg_logprob=-0.3, compression_ratio=1.2):
    return {
        "text": text,
        "no_speech_prob": no_speech_prob,
        "avg_logprob": avg_logprob,
        "compression_ratio": compression_ratio,
    }


def test_speech_gate_rules():
    gate = live.SpeechGate()
    assert gate.is_silent(np.zeros(SR, np.float32))
    assert gate.is_silent(np.random.default_rng(0).normal(0, 10 ** (-60 / 20), SR).astype(np.float32))
    tone = 0.1 * np.sin(2 * np.pi * 440 * np.arange(SR) / SR).astype(np.float32)
    quiet_then_loud = np.concatenate([np.zeros(5 * SR, np.float32), tone[: SR // 5]])
    assert not gate.is_silent(tone) and not gate.is_silent(quiet_then_loud)  # the loudest 0.1 s counts
    assert gate.loudness_dbfs(tone) == pytest.approx(20 * np.log10(0.1 / np.sqrt(2)), abs=0.1)
    assert gate.is_speech(segment(" Ask not."))
    assert not gate.is_speech(segment(" Thank you.", no_speech_prob=0.9, avg_logprob=-1.2))  # Whisper's rule
    assert gate.is_speech(segment(" Thank you.", no_speech_prob=0.9, avg_logprob=-0.5))  # sure of its words
    thank_you = {
        **segment(" Thank you.", no_speech_prob=0.77, avg_logprob=-0.94),
        "words": [{"word": " Thank", "probability": 0.01}, {"word": " you.", "probability": 0.97}],
    }
    assert not gate.is_speech(thank_you)  # doubted: Whisper's words on the pause after a trimmed phrase
    first_words = {
        **segment(" And so...", no_speech_prob=0.45, avg_logprob=-0.65),
        "words": [{"word": " And", "probability": 0.58}, {"word": " so...", "probability": 0.67}],
    }
    assert gate.is_speech(first_words)
    assert gate.is_speech({**thank_you, "no_speech_prob": 0.1})  # unlikely words, but surely speech
    assert not gate.is_speech(segment(" . . ."))
    assert not gate.is_speech(segment(" the the the the the the", compression_ratio=3.1))


@pytest.mark.parametrize("kind", ["silence", "hiss", "noise", "music"])
def test_nothing_is_committed_on_silence_noise_or_music(tiny_en, kind):
    audio = live.sounds_without_words(6.0)[kind]
    run = live.run_live(tiny_en, audio, speed=6.0)
    assert run.committed == [], run.text
    assert run.dropped_samples == 0


def test_voice_detector_hears_speech_but_not_applause_and_scores_each_frame_once():
    speech_then_applause = cu.load_audio(NONSPEECH / "librivox_2+applause.flac")
    whole, chunked = VoiceDetector(), VoiceDetector()
    whole.feed(speech_then_applause)
    for start in range(0, len(speech_then_applause), 777):  # chunks of any size: the same frames are scored
        chunked.feed(speech_then_applause[start : start + 777])
    assert whole.scored == chunked.scored == len(speech_then_applause) // 512 * 512
    assert whole.speech_until == chunked.speech_until
    assert 2.5 * SR < whole.speech_until < 4 * SR  # "he was not an ill disposed young man" ends at about 3 s
    assert whole.heard_speech_since(0) and not whole.heard_speech_since(4 * SR)  # then 5 s of applause
    applause = VoiceDetector()
    applause.feed(cu.load_audio(NONSPEECH / "applause_long.flac"))
    assert not applause.heard_speech_since(0)


@pytest.mark.parametrize("vad", [True, False])
def test_the_voice_detector_keeps_the_live_loop_from_transcribing_applause(vad):
    def thanking(audio, prompt):  # Whisper as it behaves on applause: a confident "Thank you."
        words = [
            {"word": " Thank", "start": 0.0, "end": 0.5, "probability": 0.9},
            {"word": " you.", "start": 0.5, "end": 1.0, "probability": 0.9},
        ]
        return {
            "segments": [
                {
                    **segment(" Thank you.", no_speech_prob=0.2, avg_logprob=-0.2),
                    "start": 0.0,
                    "end": 1.0,
                    "words": words,
                }
            ]
        }

    applause = cu.load_audio(NONSPEECH / "applause_long.flac")
    mic = live.SimulatedMicrophone(applause, chunk_s=0.5, speed=10)
    transcriber = live.LiveTranscriber(None, mic, min_new_audio_s=0.25, transcribe_fn=thanking, vad=vad).run()
    assert transcriber.samples_received == len(applause)
    if vad:
        assert transcriber.committed == [] and all(p.compute_s == 0 for p in transcriber.passes)
    else:
        assert "thank" in transcriber.text.lower()  # without it, the gate lets a confident invention through


# -- Real Whisper, threads and processes ----------------------------------------------------------------------


@pytest.fixture
def encoder_runs(monkeypatch) -> list[int]:
    """Counts the runs of Whisper's audio encoder (one entry per run)."""
    from whisper.model import AudioEncoder

    runs, forward = [], AudioEncoder.forward
    monkeypatch.setattr(AudioEncoder, "forward", lambda self, mel: runs.append(1) or forward(self, mel))
    return runs


def test_transcribe_buffer_encodes_once(tiny_en, encoder_runs):
    buffer = cu.load_audio(cu.clip("long_speech").path)[: 18 * SR]  # JFK, a pause, then "Mr. John Dashwood had..."
    cu.transcribe(tiny_en, buffer, temperature=0.0, word_timestamps=True)
    assert len(encoder_runs) == 4  # model.transcribe: two windows (the unfinished phrase again), each encoded twice
    encoder_runs.clear()
    result = live.transcribe_buffer(tiny_en, buffer)
    assert len(encoder_runs) == 1
    assert "forward" not in vars(tiny_en.encoder)  # the model is left as it was
    assert "ask not what your country can do for you" in result["text"].lower()
    with pytest.raises(ValueError, match="at most 30 s"):
        live.transcribe_buffer(tiny_en, np.zeros(31 * SR, np.float32))


def test_transcribe_buffer_keeps_the_unfinished_phrase_with_word_times(tiny_en, jfk_audio):
    result = live.transcribe_buffer(tiny_en, jfk_audio[: 10 * SR])  # ends in "ask what you can do for your country"
    words = [w for segment in result["segments"] for w in segment["words"]]
    assert [word_key(w["word"]) for w in words[-4:]] == ["can", "do", "for", "your"]
    assert all(a["start"] <= b["start"] for a, b in zip(words, words[1:]))
    assert 0 <= words[0]["start"] and words[-1]["end"] <= 10.05
    assert all(0 <= w["probability"] <= 1 for w in words)
    assert {"no_speech_prob", "avg_logprob", "compression_ratio"} <= set(result["segments"][-1])


def test_live_transcription_of_jfk_with_tiny_en(tiny_en, jfk_audio):
    run = live.run_live(tiny_en, jfk_audio, speed=4.0)
    assert run.dropped_samples == 0 and run.samples_received == len(jfk_audio)
    text = run.text.lower()
    assert all(word in text for word in ("fellow", "americans", "country")), text
    assert run.max_buffer_s <= 30


def test_live_transcription_in_a_child_process(jfk_audio):
    """The child's target is importable by name (spawn imports it), as notebook 06 explains."""
    assert live.transcribe_in_child.__module__ == "course_utils.live.runs"
    run = live.run_live_in_process("tiny.en", jfk_audio, speed=4.0)
    assert run.dropped_samples == 0 and run.samples_received == len(jfk_audio)
    assert "country" in run.text.lower()


# -- Display and export --------------------------------------------------------------------------------------


def test_render_html_shows_committed_black_and_tentative_grey_escaped():
    state = live.LiveState(tuple(words(("ask", 0, 1), ("not", 1, 2))), tuple(words(("<what>", 2, 3))), 1.0, 3.0, True)
    rendered = live.render_html(state)
    assert "<span class='committed' style='color:#000'>ask not</span>" in rendered
    assert "<span class='tentative' style='color:#999'>&lt;what&gt;</span>" in rendered


def test_live_demo_stop_stops_every_thread_and_says_how_to_start_again():
    mic = live.SimulatedMicrophone(np.full(60 * SR, 0.1, np.float32), chunk_s=0.5, speed=4)
    transcriber, _ = scripted_transcriber(mic)
    demo = live.LiveDemo(transcriber, refresh_s=0.05).start()
    deadline = time.monotonic() + 20
    while "americans" not in demo.text.value.lower() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "americans" in demo.text.value.lower()
    demo.stop()
    assert not transcriber.running
    assert "stopped" in demo.status.value and "run the cell that started this demo again" in demo.status.value
    assert "and so my fellow americans" in demo.text.value.lower()


def test_live_demo_run_blocks_until_the_audio_is_over(capsys):
    mic = live.SimulatedMicrophone(np.full(int(SCRIPT_S * SR), 0.1, np.float32), chunk_s=0.5, speed=10)
    transcriber, _ = scripted_transcriber(mic)
    demo = live.LiveDemo(transcriber, refresh_s=0.05).run()
    assert "word11" in demo.text.value and "class='tentative' style='color:#999'></span>" in demo.text.value


def test_live_demo_displays_as_its_widget_with_a_plain_text_line():
    mic = live.SimulatedMicrophone(np.zeros(SR, np.float32), chunk_s=0.5, speed=10)
    demo = live.LiveDemo(scripted_transcriber(mic)[0])
    bundle = demo._repr_mimebundle_()  # built by hand: ipywidgets 7 (Colab's) widgets have no _repr_mimebundle_
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == demo.widget.model_id
    assert bundle["text/plain"].startswith("LiveDemo: live subtitles")


def test_to_srt_writes_numbered_cues_with_whispers_times():
    ws = words(
        ("And", 0.0, 0.5), ("so,", 0.5, 1.25), ("my", 4.5, 4.75), ("fellow", 4.75, 5.0), ("Americans.", 5.0, 6.5)
    )
    srt = live.to_srt(ws, max_line_width=42, max_line_count=1)
    assert srt == (
        "1\n00:00:00,000 --> 00:00:01,250\nAnd so,\n\n2\n00:00:04,500 --> 00:00:06,500\nmy fellow Americans.\n\n"
    )
    assert live.to_srt([]) == ""
    long_text = words(*[(f"word{i}", i, i + 0.5) for i in range(20)])
    cues = live.to_srt(long_text, max_line_width=20, max_line_count=2).strip().split("\n\n")
    assert len(cues) > 3 and all(len(line) <= 20 for cue in cues for line in cue.splitlines()[2:])
