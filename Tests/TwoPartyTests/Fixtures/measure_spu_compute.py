#!/usr/bin/env python3
"""Wall time of SecretFlow SPU 0.9.5 ops, two real parties on this machine: the figures
behind the `compute:` sections of protocols/spu-semi2k.yaml (SEMI2K) and
protocols/bumblebee.yaml (CHEETAH, SPU's BumbleBee code), and the check of PISim's
predicted latency on a zero-delay network.

Usage (the venv of measure_spu_costs.py):
    /work/venvs/spu/bin/python measure_spu_compute.py --protocol SEMI2K > spu_semi2k_compute.json
    /work/venvs/spu/bin/python measure_spu_compute.py --protocol CHEETAH > spu_cheetah_compute.json

The harness is measure_spu_costs.py's (imported from this directory): two party
processes over brpc on 127.0.0.1, a fresh Runtime per op, 1 warm-up then `--repeats`
timed runs, RuntimeConfig.max_concurrency = 1 (one thread per party), SPU's default
configuration otherwise. The output has the shape of crypten_compute.json (what
`pisim calibrate` reads): per entry a role ("calibrate": a primitive the profile's
compute coefficients are fitted to; "check": a prediction), PISim's name for the op,
the input shapes, each party's *sent* bytes and send actions (SPU's link counters), and
the median wall time (per repeat the larger of the two parties' times).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure_spu_costs as M  # noqa: E402

In = M.In


def build_ops(protocol):
    import jax
    import jax.numpy as jnp

    ops = []

    def add(role, name, fn, inputs, warm=None):
        ops.append({"role": role, "name": name, "fn": fn, "inputs": inputs, "kind": name, "note": None,
                    "copts": {}, "warm": warm, "cap": {}, "protocols": None})

    sizes = [1024, 16384, 65536, 262144] if protocol == "SEMI2K" else [1024, 16384, 65536]
    for n in sizes:
        add("calibrate", "mul", lambda x, y: x * y, [In((n,), -4, 4), In((n,), -4, 4)])
        add("calibrate", "mul8", lambda x, y: x * y * y * y * y * y * y * y * y, [In((n,), -1, 1), In((n,), -1, 1)])
        add("calibrate", "ltz", lambda x: x < 0.0, [In((n,), -4, 4)])
        add("calibrate", "add", lambda x, y: x + y, [In((n,), -4, 4), In((n,), -4, 4)])
        add("calibrate", "add8", lambda x, y: x + y + y + y + y + y + y + y + y, [In((n,), -4, 4), In((n,), -4, 4)])
        add("calibrate", "scale", lambda x: x * 0.37, [In((n,), -4, 4)])
    for m, k, n in [(32, 768, 768), (128, 768, 768), (128, 768, 3072), (64, 3072, 768)]:
        add("calibrate", "linear", lambda x, w: x @ w, [In((m, k), -2, 2), In((k, n), -0.1, 0.1, "P1")],
            warm=[(8, k), (k, n)])
    checks = [1024, 65536] if protocol == "SEMI2K" else [1024, 16384]
    for n in checks:
        add("check", "relu", lambda x: jnp.maximum(x, 0.0), [In((n,), -4, 4)])
        add("check", "exp", lambda x: jnp.exp(x), [In((n,), -8, 0)])
        add("check", "reciprocal", lambda x: 1.0 / x, [In((n,), 1, 64)])
        add("check", "inv-sqrt", lambda x: jax.lax.rsqrt(x), [In((n,), 0.5, 64)])
        add("check", "tanh", lambda x: jnp.tanh(x), [In((n,), -4, 4)])
        add("check", "gelu-tanh", lambda x: jax.nn.gelu(x, approximate=True), [In((n,), -4, 4)])
    add("check", "softmax", lambda x: jax.nn.softmax(x, axis=-1), [In((128, 128), -8, 8)])
    add("check", "layernorm", M._layernorm_fn(768), [In((128, 768), -4, 4)])
    for m, k, n in [(128, 3072, 768), (128, 768, 2304)]:
        add("check", "linear", lambda x, w: x @ w, [In((m, k), -2, 2), In((k, n), -0.1, 0.1, "P1")],
            warm=[(8, k), (k, n)])
    add("check", "matmul", lambda q, kt: jnp.matmul(q, kt), [In((12, 128, 64), -2, 2), In((12, 64, 128), -2, 2)],
        warm=[(1, 128, 64), (1, 64, 128)])
    return ops


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--protocol", choices=["SEMI2K", "CHEETAH"], required=True)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--port-base", type=int, default=61600)
    args = ap.parse_args()
    sys.stdout.flush()
    json_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    import spu

    harness = argparse.Namespace(repeats=args.repeats, fixed_repeats=True, full_repeats=True,
                                 port_base=args.port_base, restart_rss_mb=3000)
    ops = build_ops(args.protocol)
    load_before = os.getloadavg()
    results, config, rss = M.run_protocol(args.protocol, ops, harness, tempfile.mkdtemp(prefix="spu_compute_"))
    entries = []
    for op, r in zip(ops, results):
        if "error" in r:
            raise SystemExit(f"{r['label']} failed: {r['error']}")
        p0, p1 = r["parties"]["party0"], r["parties"]["party1"]
        walls = r["wall_s_samples"]
        entries.append({"role": op["role"], "op": op["name"], "shapes": [list(i.shape) for i in op["inputs"]],
                        "bytes_party0": p0["send_bytes"], "bytes_party1": p1["send_bytes"],
                        "rounds_party0": p0["send_actions"],
                        "wall_s": r["wall_s"], "wall_s_min": min(walls), "wall_s_max": max(walls),
                        "wall_s_samples": walls, "numerics": r.get("numerics")})
    doc = {
        "spu_version": spu.__version__,
        "protocol": args.protocol,
        "field": M.FIELD,
        "machine": dict(M.machine_info(), loadavg_before=list(load_before), loadavg_after=list(os.getloadavg())),
        "threads_per_party": M.MAX_CONCURRENCY,
        "parties": "2 processes, brpc over 127.0.0.1, fresh Runtime per op, 1 warm-up run (measure_spu_costs.py harness)",
        "conventions": {
            "bytes_party0/1": "bytes each party SENT (SPU link counters, payload only, sub-links included)",
            "rounds_party0": "party 0's send actions (messages), not rounds",
            "wall_s": "per repeat the larger of the two parties' time.perf_counter() around Runtime.run "
                      "after a link barrier; median of the repeats",
        },
        "runtime_config": config,
        "peak_rss_mb_both_parties": rss,
        "entries": entries,
    }
    json.dump(doc, json_out, indent=1)
    json_out.write("\n")
    json_out.flush()


if __name__ == "__main__":
    main()
