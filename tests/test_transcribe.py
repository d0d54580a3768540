"""cu.transcribe: short audio straight to Whisper, long audio in pieces losing no word, clear errors for odd input."""

import importlib
import re

import numpy as np
import pytest
import torch
from whisper.audio import HOP_LENGTH, N_SAMPLES

import course_utils as cu
from course_utils.audio import load_audio_piece
from course_utils.data import DATA_DIR

transcribe_module = importlib.import_module("course_utils.transcribe")  # the module: cu.transcribe is the function

SR = cu.SAMPLE_RATE
WORD_S = 0.5  # seconds: how long each of FakeWhisper's "words" lasts


class FakeWhisper:
    """Stands in for a Whisper model, to follow cu.transcribe's pieces at full length in no time.

    It hears "words": half-second bursts whose amplitude k / 100 names them " w{k}". Like Whisper it listens in
    30 s windows and gives each segment the frame where its window starts (``seek``); a word that the end of the
    audio cuts short comes out as " cut". ``calls`` keeps the samples and options of every ``transcribe``.
    """

    device = torch.device("cpu")

    def __init__(self, is_multilingual: bool = True) -> None:
        self.is_multilingual = is_multilingual
        self.calls: list[dict] = []

    def transcribe(self, audio: np.ndarray, **options) -> dict:
        self.calls.append({"audio": audio, **options})
        loud = np.concatenate([[False], audio != 0, [False]])
        edges = np.flatnonzero(loud[1:] != loud[:-1])
        segments = []
        for start, end in zip(edges[::2], edges[1::2]):
            cut = end == len(audio) and end - start < WORD_S * SR
            segments.append(
                {
                    "id": len(segments),
                    "seek": start // N_SAMPLES * N_SAMPLES // HOP_LENGTH,
                    "start": start / SR,
                    "end": end / SR,
                    "text": " cut" if cut else f" w{round(audio[start] * 100)}",
                    "temperature": 0.0,
                }
            )
        language = options.get("language") or "xx"  # "detected"
        return {"text": "".join(s["text"] for s in segments), "segments": segments, "language": language}


def words_at(starts_s: list[float], total_s: float) -> np.ndarray:
    """Silence of ``total_s`` seconds with FakeWhisper's words w1, w2, ... starting at ``starts_s``."""
    audio = np.zeros(round(total_s * SR), np.float32)
    for k, start_s in enumerate(starts_s, start=1):
        audio[round(start_s * SR) : round((start_s + WORD_S) * SR)] = k / 100
    return audio


@pytest.mark.parametrize(
    "starts_s, total_s, piece_starts_s, piece_lengths_s",
    [
        # w2 reaches into piece 1's last 30 s from the window at 540 s: piece 2 starts there. The end of piece 2
        # (1140 s) cuts w4: piece 3 starts at its window, 1110 s.
        ([10.0, 569.8, 900.2, 1139.9, 1250.0], 1260, [0, 540, 1110], [600, 600, 150]),
        # nothing said in piece 1's last 30 s: piece 2 starts 30 s before piece 1 ends
        ([10.0, 700.0], 800, [0, 570], [600, 230]),
    ],
)
def test_long_audio_goes_in_pieces_and_loses_no_word(starts_s, total_s, piece_starts_s, piece_lengths_s):
    model, audio = FakeWhisper(), words_at(starts_s, total_s)
    result = cu.transcribe(model, audio, plain=True, temperature=0)
    assert [len(call["audio"]) / SR for call in model.calls] == piece_lengths_s
    for call, piece_start_s in zip(model.calls, piece_starts_s):
        begins = round(piece_start_s * SR)
        assert np.shares_memory(call["audio"], audio)  # a view: the array is not copied
        assert np.array_equal(call["audio"], audio[begins : begins + 600 * SR])
    expected = [f" w{k}" for k in range(1, len(starts_s) + 1)]
    assert [s["text"] for s in result["segments"]] == expected and result["text"] == "".join(expected)
    assert [s["start"] for s in result["segments"]] == pytest.approx(starts_s)
    assert [s["end"] for s in result["segments"]] == pytest.approx([s + WORD_S for s in starts_s])
    assert [s["id"] for s in result["segments"]] == list(range(len(starts_s)))
    assert [s["seek"] for s in result["segments"]] == [int(s // 30) * 3000 for s in starts_s]  # whole-audio frames
    assert result["language"] == "xx"


def test_pieces_detect_the_language_once_and_are_prompted_with_the_text_so_far():
    model = FakeWhisper()
    cu.transcribe(
        model, words_at([10.0, 569.8, 900.2, 1139.9, 1250.0], 1260), plain=True, temperature=0, initial_prompt="Hi."
    )
    assert [call.get("language") for call in model.calls] == [None, "xx", "xx"]
    assert [call.get("initial_prompt") for call in model.calls] == ["Hi.", " w1", " w1 w2 w3"]
    assert all(call["verbose"] is None and call["fp16"] is False for call in model.calls)

    model = FakeWhisper()
    cu.transcribe(
        model, words_at([10.0, 700.0], 800), plain=True, condition_on_previous_text=False, initial_prompt="Hi."
    )
    assert [call.get("initial_prompt") for call in model.calls] == ["Hi.", None]  # Whisper: first window only


def test_long_audio_shows_progress_in_audio_seconds_or_segments_as_whisper_would(capsys):
    audio = words_at([10.0, 700.0], 800)
    cu.transcribe(FakeWhisper(), audio, plain=True)
    out, err = capsys.readouterr()
    assert "800/800" in err and out == ""
    cu.transcribe(FakeWhisper(), audio, plain=True, verbose=True)
    out, err = capsys.readouterr()
    assert "[00:10.000 --> 00:10.500]  w1" in out and "[11:40.000 --> 11:40.500]  w2" in out and err == ""
    cu.transcribe(FakeWhisper(), audio, plain=True, verbose=None)
    assert capsys.readouterr() == ("", "")


def test_short_audio_goes_to_whisper_unchanged_with_plain(capsys):
    model, path = FakeWhisper(), cu.clip("jfk").path
    cu.transcribe(model, path, plain=True, temperature=0)
    (call,) = model.calls
    assert np.array_equal(call.pop("audio"), cu.load_audio(path)) and call == {"temperature": 0, "fp16": False}
    assert capsys.readouterr() == ("", "")  # no progress bar


def test_a_long_file_is_read_in_pieces_and_keeps_the_word_at_the_border(tiny_en, tmp_path, monkeypatch, capsys):
    """60 s of silence, JFK (his last word, "country", crosses 70 s), 5 s of silence and LibriVox, with pieces of
    70 s: the real tiny.en transcribes each sentence once, at its time in the file."""
    monkeypatch.setattr(transcribe_module, "PIECE_S", 70)
    jfk, librivox = (cu.load_audio(cu.clip(c).path) for c in ("jfk", "librivox_2"))
    silence = [np.zeros(seconds * SR, np.float32) for seconds in (60, 5, 1)]
    audio = np.concatenate([silence[0], jfk, silence[1], librivox, silence[2]])
    path = cu.save_wav(tmp_path / "long.wav", audio)
    pieces = []
    whisper_transcribe = tiny_en.transcribe

    def transcribe_piece(piece, **options):
        pieces.append(len(piece))
        return whisper_transcribe(piece, **options)

    monkeypatch.setattr(tiny_en, "transcribe", transcribe_piece)

    result = cu.transcribe(tiny_en, path, temperature=0, word_timestamps=True)
    assert len(pieces) == 2 and pieces[0] == 70 * SR and pieces[1] > 10 * SR  # piece 2 starts before 70 s
    text = re.sub(r"[^a-z ]", "", result["text"].lower())
    for phrase in ("ask not what your country can do for you", "ask what you can do for your country", "young man"):
        assert text.count(phrase) == 1, result["text"]
    segments = result["segments"]
    assert [s["id"] for s in segments] == list(range(len(segments)))
    assert 59 < segments[0]["start"] < 61.5 and "fellow americans" in segments[0]["text"].lower()
    assert 75 < next(s for s in segments if "young man" in s["text"])["start"] < 77
    words = [w for s in segments for w in s["words"]]
    assert [w["start"] for w in words] == sorted(w["start"] for w in words)
    assert all(59 < w["start"] <= w["end"] < 80 for w in words)
    country = [w for w in words if w["word"].strip(" ,.").lower() == "country"]
    assert len(country) == 2 and 69 < country[1]["start"] < 71  # the word at the border, once
    assert "80/80" in capsys.readouterr().err


def test_load_audio_piece_decodes_as_load_audio_does(tmp_path):
    path = cu.clip("jfk").path
    whole = cu.load_audio(path)
    assert np.array_equal(load_audio_piece(path, 0, 600), whole)
    assert np.array_equal(load_audio_piece(path, 2.5, 3.0), whole[int(2.5 * SR) : int(5.5 * SR)])
    assert load_audio_piece(path, 60, 10).size == 0  # past the end
    with pytest.raises(FileNotFoundError, match=r"No such audio file: .*nothing\.wav"):
        load_audio_piece(tmp_path / "nothing.wav", 10, 5)


@pytest.mark.parametrize("options", [{"language": "fr"}, {"language": "French"}, {"task": "translate"}])
def test_english_only_model_refuses_other_languages_and_translation(tiny_en, jfk_audio, options):
    with pytest.raises(ValueError, match=r"English-only \(\.en\) model.*multilingual model"):
        cu.transcribe(tiny_en, jfk_audio, **options)


def test_an_unknown_language_is_named():
    with pytest.raises(ValueError, match=r"Unknown language 'Klingon': give a code such as en"):
        cu.transcribe(FakeWhisper(), words_at([1.0], 3), language="Klingon")


@pytest.mark.parametrize("language", [None, "en", "English"])
def test_english_only_model_takes_english(language):
    model = FakeWhisper(is_multilingual=False)
    cu.transcribe(model, words_at([1.0], 3), plain=True, language=language)
    assert model.calls[0]["language"] == (language and "en")  # a name becomes Whisper's code


def test_multilingual_model_takes_any_language():
    model = FakeWhisper()
    cu.transcribe(model, words_at([1.0], 3), plain=True, language="fr", task="translate")
    assert model.calls[0]["language"] == "fr"


def test_no_samples_is_an_error(tmp_path):
    with pytest.raises(ValueError, match=r"No samples: the audio is empty"):
        cu.transcribe(FakeWhisper(), np.zeros(0, np.float32))
    (tmp_path / "empty.wav").touch()
    with pytest.raises(ValueError, match=r"empty \(0 bytes\)"):
        cu.transcribe(FakeWhisper(), tmp_path / "empty.wav")


def test_a_clip_too_short_for_a_word_warns_and_is_still_transcribed():
    model = FakeWhisper()
    with pytest.warns(UserWarning, match=r"lasts 0\.10 s, too short to hold a word \(under 0\.2 s\)"):
        result = cu.transcribe(model, words_at([0.0], 0.1), plain=True)
    assert result["text"] == " cut" and len(model.calls) == 1


def test_clip_timestamps_on_long_audio_is_an_error():
    with pytest.raises(ValueError, match=r"clip_timestamps needs the whole recording.*Cut the audio first"):
        cu.transcribe(FakeWhisper(), words_at([1.0], 700), clip_timestamps="0,10")


class FixedWhisper:
    """Stands in for a Whisper model that writes the same segments whatever it hears; keeps each call's options."""

    device = torch.device("cpu")
    is_multilingual = False

    def __init__(self, segments: list[dict]) -> None:
        self.segments, self.calls = segments, []

    def transcribe(self, audio: np.ndarray, **options) -> dict:
        self.calls.append(options)
        return {"text": "".join(s["text"] for s in self.segments), "segments": self.segments, "language": "en"}


def test_by_default_silence_is_not_transcribed_at_all():
    model = FixedWhisper([{"text": " you", "no_speech_prob": 0.9, "avg_logprob": -0.5}])
    result = cu.transcribe(model, np.zeros(30 * SR, np.float32))
    assert result == {"text": "", "segments": [], "language": "en"} and model.calls == []
    assert cu.transcribe(model, np.zeros(30 * SR, np.float32), plain=True)["text"] == " you"  # Whisper's own


def test_by_default_only_the_speech_goes_to_whisper_with_its_own_other_defaults():
    speech = cu.load_audio(cu.clip("librivox_2").path)  # 3 s of speech, then 10 s of silence
    audio = np.concatenate([speech, np.zeros(10 * SR, np.float32)])
    model = FixedWhisper([{"id": 0, "text": " He was not", "no_speech_prob": 0.7, "avg_logprob": -0.3}])
    result = cu.transcribe(model, audio)
    (call,) = model.calls
    assert "condition_on_previous_text" not in call  # Whisper's own default, True
    start, end = call["clip_timestamps"]
    assert 0 <= start < 0.5 and 2.5 < end < 3.5  # the speech, not the silence after it
    assert result["text"] == " He was not"  # a confident window of speech is kept, whatever its no_speech_prob
    cu.transcribe(model, audio, condition_on_previous_text=False)
    assert model.calls[-1]["condition_on_previous_text"] is False  # options given by name win


def test_the_real_tiny_en_writes_you_on_silence_only_with_whisper_defaults(tiny_en):
    silence = cu.load_audio(DATA_DIR / "nonspeech" / "silence_30s.flac")
    assert cu.transcribe(tiny_en, silence, plain=True, temperature=0)["text"].strip().lower() == "you"
    assert cu.transcribe(tiny_en, silence, temperature=0)["text"] == ""


def test_a_sampled_window_gives_the_same_text_whatever_was_drawn_before_and_leaves_the_random_state(tiny_en):
    from course_utils.segments import decoding_options, log_mel_window
    from course_utils.streams import sample

    audio = torch.from_numpy(cu.load_audio(cu.clip("song_daisy").path))
    window = log_mel_window(audio, tiny_en.dims.n_mels)[None]
    options = decoding_options(tiny_en, "en", 1.0)
    torch.manual_seed(1)
    expected = torch.rand(3)
    torch.manual_seed(1)
    first = sample(tiny_en, window, options)
    assert torch.equal(torch.rand(3), expected)  # the caller's random numbers go on as if nothing was drawn
    torch.manual_seed(2)
    torch.rand(5)
    assert sample(tiny_en, window, options).tokens == first.tokens
