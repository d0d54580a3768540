"""Turn CTranslate2 Whisper weights (the faster-whisper format) into an openai-whisper checkpoint.

Pip packages ship real Whisper weights only in CTranslate2's ``model.bin`` format. This module reads that
file with NumPy and renames its tensors to the names openai-whisper's ``Whisper`` model uses, so that
``whisper.load_model(path)`` can load the result. Used by :func:`course_utils.load_model` when offline
(notebooks/00_first_transcript.ipynb); docs/offline-weights.md describes the file format and the map of names.
"""

from __future__ import annotations

import struct

import numpy as np
import torch
from whisper.model import ModelDimensions

MODEL_BIN_VERSION = 6  # the only CTranslate2 binary layout this reader understands
DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}  # CTranslate2 dtype codes


class _Reader:
    """Reads little-endian values one after another from a bytes object, without copying."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = memoryview(data), 0

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def string(self) -> str:
        (length,) = self.unpack("H")  # length counts the trailing NUL
        text = bytes(self.data[self.pos : self.pos + length - 1]).decode()
        self.pos += length
        return text

    def array(self, dtype: type, shape: tuple[int, ...], nbytes: int) -> np.ndarray:
        values = np.frombuffer(self.data[self.pos : self.pos + nbytes], dtype=dtype).reshape(shape)
        self.pos += nbytes
        return values


def read_ctranslate2_model(data: bytes) -> dict[str, np.ndarray]:
    """Every variable of a CTranslate2 ``model.bin`` (given as bytes), by name; aliases resolved."""
    reader = _Reader(data)
    (version,) = reader.unpack("I")
    if version != MODEL_BIN_VERSION:
        raise ValueError(f"CTranslate2 model.bin version {version} is not supported (expected {MODEL_BIN_VERSION})")
    spec = reader.string()
    if spec != "WhisperSpec":
        raise ValueError(f"This model.bin holds a {spec}, not a Whisper model")
    reader.unpack("I")  # spec revision
    (count,) = reader.unpack("I")
    variables = {}
    for _ in range(count):
        name = reader.string()
        (rank,) = reader.unpack("B")
        shape = reader.unpack(f"{rank}I")
        dtype_code, nbytes = reader.unpack("BI")
        variables[name] = reader.array(DTYPES[dtype_code], shape, nbytes)
    (n_aliases,) = reader.unpack("I")
    for _ in range(n_aliases):
        alias, target = reader.string(), reader.string()
        variables[alias] = variables[target]
    return variables


def _count_layers(variables: dict[str, np.ndarray], stack: str) -> int:
    return sum(1 for name in variables if name.startswith(f"{stack}/layer_") and name.endswith("ffn/linear_0/weight"))


def whisper_dimensions(variables: dict[str, np.ndarray]) -> ModelDimensions:
    """The model's sizes, read off the tensors themselves (nothing is assumed per model name)."""
    audio_ctx, audio_state = variables["encoder/position_encodings/encodings"].shape
    text_ctx, text_state = variables["decoder/position_encodings/encodings"].shape
    return ModelDimensions(
        n_mels=variables["encoder/conv1/weight"].shape[1],
        n_audio_ctx=audio_ctx,
        n_audio_state=audio_state,
        n_audio_head=int(variables["encoder/num_heads"]),
        n_audio_layer=_count_layers(variables, "encoder"),
        n_vocab=variables["decoder/embeddings/weight"].shape[0],
        n_text_ctx=text_ctx,
        n_text_state=text_state,
        n_text_head=int(variables["decoder/num_heads"]),
        n_text_layer=_count_layers(variables, "decoder"),
    )


def _linear(state: dict, key: str, variables: dict, name: str) -> None:
    state[f"{key}.weight"] = variables[f"{name}/weight"]
    if f"{name}/bias" in variables:
        state[f"{key}.bias"] = variables[f"{name}/bias"]


def _layer_norm(state: dict, key: str, variables: dict, name: str) -> None:
    state[f"{key}.weight"] = variables[f"{name}/gamma"]
    state[f"{key}.bias"] = variables[f"{name}/beta"]


def _split_linear(state: dict, keys: list[str], variables: dict, name: str) -> None:
    """A CTranslate2 linear that stacks several projections (q, k, v) along dim 0, split back apart.

    openai-whisper's ``key`` projections have no bias: CTranslate2 stores zeros in their slice.
    """
    weights = np.split(variables[f"{name}/weight"], len(keys))
    biases = np.split(variables[f"{name}/bias"], len(keys))
    for key, weight, bias in zip(keys, weights, biases):
        state[f"{key}.weight"] = weight
        if not key.endswith(".key"):
            state[f"{key}.bias"] = bias


def whisper_state_dict(variables: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """openai-whisper ``state_dict`` from CTranslate2 variables (the map: docs/offline-weights.md)."""
    state: dict[str, np.ndarray] = {}
    for stack in ("encoder", "decoder"):
        for i in range(_count_layers(variables, stack)):
            ct2, block = f"{stack}/layer_{i}", f"{stack}.blocks.{i}"
            attn = f"{block}.attn"
            _split_linear(
                state, [f"{attn}.query", f"{attn}.key", f"{attn}.value"], variables, f"{ct2}/self_attention/linear_0"
            )
            _linear(state, f"{attn}.out", variables, f"{ct2}/self_attention/linear_1")
            _layer_norm(state, f"{block}.attn_ln", variables, f"{ct2}/self_attention/layer_norm")
            if stack == "decoder":
                cross = f"{block}.cross_attn"
                _linear(state, f"{cross}.query", variables, f"{ct2}/attention/linear_0")
                _split_linear(state, [f"{cross}.key", f"{cross}.value"], variables, f"{ct2}/attention/linear_1")
                _linear(state, f"{cross}.out", variables, f"{ct2}/attention/linear_2")
                _layer_norm(state, f"{block}.cross_attn_ln", variables, f"{ct2}/attention/layer_norm")
            _linear(state, f"{block}.mlp.0", variables, f"{ct2}/ffn/linear_0")
            _linear(state, f"{block}.mlp.2", variables, f"{ct2}/ffn/linear_1")
            _layer_norm(state, f"{block}.mlp_ln", variables, f"{ct2}/ffn/layer_norm")
    for conv in ("conv1", "conv2"):
        _linear(state, f"encoder.{conv}", variables, f"encoder/{conv}")
    state["encoder.positional_embedding"] = variables["encoder/position_encodings/encodings"]
    _layer_norm(state, "encoder.ln_post", variables, "encoder/layer_norm")
    state["decoder.token_embedding.weight"] = variables["decoder/embeddings/weight"]
    state["decoder.positional_embedding"] = variables["decoder/position_encodings/encodings"]
    _layer_norm(state, "decoder.ln", variables, "decoder/layer_norm")
    return {key: torch.from_numpy(value.copy()) for key, value in state.items()}


def whisper_checkpoint(model_bin: bytes) -> dict:
    """The ``{"dims", "model_state_dict"}`` dictionary that ``whisper.load_model(path)`` reads."""
    variables = read_ctranslate2_model(model_bin)
    return {"dims": whisper_dimensions(variables).__dict__, "model_state_dict": whisper_state_dict(variables)}
