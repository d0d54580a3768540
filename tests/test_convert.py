"""The converted checkpoints hold exactly the tensors of the CTranslate2 files they come from."""

import numpy as np
import pytest
import torch
import whisper

from course_utils.convert import read_ctranslate2_model, whisper_dimensions, whisper_state_dict
from course_utils.models import OFFLINE_SOURCES, alignment_heads, read_offline_weights


def ct2_variables_from_state(state: dict[str, torch.Tensor], n_layers: dict[str, int]) -> dict[str, np.ndarray]:
    """Rebuild CTranslate2's stacked variables from an openai-whisper state_dict (the converter run backwards)."""
    s = {k: v.numpy() for k, v in state.items()}
    zeros = np.zeros_like
    out = {}

    def linear(ct2, key, bias=True):
        out[f"{ct2}/weight"] = s[f"{key}.weight"]
        if bias:
            out[f"{ct2}/bias"] = s[f"{key}.bias"]

    def norm(ct2, key):
        out[f"{ct2}/gamma"], out[f"{ct2}/beta"] = s[f"{key}.weight"], s[f"{key}.bias"]

    for stack in ("encoder", "decoder"):
        for i in range(n_layers[stack]):
            c, b = f"{stack}/layer_{i}", f"{stack}.blocks.{i}"
            q, k, v = (f"{b}.attn.{n}" for n in ("query", "key", "value"))
            out[f"{c}/self_attention/linear_0/weight"] = np.concatenate(
                [s[f"{q}.weight"], s[f"{k}.weight"], s[f"{v}.weight"]]
            )
            out[f"{c}/self_attention/linear_0/bias"] = np.concatenate(
                [s[f"{q}.bias"], zeros(s[f"{q}.bias"]), s[f"{v}.bias"]]
            )
            linear(f"{c}/self_attention/linear_1", f"{b}.attn.out")
            norm(f"{c}/self_attention/layer_norm", f"{b}.attn_ln")
            if stack == "decoder":
                x = f"{b}.cross_attn"
                linear(f"{c}/attention/linear_0", f"{x}.query")
                out[f"{c}/attention/linear_1/weight"] = np.concatenate([s[f"{x}.key.weight"], s[f"{x}.value.weight"]])
                out[f"{c}/attention/linear_1/bias"] = np.concatenate(
                    [zeros(s[f"{x}.value.bias"]), s[f"{x}.value.bias"]]
                )
                linear(f"{c}/attention/linear_2", f"{x}.out")
                norm(f"{c}/attention/layer_norm", f"{b}.cross_attn_ln")
            linear(f"{c}/ffn/linear_0", f"{b}.mlp.0")
            linear(f"{c}/ffn/linear_1", f"{b}.mlp.2")
            norm(f"{c}/ffn/layer_norm", f"{b}.mlp_ln")
    for conv in ("conv1", "conv2"):
        linear(f"encoder/{conv}", f"encoder.{conv}")
    out["encoder/position_encodings/encodings"] = s["encoder.positional_embedding"]
    norm("encoder/layer_norm", "encoder.ln_post")
    out["decoder/embeddings/weight"] = out["decoder/projection/weight"] = s["decoder.token_embedding.weight"]
    out["decoder/position_encodings/encodings"] = s["decoder.positional_embedding"]
    norm("decoder/layer_norm", "decoder.ln")
    return out


@pytest.mark.parametrize("name", list(OFFLINE_SOURCES))
def test_converter_agrees_with_ctranslate2_tensor_by_tensor(name):
    variables = read_ctranslate2_model(read_offline_weights(name))
    dims = whisper_dimensions(variables)
    state = whisper_state_dict(variables)

    model = whisper.model.Whisper(dims)
    assert set(state) == set(model.state_dict()) - {"alignment_heads"}  # every parameter, nothing else
    for key, tensor in model.state_dict().items():
        if key in state:
            assert state[key].shape == tensor.shape, key

    rebuilt = ct2_variables_from_state(state, {"encoder": dims.n_audio_layer, "decoder": dims.n_text_layer})
    tensors = {k: v for k, v in variables.items() if v.ndim > 0}  # rank-0 variables are settings (num_heads...)
    assert set(rebuilt) == set(tensors)
    for key, value in tensors.items():
        assert np.array_equal(rebuilt[key], value), key


@pytest.mark.parametrize("name", list(OFFLINE_SOURCES))
def test_alignment_heads_are_whispers_own(name):
    official = whisper.model.Whisper(whisper_dimensions(read_ctranslate2_model(read_offline_weights(name))))
    official.set_alignment_heads(whisper._ALIGNMENT_HEADS[name])
    expected = official.alignment_heads.to_dense().nonzero().tolist()
    assert sorted(alignment_heads(name)) == sorted(expected)


def test_dimensions_of_tiny_en():
    dims = whisper_dimensions(read_ctranslate2_model(read_offline_weights("tiny.en")))
    assert (dims.n_mels, dims.n_vocab, dims.n_audio_layer, dims.n_text_head) == (80, 51864, 4, 6)


def test_not_a_model_bin():
    with pytest.raises(ValueError, match="version"):
        read_ctranslate2_model(b"\x02\x00\x00\x00" + b"\x00" * 16)
