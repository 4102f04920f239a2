#!/usr/bin/env python3
"""Compares PISim's `bumblebee`, `spu-cheetah` and `spu-semi2k` profiles with SecretFlow SPU
0.9.5's CHEETAH and SEMI2K as measured in spu_costs.json (made by measure_spu_costs.py).
The SPU profiles' "gelu" is jax.nn.gelu's default tanh form, so for them gelu_tanh is
compared with `gelu` and gelu_erf is left out.

For every fixture op that PISim has, `pisim op OP --shape S --protocol P --format json` gives
`comm_bytes` (the bytes both parties send), set beside SPU's party0 + party1 sent bytes (the
same convention: payload bytes handed to the link, both directions summed). Prints Markdown
rows: protocol, profile, op, PISim bytes, SPU bytes, PISim / SPU.

Usage: python3 compare_spu_costs.py [path/to/pisim]   (default: the package's release build)
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PISIM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../.build/release/pisim")
PROFILES = {"CHEETAH": ["bumblebee", "spu-cheetah"], "SEMI2K": ["spu-semi2k"]}
# fixture op name -> PISim op ("matmul" takes TxDxD'; "matmul4" BxTxDxD', private x private)
OPS = {"relu": "relu", "exp": "exp", "reciprocal": "reciprocal", "rsqrt": "inv-sqrt", "tanh": "tanh", "softmax": "softmax",
       "gelu_tanh": "gelu-tanh", "gelu_erf": "gelu", "layernorm": "layernorm", "matmul_x_privW": "matmul",
       "attn_QKt": "matmul4", "attn_AV": "matmul4"}


def pisim_shape(op, shapes):
    if op == "matmul":
        (t, d), (_, d_out) = shapes
        return f"{t}x{d}x{d_out}"
    if op == "matmul4":
        (b, t, d), (_, _, d_out) = shapes
        return f"{b}x{t}x{d}x{d_out}"
    return "x".join(map(str, shapes[0]))


def main():
    with open(os.path.join(HERE, "spu_costs.json")) as f:
        fixture = json.load(f)
    print("| SPU protocol | PISim profile | op | PISim bytes | SPU bytes | PISim / SPU |")
    print("|---|---|---|---:|---:|---:|")
    for o in fixture["ops"]:
        if o["name"] not in OPS or "enable_optimize" in o["label"]:
            continue
        for profile in PROFILES[o["protocol"]]:
            op = OPS[o["name"]]
            if profile.startswith("spu-") and o["name"].startswith("gelu"):
                if o["name"] == "gelu_erf":
                    continue
                op = "gelu"
            shape = pisim_shape(op, [i["shape"] for i in o["inputs"]])
            out = subprocess.run([PISIM, "op", "matmul" if op == "matmul4" else op, "--shape", shape, "--protocol", profile,
                                  "--format", "json"], capture_output=True, text=True, timeout=600)
            ours = json.loads(out.stdout)["comm_bytes"]
            spu = o["parties"]["party0"]["bytes_sent"] + o["parties"]["party1"]["bytes_sent"]
            print(f"| {o['protocol']} | `{profile}` | {o['label']} | {ours:,} | {spu:,} | {ours / spu:.2f} |", flush=True)


if __name__ == "__main__":
    main()
