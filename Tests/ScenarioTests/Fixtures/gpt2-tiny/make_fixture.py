#!/usr/bin/env python3
"""Generate the tiny GPT-2 fixture (weights + float64 reference forward pass).

Outputs (next to this script):
  model.safetensors  - HF GPT2LMHeadModel state-dict names (no "transformer." prefix), float32
  npy/<name>.npy     - the same tensors, one .npy per tensor
  expected.json      - ids, config, logits, hidden_after_block, attention_probabilities
Random draws happen in the order tensors are listed below (rng = default_rng(11)).
"""
import json
import math
import os

import numpy as np
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
N_LAYER, N_HEAD, N_EMBD, N_INNER, VOCAB, N_POS = 2, 2, 8, 32, 16, 8
HEAD_DIM = N_EMBD // N_HEAD
EPS = 1e-5
IDS = [3, 1, 4, 1, 5, 9]

rng = np.random.default_rng(11)


def weight(*shape):
    return rng.normal(0.0, 0.3, size=shape)


def bias(*shape):
    return rng.normal(0.0, 0.1, size=shape)


def ln_weight(n):
    return 1.0 + rng.normal(0.0, 0.1, size=(n,))


def ln_bias(n):
    return rng.normal(0.0, 0.1, size=(n,))


tensors = {}
tensors["wte.weight"] = rng.normal(0.0, 0.5, size=(VOCAB, N_EMBD))
tensors["wpe.weight"] = rng.normal(0.0, 0.1, size=(N_POS, N_EMBD))
for i in range(N_LAYER):
    p = f"h.{i}."
    tensors[p + "ln_1.weight"] = ln_weight(N_EMBD)
    tensors[p + "ln_1.bias"] = ln_bias(N_EMBD)
    tensors[p + "attn.c_attn.weight"] = weight(N_EMBD, 3 * N_EMBD)
    tensors[p + "attn.c_attn.bias"] = bias(3 * N_EMBD)
    tensors[p + "attn.c_proj.weight"] = weight(N_EMBD, N_EMBD)
    tensors[p + "attn.c_proj.bias"] = bias(N_EMBD)
    tensors[p + "ln_2.weight"] = ln_weight(N_EMBD)
    tensors[p + "ln_2.bias"] = ln_bias(N_EMBD)
    tensors[p + "mlp.c_fc.weight"] = weight(N_EMBD, N_INNER)
    tensors[p + "mlp.c_fc.bias"] = bias(N_INNER)
    tensors[p + "mlp.c_proj.weight"] = weight(N_INNER, N_EMBD)
    tensors[p + "mlp.c_proj.bias"] = bias(N_EMBD)
tensors["ln_f.weight"] = ln_weight(N_EMBD)
tensors["ln_f.bias"] = ln_bias(N_EMBD)

# Stored weights are float32; the reference uses exactly those values widened to float64.
f32 = {k: np.ascontiguousarray(v.astype(np.float32)) for k, v in tensors.items()}
save_file(f32, os.path.join(HERE, "model.safetensors"))
npy_dir = os.path.join(HERE, "npy")
os.makedirs(npy_dir, exist_ok=True)
for k, v in f32.items():
    np.save(os.path.join(npy_dir, k + ".npy"), v)

W = {k: v.astype(np.float64) for k, v in f32.items()}


def layer_norm(x, w, b):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * w + b


_erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu(u):
    return 0.5 * u * (1.0 + _erf(u / math.sqrt(2.0)))


T = len(IDS)
h = W["wte.weight"][IDS] + W["wpe.weight"][0:T]
mask = np.triu(np.ones((T, T), dtype=bool), k=1)  # True where j > i (excluded)
hidden_after_block, attn_probs = [], []
for i in range(N_LAYER):
    p = f"h.{i}."
    a = layer_norm(h, W[p + "ln_1.weight"], W[p + "ln_1.bias"])
    qkv = a @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]
    q, k, v = qkv[:, 0:N_EMBD], qkv[:, N_EMBD:2 * N_EMBD], qkv[:, 2 * N_EMBD:3 * N_EMBD]
    ctx_heads, layer_probs = [], []
    for hd in range(N_HEAD):
        s = slice(hd * HEAD_DIM, (hd + 1) * HEAD_DIM)
        scores = q[:, s] @ k[:, s].T / math.sqrt(HEAD_DIM)
        scores = np.where(mask, -np.inf, scores)
        scores = scores - scores.max(axis=-1, keepdims=True)
        e = np.exp(scores)  # exp(-inf) == 0 for masked positions
        P = e / e.sum(axis=-1, keepdims=True)
        layer_probs.append(P)
        ctx_heads.append(P @ v[:, s])
    ctx = np.concatenate(ctx_heads, axis=-1)
    h = h + (ctx @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"])
    m = layer_norm(h, W[p + "ln_2.weight"], W[p + "ln_2.bias"])
    u = m @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"]
    g = gelu(u)
    h = h + (g @ W[p + "mlp.c_proj.weight"] + W[p + "mlp.c_proj.bias"])
    hidden_after_block.append(h.copy())
    attn_probs.append(np.stack(layer_probs))

f = layer_norm(h, W["ln_f.weight"], W["ln_f.bias"])
logits = f @ W["wte.weight"].T


def tolist(x):
    # float() of float64 -> json writes repr(), which round-trips exactly.
    return [tolist(r) for r in x] if np.ndim(x) > 0 else float(x)


expected = {
    "ids": IDS,
    "config": {"n_layer": N_LAYER, "n_head": N_HEAD, "n_embd": N_EMBD,
               "n_inner": N_INNER, "vocab": VOCAB, "n_positions": N_POS},
    "logits": tolist(logits),
    "hidden_after_block": [tolist(x) for x in hidden_after_block],
    "attention_probabilities": [tolist(x) for x in attn_probs],
}
with open(os.path.join(HERE, "expected.json"), "w") as fh:
    json.dump(expected, fh, indent=1)
    fh.write("\n")

print("max |logit| =", float(np.abs(logits).max()))
