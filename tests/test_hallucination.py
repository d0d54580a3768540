"""course_utils.hallucination: counting invented words, Wilson intervals, the phrase list, Silero VAD, the manifest."""

import subprocess
import sys

import numpy as np
import pytest

import course_utils as cu
from course_utils.bench.hallucination import format_summary, read_rows, summarize
from course_utils.data import DATA_DIR, NONSPEECH_KINDS, NONSPEECH_MANIFEST, read_manifest
from course_utils.hallucination import (
    HALLUCINATED_PHRASES,
    count_phrases,
    hits_by_recording,
    invented_words,
    is_known_hallucination,
    is_no_speech,
    recording_of,
    wilson_interval,
)
from course_utils.speech import VAD_EDGE_S, VAD_JOIN_S, find_speech

RESULTS = DATA_DIR.parent / "results" / "hallucination"


def test_finding_speech_keeps_torchs_threads():
    # silero_vad sets torch to one thread when it is imported; a fresh Python shows whether find_speech gives the
    # caller's setting back (it did not: every cu.transcribe after the first ran Whisper on one thread)
    code = (
        "import numpy as np, torch; torch.set_num_threads(2)\n"
        "from course_utils.speech import find_speech\n"
        "find_speech(np.zeros(16000, np.float32)); print(torch.get_num_threads())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=DATA_DIR.parent, check=True)
    assert done.stdout.split() == ["2"], done.stderr


def test_invented_words_are_all_words_where_nothing_is_said_else_the_insertions():
    assert invented_words("", " you") == 1
    assert invented_words("", "Thank you. Thank you.") == 4
    assert invented_words("", "") == invented_words("", " ...") == 0
    assert (
        invented_words("he was not an ill disposed young man", "He was not an ill disposed young man. Thank you.") == 2
    )
    assert invented_words("he was not an ill disposed young man", "He was not an old-sposed young man.") == 0


def test_wilson_interval_matches_the_textbook_and_stays_inside_0_and_1():
    low, high = wilson_interval(0, 31)
    assert low == 0 and high == pytest.approx(0.1102, abs=1e-4)
    low, high = wilson_interval(31, 31)
    assert high == 1 and low == pytest.approx(0.8898, abs=1e-4)
    low, high = wilson_interval(5, 10)  # symmetric about a half
    assert low == pytest.approx(1 - high) and low == pytest.approx(0.2366, abs=1e-4)
    with pytest.raises(ValueError, match="at least one trial"):
        wilson_interval(0, 0)


def test_phrases_are_counted_after_normalizing_and_only_when_repeated():
    texts = [" Thank you.", "Thank you!", " you", " You", " you", " Bye."]
    assert count_phrases(texts) == [("you", 3), ("thank you", 2)]
    assert is_known_hallucination({"text": " Thank you!"}, ("thank you",))
    assert not is_known_hallucination({"text": " Thank you for coming."}, ("thank you",))


def test_no_speech_ignores_how_confident_the_words_are():
    assert is_no_speech({"no_speech_prob": 0.9, "avg_logprob": -0.2})  # Whisper's own rule would keep it
    assert not is_no_speech({"no_speech_prob": 0.3, "avg_logprob": -2.0})


def test_silero_vad_finds_the_speech_and_nothing_in_silence():
    speech = cu.load_audio(cu.clip("librivox_2").path)
    audio = np.concatenate([np.zeros(5 * cu.SAMPLE_RATE, np.float32), speech, np.zeros(5 * cu.SAMPLE_RATE, np.float32)])
    ((start, end),) = find_speech(audio)
    assert 4.5 < start < 5.5 and 7.5 < end < 8.5
    assert find_speech(np.zeros(10 * cu.SAMPLE_RATE, np.float32)) == []
    assert find_speech(speech) == [(0.0, len(speech) // 160 / 100)]  # speech near both ends: the whole clip


@pytest.mark.parametrize("pause_s, regions", [(VAD_JOIN_S - 0.5, 1), (VAD_JOIN_S + 1.0, 2)])
def test_speech_a_short_pause_apart_is_one_region(pause_s, regions):
    speech = cu.load_audio(cu.clip("librivox_2").path)
    pause = np.zeros(round(pause_s * cu.SAMPLE_RATE), np.float32)
    lead = np.zeros(round((VAD_EDGE_S - 0.5) * cu.SAMPLE_RATE), np.float32)  # speech that starts this early...
    found = find_speech(np.concatenate([lead, speech, pause, speech]))
    assert len(found) == regions
    assert found[0][0] == 0.0  # ...is heard from the start, as Whisper hears it without the detector


def test_the_bundled_set_has_enough_clips_of_each_kind_with_expected_text_where_speech_is():
    sounds = read_manifest(NONSPEECH_MANIFEST)
    kinds = [s.kind for s in sounds]
    assert sum(k in NONSPEECH_KINDS for k in kinds) >= 30
    assert all(kinds.count(k) >= 4 for k in ("speech+silence", "speech+applause", "speech+music", "speech+gap"))
    assert all(s.has_speech == s.kind.startswith("speech") for s in sounds)
    size = sum(s.path.stat().st_size for s in sounds)
    assert size < 4.5e6  # bytes: data/ stays small


def test_a_manifest_without_a_transcript_column_or_with_a_missing_file_is_named(tmp_path):
    (tmp_path / "a.csv").write_text("id,file,language\nx,x.flac,en\n")
    with pytest.raises(ValueError, match=r"lacks the column\(s\) transcript"):
        read_manifest(tmp_path / "a.csv")
    (tmp_path / "b.csv").write_text("id,file,language,transcript\nx,missing.flac,en,\n")
    with pytest.raises(ValueError, match=r"b\.csv line 2: .*no audio file"):
        read_manifest(tmp_path / "b.csv")


def test_the_kit_phrase_list_is_what_the_bench_counted():
    rows = read_rows(RESULTS / "hallucination.csv")
    plain = [r.text for r in rows if r.cure == "whisper" and r.kind in NONSPEECH_KINDS]
    assert HALLUCINATED_PHRASES == tuple(p for p, _ in count_phrases(plain))
    assert NONSPEECH_MANIFEST.is_file()


def test_speech_never_ends_past_the_last_mel_frame():
    """An end past the audio's last 10 ms frame would make model.transcribe loop forever on an empty window."""
    audio = cu.load_audio(cu.clip("prompt_en_1").path)  # speech to its very last sample
    ((_, end),) = find_speech(audio)
    assert round(end * 100) <= len(audio) // 160


def test_clips_of_one_recording_are_counted_once():
    sounds = [s for s in read_manifest(NONSPEECH_MANIFEST) if s.kind in NONSPEECH_KINDS]
    recordings = {s.id: recording_of(s.source) for s in sounds}
    assert {recordings[s.id] for s in sounds if s.kind == "applause"} == {"applause.ogg"}  # 7 clips, 1 sound
    assert {recordings[s.id] for s in sounds if s.kind == "noise"} == {"white noise", "pink noise", "brown noise"}
    assert len({recordings[s.id] for s in sounds if s.kind == "music"}) == 5  # five pieces of music
    assert hits_by_recording({"a": True, "b": False, "c": False, "d": True}, {"a": "x", "b": "x", "c": "y"}) == (2, 3)


def test_the_bench_table_counts_recordings_when_told_them():
    rows = read_rows(RESULTS / "hallucination.csv")
    sounds = read_manifest(NONSPEECH_MANIFEST)
    table = summarize(rows, {s.id: recording_of(s.source) for s in sounds})
    kit = next(e for e in table if e["model"] == "tiny.en" and e["cure"] == "kit")
    assert (kit["nonspeech"]["hits"], kit["nonspeech"]["n"]) == (0, 33)
    assert (kit["nonspeech_recordings"]["hits"], kit["nonspeech_recordings"]["n"]) == (0, 10)
    assert kit["nonspeech_recordings"]["high"] == pytest.approx(100 * wilson_interval(0, 10)[1])
    assert "0/10 = 0 % [0, 28]" in format_summary(table) and "[0, 10]" not in format_summary(table)
    assert "nonspeech_recordings" not in summarize(rows)[0]  # without recordings: the clips, as before
