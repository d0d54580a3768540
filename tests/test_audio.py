"""Audio loading, resampling and saving; clear errors for bad input."""

import os
import shutil

import numpy as np
import pytest

import course_utils as cu
from course_utils import audio


def test_bundled_clip_decodes_to_16k_mono_float(jfk_audio):
    assert jfk_audio.dtype == np.float32 and jfk_audio.ndim == 1
    assert abs(cu.duration(jfk_audio) - cu.clip("jfk").duration) < 0.05
    assert 0.1 < np.abs(jfk_audio).max() <= 1.0


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No such audio file: .*nothing\.wav.*Check the path"):
        cu.load_audio(tmp_path / "nothing.wav")


def test_folder_is_not_audio(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        cu.load_audio(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").touch()
    with pytest.raises(ValueError, match=r"empty \(0 bytes\)"):
        cu.load_audio(tmp_path / "empty.wav")


def test_text_file_is_not_audio(tmp_path):
    (tmp_path / "notes.mp3").write_text("these are not the samples you are looking for\n" * 50)
    with pytest.raises(ValueError, match=r"not audio that ffmpeg can decode.*Use a WAV"):
        cu.load_audio(tmp_path / "notes.mp3")


def test_arrays_pass_through_as_float32_mono():
    stereo = np.stack([np.full(100, 0.5), np.full(100, -0.5)], axis=1)
    assert np.allclose(cu.load_audio(stereo), 0.0)
    assert cu.load_audio(np.array([16384, -32768], dtype=np.int16)).tolist() == [0.5, -1.0]
    with pytest.raises(ValueError, match="NaN"):
        cu.load_audio(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="1-D"):
        cu.load_audio(np.zeros((2, 2, 2)))


def test_resample_gives_the_right_number_of_samples():
    one_second = np.sin(2 * np.pi * 440 * np.arange(44_100) / 44_100).astype(np.float32)
    resampled = cu.resample(one_second, 44_100)
    assert resampled.dtype == np.float32 and abs(len(resampled) - 16_000) <= 1


def test_save_wav_round_trip(tmp_path, jfk_audio):
    path = cu.save_wav(tmp_path / "jfk.wav", jfk_audio)
    again = cu.load_audio(path)
    assert len(again) == len(jfk_audio) and np.abs(again - jfk_audio).max() < 1e-3


def test_bundled_ffmpeg_when_the_system_has_none(tmp_path, monkeypatch):
    monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    exe = audio.ffmpeg_exe()
    assert "imageio_ffmpeg" in exe
    decoded = cu.load_audio(cu.clip("jfk").path)
    assert abs(cu.duration(decoded) - cu.clip("jfk").duration) < 0.05


def test_ffmpeg_is_put_on_path_for_whisper(tmp_path, monkeypatch):
    monkeypatch.setattr(audio.Path, "home", lambda: tmp_path)
    monkeypatch.setenv("PATH", "/nonexistent")
    audio.ensure_ffmpeg_on_path()
    found = shutil.which("ffmpeg")
    assert found and found.startswith(str(tmp_path)) and os.access(found, os.X_OK)
