#!/usr/bin/env python3
"""Wall time of CrypTen 0.4.1 ops, two real parties on this machine: the figures
behind the `compute:` section of protocols/crypten.yaml and the check of PISim's
predicted latency on a zero-delay network.

Usage (venv made as in the README: python3.11, torch 2.5.1, crypten 0.4.1 --no-deps):
    venv/bin/python measure_crypten_compute.py > crypten_compute.json
    venv/bin/python measure_crypten_compute.py --quick > part.json     # two sizes only

Only the JSON document goes to stdout; progress goes to stderr.

Method: crypten.mpc.run_multiprocess(world_size=2): two processes, torch.distributed
gloo over 127.0.0.1, trusted-first-party provider (default config), one torch thread
per party (OMP/MKL_NUM_THREADS=1, torch.set_num_threads(1)), so the two parties use the
machine's two cores. Inputs are encrypted before timing (PRZS, no traffic). Each repeat:
a barrier, then time.perf_counter() around the op in each party; the repeat's wall time
is the larger of the two parties' durations. After one untimed warm-up of every op, the
ops are timed round-robin, one repeat each per pass, 11 passes (a slow spell of the shared
machine lands on every op alike); the median is reported with every sample. Bytes and rounds per party come from CrypTen's own communicator counters
(communicator.verbose), as in measure_crypten_costs.py.

Every entry has a role: "calibrate" entries are the primitives whose times the profile's
compute coefficients are derived from (derive_compute.py); "check" entries are composite
ops and other shapes that PISim predicts from those coefficients, never fitted to.
"""

import json
import os
import platform
import statistics
import sys
import tempfile
import time

os.environ["OMP_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import torch  # noqa: E402

import crypten  # noqa: E402
import crypten.communicator as comm  # noqa: E402
from crypten.config import cfg  # noqa: E402

QUICK = "--quick" in sys.argv
PASSES = 3 if QUICK else 11


def layernorm(x):
    """LayerNorm over the last axis as PISim's crypten profile composes it: mean,
    centred square, variance, CrypTen's inv_sqrt (3 NR iterations), product."""
    n = x.size(-1)
    mean = x.sum(dim=-1, keepdim=True) * (1.0 / n)
    c = x - mean
    var = c.square().sum(dim=-1, keepdim=True) * (1.0 / n)
    return c * (var + 1e-5).inv_sqrt()


def mul8(x, y):
    """Eight products in a row: a protocol step at steady state (parties out of step)."""
    for _ in range(8):
        x = x * y
    return x


def square8(x):
    for _ in range(8):
        x = x.square()
    return x


def ops():
    """(role, name, fn, input shapes, input range)."""
    sizes = [1024, 65536] if QUICK else [1, 1024, 16384, 65536, 262144]
    big = [1024, 65536]
    any_, pos, unit = (-4.0, 4.0), (0.5, 10.0), (-1.0, 1.0)
    out = []
    for n in sizes:
        # Single elements are timed for information only: between 1 and 1024 elements
        # CrypTen's per-step cost jumps (allocation and gloo paths), a regime no
        # transformer layer is in, and a per-element model fitted across it misses both.
        role = "info" if n == 1 else "calibrate"
        out.append(("info", "reveal", lambda x: x.get_plain_text(), [(n,)], any_))
        out.append((role, "mul", lambda x, y: x * y, [(n,), (n,)], any_))
        out.append((role, "mul8", mul8, [(n,), (n,)], unit))
        out.append((role, "square", lambda x: x.square(), [(n,)], any_))
        out.append((role, "square8", square8, [(n,)], unit))
        out.append((role, "ltz", lambda x: x._ltz(), [(n,)], any_))
        out.append((role, "add", lambda x, y: x + y, [(n,), (n,)], any_))
        out.append((role, "add8", lambda x, y: x + y + y + y + y + y + y + y + y, [(n,), (n,)], any_))
        out.append((role, "scale", lambda x: x * 0.37, [(n,)], any_))
    for m, k, n in [(32, 64, 32), (128, 768, 768)] + ([] if QUICK else [(128, 768, 3072)]):
        out.append(("calibrate", "matmul", lambda a, b: a.matmul(b), [(m, k), (k, n)], any_))
    for n in big:
        out.append(("check", "relu", lambda x: x.relu(), [(n,)], any_))
        out.append(("check", "exp", lambda x: x.exp(), [(n,)], any_))
        out.append(("check", "reciprocal", lambda x: x.reciprocal(), [(n,)], pos))
        out.append(("check", "inv_sqrt", lambda x: x.inv_sqrt(), [(n,)], pos))
        out.append(("check", "sigmoid", lambda x: x.sigmoid(), [(n,)], any_))
        out.append(("check", "tanh", lambda x: x.tanh(), [(n,)], any_))
    out.append(("check", "softmax", lambda x: x.softmax(-1), [(1, 128)], any_))
    out.append(("check", "softmax", lambda x: x.softmax(-1), [(128, 128)], any_))
    if not QUICK:
        out.append(("check", "softmax", lambda x: x.softmax(-1), [(12, 128, 128)], any_))
    out.append(("check", "layernorm", layernorm, [(128, 768)], any_))
    out.append(("check", "matmul", lambda a, b: a.matmul(b), [(12, 128, 64), (12, 64, 128)], any_))
    out.append(("check", "matmul", lambda a, b: a.matmul(b), [(128, 3072), (3072, 768)], any_))
    return out


def timed(fn, encs):
    torch.distributed.barrier()
    t0 = time.perf_counter()
    fn(*encs)
    return time.perf_counter() - t0


def worker(out_dir):
    torch.set_num_threads(1)
    crypten.init()
    cfg.communicator.verbose = True
    rank = comm.get().get_rank()
    torch.manual_seed(7)
    table = ops()
    inputs, results = [], []
    for role, name, fn, shapes, (lo, hi) in table:
        encs = [crypten.cryptensor(torch.empty(s).uniform_(lo, hi), src=0) for s in shapes]
        comm.get().reset_communication_stats()
        fn(*encs)                                      # warm-up, and the byte count
        stats = comm.get().get_communication_stats()
        inputs.append(encs)
        results.append({"role": role, "op": name, "shapes": [list(s) for s in shapes],
                        "bytes": int(stats["bytes"]), "rounds": int(stats["rounds"]), "samples": []})
    # Round-robin: every op once per pass, PASSES passes, so that a slow spell of the
    # shared machine lands on calibration and check entries alike.
    for p in range(PASSES):
        for (role, name, fn, shapes, _), encs, rec in zip(table, inputs, results):
            rec["samples"].append(timed(fn, encs))
        if rank == 0:
            print(f"pass {p + 1}/{PASSES}", file=sys.stderr, flush=True)
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump(results, f)
    return rank


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    out_dir = tempfile.mkdtemp(prefix="crypten_compute_")
    load_before = os.getloadavg()
    if crypten.mpc.run_multiprocess(world_size=2)(worker)(out_dir) is None:
        raise SystemExit("a CrypTen party failed")
    per = []
    for r in range(2):
        with open(os.path.join(out_dir, f"rank{r}.json")) as f:
            per.append(json.load(f))
    entries = []
    for a, b in zip(per[0], per[1]):
        wall = [max(x, y) for x, y in zip(a["samples"], b["samples"])]
        entries.append({
            "role": a["role"], "op": a["op"], "shapes": a["shapes"],
            "bytes_party0": a["bytes"], "bytes_party1": b["bytes"],
            "rounds_party0": a["rounds"], "rounds_party1": b["rounds"],
            "wall_s": statistics.median(wall), "wall_s_min": min(wall), "wall_s_max": max(wall),
            "wall_s_samples": wall,
        })
    doc = {
        "crypten_version": crypten.__version__,
        "torch_version": torch.__version__,
        "python_version": sys.version.split()[0],
        "machine": {"cpu_model": cpu_model(), "nproc": os.cpu_count(), "platform": platform.platform(),
                    "loadavg_before": list(load_before), "loadavg_after": list(os.getloadavg())},
        "threads_per_party": 1,
        "parties": "2 processes (crypten.mpc.run_multiprocess), gloo over 127.0.0.1, TFP provider",
        "conventions": {
            "wall_s": "per repeat, the larger of the two parties' time.perf_counter() durations around the op "
                      "after a barrier; median over the passes (1 warm-up not counted)",
            "bytes": "CrypTen communicator counters per party (8 B per element, all_reduce counted send + receive), "
                     "as in crypten_costs.json",
        },
        "entries": entries,
    }
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
