"""Tiny random Hugging Face models and their outputs, for PISim's model-family tests.

Writes, for BERT, LLaMA (grouped-query: 4 query heads over 2 key/value heads) and GPT-NeoX
(parallel residual, partial rotary), a directory with the `config.json` and
`model.safetensors` that `save_pretrained` writes (float32 weights from a fixed torch seed;
no download), and `expected.json` with the token ids and the package's own forward pass in
float64 on those weights: BERT's pooler output and last hidden state, the decoders' logits.

Run with a python that has torch, transformers and safetensors:
    python3 Tests/ScenarioTests/Fixtures/hf-tiny/make_fixture.py
"""
import json
import os

import torch
import transformers
from transformers import BertConfig, BertModel, GPTNeoXConfig, GPTNeoXForCausalLM, LlamaConfig, LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
IDS = [3, 17, 5, 29, 11, 2]


def save(name, model):
    out = os.path.join(HERE, name)
    os.makedirs(out, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    return out


def main():
    torch.manual_seed(2026)
    # initializer_range 0.3 (not 0.02): peaked attention rows, so that positions and heads matter.
    common = dict(vocab_size=32, hidden_size=16, num_hidden_layers=2, num_attention_heads=4, intermediate_size=40,
                  initializer_range=0.3)
    models = {
        "bert": BertModel(BertConfig(max_position_embeddings=16, type_vocab_size=2, hidden_act="gelu", **common)),
        "llama": LlamaForCausalLM(LlamaConfig(num_key_value_heads=2, max_position_embeddings=16, rms_norm_eps=1e-6,
                                              tie_word_embeddings=False, **common)),
        "neox": GPTNeoXForCausalLM(GPTNeoXConfig(max_position_embeddings=16, rotary_pct=0.5, use_parallel_residual=True,
                                                  hidden_act="gelu", tie_word_embeddings=False, **common)),
    }
    ids = torch.tensor([IDS])
    for name, model in models.items():
        # Random (not zero) norm gains and biases, so that a wrong name or placement shows.
        with torch.no_grad():
            for p_name, p in model.named_parameters():
                if p.dim() == 1:
                    p.copy_(torch.randn_like(p) * 0.1 + (1.0 if "weight" in p_name else 0.0))
        model.eval()
        save(name, model)
        reference = model.double()
        with torch.no_grad():
            out = reference(input_ids=ids, **({"token_type_ids": torch.zeros_like(ids)} if name == "bert" else {}))
        expected = {"ids": IDS, "transformers": transformers.__version__, "torch": torch.__version__}
        if name == "bert":
            expected["pooler_output"] = out.pooler_output[0].tolist()
            expected["last_hidden_state"] = out.last_hidden_state[0].tolist()
        else:
            expected["logits"] = out.logits[0].tolist()
        with open(os.path.join(HERE, name, "expected.json"), "w") as f:
            json.dump(expected, f, indent=1)
        print(name, "written")


if __name__ == "__main__":
    main()
