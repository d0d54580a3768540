"""The recorder's Python side: chunk assembly, streaming resampling, listeners, uploads, the fallback clip."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest

import course_utils as cu
from course_utils.chunks import ChunkAssembler, ChunkGapError
from course_utils.recorder import (
    NOTHING_RECORDED,
    AudioUpload,
    Recorder,
    WebRTCRecorder,
    _first_upload,
    record,
    recorded_or_fallback,
    upload_audio,
)

RNG_SEED = 0


def speechlike(seconds: float, sr: int) -> np.ndarray:
    """A deterministic test signal at ``sr`` Hz: a few tones under 4 kHz plus a little noise, in [-1, 1]."""
    t = np.arange(round(seconds * sr)) / sr
    tones = sum(0.2 * np.sin(2 * np.pi * f * t + f) for f in (220.0, 710.0, 1900.0, 3300.0))
    noise = 0.01 * np.random.default_rng(RNG_SEED).standard_normal(t.size)
    return (tones + noise).astype(np.float32)


def odd_chunks(audio: np.ndarray, seed: int = RNG_SEED) -> list[np.ndarray]:
    """``audio`` cut into pieces of random, mostly odd sizes (1 to 2500 samples)."""
    sizes = np.random.default_rng(seed).integers(1, 2500, size=audio.size)
    edges = np.cumsum(sizes)
    return np.split(audio, edges[edges < audio.size])


def assemble(chunks: list[np.ndarray], sr: int) -> ChunkAssembler:
    assembler = ChunkAssembler(sr)
    for seq, chunk in enumerate(chunks):
        assembler.add(seq, chunk, sr)
    assembler.finish(total_chunks=len(chunks))
    return assembler


@pytest.mark.parametrize("sr", [48_000, 44_100, 22_050, 8_000])
def test_streaming_resample_matches_one_shot(sr):
    audio = speechlike(3.3, sr)
    chunks = odd_chunks(audio)
    assert len(chunks) > 10 and sum(c.size for c in chunks) == audio.size
    assembler = assemble(chunks, sr)
    streamed, whole = assembler.audio(), cu.resample(audio, sr)
    assert streamed.dtype == np.float32
    assert abs(streamed.size - whole.size) <= 1
    assert abs(streamed.size - audio.size * cu.SAMPLE_RATE / sr) <= 1
    n = min(streamed.size, whole.size)
    np.testing.assert_allclose(streamed[:n], whole[:n], atol=1e-4)
    assert assembler.samples_in == audio.size and assembler.next_seq == len(chunks)


def test_exact_counts_for_browser_sized_chunks():
    # 0.25 s chunks at 48 kHz and 44.1 kHz are exactly 4000 samples at 16 kHz: 40 chunks make 10 s exactly.
    for sr in (48_000, 44_100):
        chunk_frames = sr // 4
        assembler = assemble(np.split(speechlike(10, sr), 40), sr)
        assert chunk_frames * 40 == 10 * sr
        assert assembler.audio().size == 10 * cu.SAMPLE_RATE


def test_no_seams_unlike_resampling_each_chunk_alone():
    sr = 44_100
    audio = speechlike(2, sr)
    chunks = np.split(audio, 8)
    whole = cu.resample(audio, sr)
    streamed = assemble(chunks, sr).audio()
    separately = np.concatenate([cu.resample(c, sr) for c in chunks])
    n = min(whole.size, separately.size)
    assert np.abs(streamed - whole).max() < 1e-4
    assert np.abs(separately[:n] - whole[:n]).max() > 1e-2  # each chunk's edges ring: that is the seam


def test_16k_input_passes_through_unchanged():
    audio = speechlike(1, cu.SAMPLE_RATE)
    assembler = assemble(odd_chunks(audio), cu.SAMPLE_RATE)
    np.testing.assert_array_equal(assembler.audio(), audio)


def test_duplicates_are_dropped():
    sr = 48_000
    chunks = np.split(speechlike(1, sr), 4)
    assembler = ChunkAssembler(sr)
    dropped = [assembler.add(seq, chunks[seq]) is None for seq in (0, 1, 1, 0, 2, 3, 3)]
    assert dropped == [False, False, True, True, False, False, True]
    assembler.finish(4)
    assert assembler.duplicates == 3
    assert assembler.audio().size == cu.SAMPLE_RATE
    np.testing.assert_allclose(assembler.audio(), assemble(chunks, sr).audio())


def test_gap_is_rejected_and_reported():
    sr = 44_100
    chunks = np.split(speechlike(1, sr), 4)
    assembler = ChunkAssembler(sr)
    assembler.add(0, chunks[0])
    with pytest.raises(ChunkGapError, match="Chunk 3 arrived but chunks 1 to 2 never did"):
        assembler.add(3, chunks[3])
    assert assembler.next_seq == 1 and assembler.samples_in == chunks[0].size  # the chunk was not taken
    assembler.add(1, chunks[1])  # the missing one can still come
    with pytest.raises(ChunkGapError, match="Chunk 3 arrived but chunk 2 never did"):
        assembler.add(3, chunks[3])


def test_missing_end_is_reported():
    assembler = ChunkAssembler(48_000)
    assembler.add(0, np.zeros(12_000, np.float32))
    with pytest.raises(ChunkGapError, match="3 chunks were sent but only 1 arrived"):
        assembler.finish(total_chunks=3)


@pytest.mark.parametrize("rate", [0, -44_100, 44_100.5, None])
def test_bad_sample_rate(rate):
    with pytest.raises(ValueError, match="positive whole number of Hz"):
        ChunkAssembler(rate)


def test_bad_chunks():
    assembler = ChunkAssembler(48_000)
    with pytest.raises(ValueError, match="the sample rate cannot change"):
        assembler.add(0, np.zeros(10, np.float32), sample_rate=44_100)
    with pytest.raises(ValueError, match="1-D float samples"):
        assembler.add(0, np.zeros((10, 2), np.float32))
    with pytest.raises(ValueError, match="1-D float samples"):
        assembler.add(0, np.zeros(10, np.int16))
    assembler.finish()
    with pytest.raises(RuntimeError, match="start a new ChunkAssembler"):
        assembler.add(0, np.zeros(10, np.float32))
    assert assembler.finish().size == 0  # finishing twice is harmless


# The widget's Python side, fed the messages recorder.js sends (no browser needed).


def browser_messages(audio: np.ndarray, sr: int, chunk_frames: int) -> list[tuple[dict, list]]:
    """The messages recorder.js sends for one take of ``audio``: start, chunks (float32 buffers), stop."""
    chunks = [audio[i : i + chunk_frames] for i in range(0, audio.size, chunk_frames)]
    messages = [({"type": "start", "sample_rate": sr}, [])]
    messages += [
        ({"type": "chunk", "seq": seq, "sample_rate": sr}, [memoryview(chunk.astype("<f4").tobytes())])
        for seq, chunk in enumerate(chunks)
    ]
    return messages + [({"type": "stop", "chunks": len(chunks)}, [])]


def feed(recorder: Recorder, messages) -> None:
    for content, buffers in messages:
        recorder._handle_message(recorder, content, buffers)


def test_recorder_assembles_a_take_and_calls_listeners_in_order():
    sr = 44_100
    audio = speechlike(2.1, sr)
    recorder = record()
    heard, also_heard = [], []
    recorder.add_chunk_listener(heard.append)
    recorder.add_chunk_listener(also_heard.append)
    recorder.add_chunk_listener(heard.append)  # adding twice changes nothing
    messages = browser_messages(audio, sr, chunk_frames=sr // 4)
    feed(recorder, messages[:3])
    assert recorder.recording and recorder.sample_rate == sr and recorder.chunks_received == 2
    recorder.remove_chunk_listener(also_heard.append)
    feed(recorder, messages[3:])
    assert not recorder.recording and recorder.error == ""
    assert recorder.samples_received == audio.size and recorder.chunks_received == 9
    result = recorder.audio()
    assert result.dtype == np.float32 and abs(result.size - 2.1 * cu.SAMPLE_RATE) <= 1
    np.testing.assert_array_equal(np.concatenate(heard), result)  # every chunk, once, in order
    assert len(heard) == len(recorder.chunks) and len(also_heard) < len(heard)
    np.testing.assert_allclose(result, cu.resample(audio, sr)[: result.size], atol=1e-4)


def test_a_new_take_replaces_the_last():
    recorder = Recorder()
    feed(recorder, browser_messages(speechlike(1, 48_000), 48_000, 12_000))
    feed(recorder, browser_messages(speechlike(0.5, 44_100), 44_100, 11_025))
    assert recorder.sample_rate == 44_100 and recorder.audio().size == 8_000


def test_recorder_reports_a_gap_and_keeps_what_came_before():
    sr = 48_000
    recorder = Recorder()
    messages = browser_messages(speechlike(2, sr), sr, 12_000)
    feed(recorder, messages[:3] + messages[4:])  # chunk 2 is lost
    assert "chunk 2 never did" in recorder.error and "click Record" in recorder.error
    assert not recorder.recording
    assert recorder.audio().size == 2 * 12_000 // 3  # chunks 0 and 1, at 16 kHz


def test_duplicate_chunk_messages_are_ignored():
    sr = 48_000
    recorder = Recorder()
    messages = browser_messages(speechlike(1, sr), sr, 12_000)
    feed(recorder, messages[:3] + messages[1:3] + messages[3:])
    assert recorder.error == "" and recorder.audio().size == cu.SAMPLE_RATE


def test_listener_must_be_callable():
    with pytest.raises(TypeError, match="must be a function"):
        Recorder().add_chunk_listener("print")
    Recorder().remove_chunk_listener(print)  # not listening: nothing happens


def test_record_backends():
    assert isinstance(record(), Recorder)
    assert isinstance(record(backend="ipywebrtc"), WebRTCRecorder)
    with pytest.raises(ValueError, match="'anywidget', 'ipywebrtc'"):
        record(backend="webrtc")


def test_nothing_recorded_or_uploaded_is_empty():
    assert record().audio().size == 0
    assert record(backend="ipywebrtc").audio().size == 0
    assert upload_audio().audio().size == 0


def test_upload_decodes_to_16k(tmp_path):
    wav = cu.save_wav(tmp_path / "voice.wav", speechlike(1.5, 22_050), sr=22_050)
    upload = AudioUpload()
    content, now = memoryview(wav.read_bytes()), datetime.now(timezone.utc)
    upload.value = (
        {"name": "voice.wav", "type": "audio/wav", "size": len(content), "content": content, "last_modified": now},
    )
    assert upload.filename == "voice.wav"
    assert abs(upload.audio().size - 1.5 * cu.SAMPLE_RATE) <= 1
    audio, description = recorded_or_fallback([record(), upload])
    assert audio.size == upload.audio().size and description.startswith("Using the uploaded file voice.wav")


def test_upload_value_of_ipywidgets_7_and_8():
    # ipywidgets 8: a tuple of dicts; ipywidgets 7 (Colab's): a dict from each file's name to its metadata and content.
    as_8 = ({"name": "mine.wav", "type": "audio/wav", "size": 3, "content": memoryview(b"RIF")},)
    as_7 = {"mine.wav": {"metadata": {"name": "mine.wav", "type": "audio/wav", "size": 3}, "content": b"RIF"}}
    assert _first_upload(as_8) == _first_upload(as_7) == ("mine.wav", b"RIF")
    assert _first_upload(()) == _first_upload({}) == ("", b"")


def test_recorded_or_fallback_prefers_the_recording(capsys):
    recorder = Recorder()
    feed(recorder, browser_messages(speechlike(1, 48_000), 48_000, 12_000))
    audio, description = recorded_or_fallback(recorder)
    assert audio.size == cu.SAMPLE_RATE
    assert description == "Using your recording: 1.0 s, recorded at 48000 Hz and resampled to 16000 Hz."
    assert capsys.readouterr().out.strip() == description


def test_recorded_or_fallback_takes_a_path_or_an_array(tmp_path):
    wav = cu.save_wav(tmp_path / "mine.wav", speechlike(0.5, cu.SAMPLE_RATE))
    audio, description = recorded_or_fallback([None, Recorder(), str(wav)])
    assert audio.size == 8_000 and description == "Using the file mine.wav: 0.5 s."
    audio, description = recorded_or_fallback(np.zeros(1600, np.float32))
    assert audio.size == 1600 and description.startswith("Using the array you gave")
    with pytest.raises(FileNotFoundError, match="No such audio file"):
        recorded_or_fallback(tmp_path / "missing.wav")
    with pytest.raises(TypeError, match="pass a recorder"):
        recorded_or_fallback(42)


def test_fallback_says_why(capsys):
    audio, description = recorded_or_fallback(Recorder())
    assert description == f"{NOTHING_RECORDED}: using the bundled clip jfk"
    assert capsys.readouterr().out.strip() == description
    assert audio.dtype == np.float32 and abs(audio.size / cu.SAMPLE_RATE - cu.clip("jfk").duration) < 0.1
    denied = Recorder(error="Microphone permission was denied: allow it in the browser's address bar.")
    _, description = recorded_or_fallback([denied, upload_audio()], fallback_clip_id="jfk")
    assert description.startswith("Nothing was recorded (Microphone permission was denied")


def test_listeners_get_the_last_chunk_before_recording_turns_false():
    sr = 44_100
    recorder = Recorder()
    events = []
    recorder.add_chunk_listener(lambda chunk: events.append(("chunk", chunk.size, recorder.audio().size)))
    recorder.observe(lambda change: events.append(("recording", change["new"])), names="recording")
    feed(recorder, browser_messages(speechlike(1, sr), sr, sr // 4))
    assert events[0] == ("recording", True) and events[-1] == ("recording", False)
    chunk_events = events[1:-1]
    assert all(kind == "chunk" for kind, *_ in chunk_events)
    assert sum(size for _, size, _ in chunk_events) == recorder.audio().size == cu.SAMPLE_RATE
    assert repr(recorder) == "Recorder(stopped, sample_rate=44100 Hz, 4 chunks, error='')"
