"""Who spoke: windows, clustering, smoothing, words given speakers, DER with its collar, the constructed
conversations and their voices, and ``transcribe-batch --speakers`` end to end (course_utils/speakers.py; taught in
notebooks/12_who_spoke.ipynb)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import course_utils as cu
from course_utils import speakers as sp
from course_utils.batch import cli
from course_utils.data import VOICES_MANIFEST

Turn = sp.Turn


@pytest.fixture(scope="module")
def english_pair():
    """A short constructed conversation of two English voices: allison_en and the LibriVox reader, 4 turns."""
    return sp.conversation(["allison_en", "librivox_en"], "dev", seed=0, turns=4)


def test_the_voices_are_eight_real_speakers_with_20_s_each_and_allison_twice():
    voices = cu.read_manifest(VOICES_MANIFEST)
    seconds: dict[str, float] = {}
    for v in voices:
        seconds[v.speaker] = seconds.get(v.speaker, 0.0) + v.duration
    assert sum(s >= 20 for s in seconds.values()) >= 8
    assert {v.split for v in voices} == {"dev", "heldout"}
    assert [v.id for v in voices if v.speaker == "allison"] == [
        "allison_en_dev", "allison_en_heldout", "allison_es_dev", "allison_es_heldout"
    ]  # fmt: skip
    assert all(v.licence and v.source for v in voices)


def test_a_conversation_has_clean_turns_and_one_speaker_per_person():
    audio, reference = sp.conversation(["allison_en", "allison_es", "june_fr"], "dev", seed=3)
    assert {t.speaker for t in reference} == {"allison", "june"}
    assert all(a.end < b.start for a, b in zip(reference, reference[1:]))  # no overlap
    assert reference[-1].end == pytest.approx(len(audio) / cu.SAMPLE_RATE, abs=1e-3)
    with pytest.raises(KeyError, match="No dev voice recording jfk_en"):
        sp.conversation(["jfk_en"], "dev", seed=0)


def test_sliding_windows_cover_each_region_to_its_end():
    assert sp.sliding_windows([(0.0, 1.0)]) == [(0.0, 1.0)]
    windows = sp.sliding_windows([(2.0, 5.0)])
    assert windows[0] == (2.0, 3.5) and windows[-1] == pytest.approx((3.5, 5.0))
    assert len(windows) == 3


def test_turns_follow_window_labels_and_short_turns_are_smoothed_away():
    windows = sp.sliding_windows([(0.0, 6.0)])  # 7 windows every 0.75 s
    turns = sp.turns_of(windows, np.array([4, 4, 4, 9, 9, 9, 9]), [(0.0, 6.0)])
    assert [t.speaker for t in turns] == ["Speaker 1", "Speaker 2"]
    assert turns[0].start == 0 and turns[0].end == pytest.approx(2.625) and turns[-1].end == 6.0
    short = [Turn(0, 3, "A"), Turn(3, 3.5, "B"), Turn(3.5, 8, "A"), Turn(8, 12, "B")]
    assert sp.smooth(short) == [Turn(0, 8, "Speaker 1"), Turn(8, 12, "Speaker 2")]


def test_clustering_into_given_or_found_speakers():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(2, 256))
    prints = np.concatenate([c + 0.1 * rng.normal(size=(5, 256)) for c in centres])
    labels = sp.cluster(prints, 2)
    assert len(set(labels[:5])) == len(set(labels[5:])) == 1 and labels[0] != labels[5]
    assert list(sp.cluster(prints)) == list(labels)
    assert set(sp.cluster(prints[:5])) == {0}  # one voice: one speaker, however the threshold lies


def test_each_word_gets_the_speaker_covering_most_of_it_and_segments_are_cut_there():
    words = [{"word": " Hello", "start": 0.0, "end": 0.5}, {"word": " there.", "start": 0.5, "end": 1.0}]
    words += [{"word": " Hi!", "start": 1.2, "end": 1.9}]
    result = {"text": "Hello there. Hi!", "segments": [{"id": 0, "start": 0.0, "end": 1.9, "text": "", "words": words}]}
    turns = [Turn(0.0, 1.1, "Speaker 1"), Turn(1.1, 2.0, "Speaker 2")]
    labelled = sp.label_words(result, turns)
    assert [(s["speaker"], s["text"]) for s in labelled["segments"]] == [
        ("Speaker 1", " Hello there."), ("Speaker 2", " Hi!")
    ]  # fmt: skip
    assert "speaker" not in result["segments"][0]  # the input is left as it was
    assert sp.speaker_lines(labelled) == ["Speaker 1: Hello there.", "Speaker 2: Hi!"]
    assert "[Speaker 2] Hi!" in sp.speaker_srt(labelled)
    plain = {"segments": [{"id": 0, "start": 1.3, "end": 1.8, "text": " Hi!"}]}
    assert sp.label_words(plain, turns)["segments"][0]["speaker"] == "Speaker 2"
    assert sp.speaker_at(5.0, 6.0, turns) == "Speaker 2"  # no turn covers it: the nearest


def test_der_maps_speakers_and_its_collar_is_taken_on_each_side():
    reference = [Turn(0, 4, "a"), Turn(4, 8, "b")]
    assert sp.diarization_error_rate(reference, [Turn(0, 4, "x"), Turn(4, 8, "y")]) == 0
    assert sp.diarization_error_rate(reference, [Turn(0, 8, "x")], collar_s=0) == pytest.approx(0.5)
    shifted = [Turn(0, 4.2, "x"), Turn(4.2, 8, "y")]  # 0.2 s late: inside a 0.25 s collar on each side
    assert sp.diarization_error_rate(reference, shifted) == 0
    assert sp.diarization_error_rate(reference, shifted, collar_s=0) == pytest.approx(0.2 / 8)


def test_who_spoke_tells_two_english_voices_apart(english_pair):
    audio, reference = english_pair
    for given in (2, None):
        assert sp.diarization_error_rate(reference, sp.who_spoke(audio, num_speakers=given)) < 0.05
    alone = cu.load_audio(cu.read_manifest(VOICES_MANIFEST)[0].path)  # allison_en_dev: one voice, 21 s
    assert {t.speaker for t in sp.who_spoke(alone)} == {"Speaker 1"}
    with pytest.raises(ValueError, match="num_speakers=0"):
        sp.who_spoke(audio, num_speakers=0)


def test_transcribe_batch_writes_the_speaker_of_each_segment(capsys, tmp_path, english_pair):
    audio, reference = english_pair
    cu.save_wav(tmp_path / "talk.wav", audio)
    status = cli.main([str(tmp_path / "talk.wav"), "--out", str(tmp_path / "out"), "--model", "tiny.en", "--speakers"])
    assert status == 0, capsys.readouterr().err
    result = json.loads((tmp_path / "out" / "talk.json").read_text(encoding="utf-8"))
    assert result["source"]["options"]["speakers"] == "found"
    hypothesis = [Turn(**t) for t in result["speakers"]]
    mapping = sp.speaker_mapping(reference, hypothesis)
    segments = result["segments"]
    right = [mapping.get(s["speaker"]) == sp.speaker_at(s["start"], s["end"], reference) for s in segments]
    assert len({s["speaker"] for s in segments}) == 2 and sum(right) >= 0.9 * len(right)
    srt = (tmp_path / "out" / "talk.srt").read_text(encoding="utf-8")
    assert "[Speaker 1]" in srt and "[Speaker 2]" in srt
    assert cli.main([str(tmp_path / "talk.wav"), "--out", str(tmp_path / "out"), "--model", "tiny.en"]) == 0
    assert "speakers" not in json.loads((tmp_path / "out" / "talk.json").read_text())["source"]["options"]
