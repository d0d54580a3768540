"""course_utils.decoding: language charts, token names, segment tables."""

import matplotlib
import pytest
import torch
import whisper
from whisper.tokenizer import get_tokenizer

import course_utils as cu
from course_utils.decoding import language_name, plot_language_probs, print_segments, token_names, top_languages

matplotlib.use("Agg")
PROBS = {"en": 0.05, "es": 0.8, "it": 0.1, "fr": 0.04, "ru": 0.01}


@pytest.fixture(scope="module")
def tiny_en() -> whisper.Whisper:
    return cu.load_model("tiny.en", device="cpu")


def test_top_languages_best_first() -> None:
    assert top_languages(PROBS, k=2) == [("es", 0.8), ("it", 0.1)]
    assert len(top_languages(PROBS, k=10)) == 5
    with pytest.raises(ValueError, match="detect_language"):
        top_languages({})


def test_language_name() -> None:
    assert language_name("es") == "Spanish (es)"
    assert language_name("xx") == "Xx (xx)"


def test_plot_language_probs_is_labelled() -> None:
    ax = plot_language_probs(PROBS, k=3, title="A clip")
    assert ax.get_title() == "A clip" and ax.get_xlabel() == "probability"
    assert [label.get_text() for label in ax.get_yticklabels()] == ["English (en)", "Italian (it)", "Spanish (es)"]
    assert ax.get_xlim()[1] > 1  # room for the "100%" label
    matplotlib.pyplot.close("all")


def test_token_names_spell_out_special_tokens() -> None:
    tokenizer = get_tokenizer(True, num_languages=99, language="es", task="translate")
    sequence = [*tokenizer.sot_sequence_including_notimestamps, tokenizer.timestamp_begin + 54, tokenizer.eot]
    assert token_names(tokenizer, sequence) == [
        "<|startoftranscript|>",
        "<|es|>",
        "<|translate|>",
        "<|notimestamps|>",
        "<|1.08|>",
        "<|endoftext|>",
    ]
    english_only = get_tokenizer(False)
    assert token_names(english_only, english_only.sot_sequence) == ["<|startoftranscript|>"]


def test_english_only_model_cannot_detect_language(tiny_en: whisper.Whisper) -> None:
    assert not tiny_en.is_multilingual
    mel = torch.zeros(tiny_en.dims.n_mels, 3000)
    with pytest.raises(ValueError, match="doesn't have language tokens"):
        whisper.detect_language(tiny_en, mel)


def test_decode_jfk_and_its_tokens(tiny_en: whisper.Whisper) -> None:
    audio = cu.load_audio(cu.clip("jfk").path)
    mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), tiny_en.dims.n_mels)
    result = whisper.decode(tiny_en, mel, whisper.DecodingOptions(language="en", fp16=False))
    assert "ask not what your country can do for you" in result.text.lower().replace(",", "")
    names = token_names(get_tokenizer(False), result.tokens)
    assert names[0] == "<|0.00|>" and names[-1].startswith("<|") and names[-1].endswith("|>")  # timestamps around
    assert result.temperature == 0 and result.avg_logprob > -1 and result.compression_ratio < 2.4


def test_print_segments_window_by_window(capsys: pytest.CaptureFixture) -> None:
    window = {"seek": 0, "temperature": 0.2, "avg_logprob": -0.31, "no_speech_prob": 0.02, "compression_ratio": 1.4}
    segments = [
        {**window, "start": 0.0, "end": 2.5, "text": " Hello there."},
        {**window, "start": 2.5, "end": 9.0, "text": " General " + "Kenobi " * 20},
        {**window, "seek": 2800, "avg_logprob": -0.5, "start": 28.0, "end": 30.0, "text": " Bye."},
    ]
    print_segments(segments, width=40)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "window from 0.00 s: temperature 0.2, avg_logprob -0.31, no_speech_prob 0.02, compression ratio 1.40"
    )
    assert lines[1].split() == ["0.00", "2.50", "Hello", "there."]
    assert lines[2].split()[:3] == ["2.50", "9.00", "General"]
    kenobi = [line for line in lines if "Kenobi" in line]
    assert len(kenobi) > 1 and all(len(line[17:]) <= 40 for line in kenobi)  # wrapped between words, aligned
    assert sum("Kenobi" == word for line in kenobi for word in line.split()) == 20
    assert lines[-2].startswith("window from 28.00 s:") and "avg_logprob -0.50" in lines[-2]
    assert lines[-1].split() == ["28.00", "30.00", "Bye."]
    assert sum(line.startswith("window") for line in lines) == 2  # the statistics once per window
    with pytest.raises(ValueError, match="result\\['segments'\\]"):
        print_segments([{"start": 0.0, "text": "no statistics"}])
