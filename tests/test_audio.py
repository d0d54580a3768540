"""Audio loading, resampling and saving; clear errors for bad input."""

import os
import shutil
import subprocess
import sys

import imageio_ffmpeg
import numpy as np
import pytest

import course_utils as cu
from course_utils import audio
from course_utils.doctor import ffmpeg_origin


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
    monkeypatch.setenv("WHISPER_LAB_CACHE", str(tmp_path))
    monkeypatch.setenv("PATH", "/nonexistent")
    audio.ensure_ffmpeg_on_path()
    found = shutil.which("ffmpeg")
    assert found and found.startswith(str(tmp_path)) and os.access(found, os.X_OK)


@pytest.mark.parametrize("left_behind", ["deleted environment", "other binary"])
def test_a_stale_ffmpeg_link_is_replaced_on_import(tmp_path, monkeypatch, left_behind):
    """A link into a deleted .venv or an old imageio-ffmpeg must not break `import course_utils`: it is replaced."""
    monkeypatch.setenv("WHISPER_LAB_CACHE", str(tmp_path / "cache"))
    link = audio.ffmpeg_link_folder() / "ffmpeg"  # the same folder as the subprocess's: same Python, same cache
    link.parent.mkdir(parents=True)
    target = tmp_path / "old-venv" / "ffmpeg"
    if left_behind == "other binary":
        target.parent.mkdir()
        target.write_text("#!/bin/sh\nexit 1\n")
        target.chmod(0o755)
    link.symlink_to(target)
    show_ffmpeg = "import shutil, course_utils; print(shutil.which('ffmpeg'))"
    env = {**os.environ, "PATH": str(link.parent)}  # no system ffmpeg, whatever this machine has
    done = subprocess.run([sys.executable, "-c", show_ffmpeg], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(link)
    assert os.path.samefile(link, imageio_ffmpeg.get_ffmpeg_exe())


def test_an_unwritable_cache_only_warns(tmp_path, monkeypatch):
    (tmp_path / "a-file").touch()
    monkeypatch.setenv("WHISPER_LAB_CACHE", str(tmp_path / "a-file" / "cache"))  # not a folder, even for root
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.warns(UserWarning, match="Could not link ffmpeg.*WHISPER_LAB_CACHE"):
        assert audio.ensure_ffmpeg_on_path() == imageio_ffmpeg.get_ffmpeg_exe()


def test_doctor_says_which_ffmpeg(tmp_path, monkeypatch):
    monkeypatch.setenv("WHISPER_LAB_CACHE", str(tmp_path))
    monkeypatch.setenv("PATH", "/nonexistent")
    audio.ensure_ffmpeg_on_path()
    assert ffmpeg_origin(shutil.which("ffmpeg")) == "imageio-ffmpeg, from pip"  # the course's link to it
    assert ffmpeg_origin(imageio_ffmpeg.get_ffmpeg_exe()) == "imageio-ffmpeg, from pip"
    system = tmp_path / "usr" / "bin" / "ffmpeg"
    system.parent.mkdir(parents=True)
    system.touch()
    assert ffmpeg_origin(str(system)) == "system"
