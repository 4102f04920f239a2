#!/usr/bin/env python3
"""Measure CKKS operation latencies with OpenFHE on this machine and write a PISim profile.

The `openfhe` wheel on PyPI carries a CPython 3.10 extension (on 3.11 the import fails with
"No module named 'openfhe.openfhe'"), so run this under python3.10 in its own environment:

    python3.10 -m venv .venv-openfhe            # pyenv: `pyenv install 3.10` first if needed
    .venv-openfhe/bin/pip install openfhe numpy
    OMP_NUM_THREADS=1 .venv-openfhe/bin/python examples/calibrate_openfhe.py \
        --ring-dim 16384 --depth 20 --scaling-bits 40 --output protocols/ckks-mine.yaml

Then: swift run pisim op power-softmax --shape 12x128x128 --protocol protocols/ckks-mine.yaml

It times (median of --reps runs, after a warm-up) EvalAdd, EvalMult by a double, EvalMult of
two ciphertexts with relinearisation, Rescale (in a FIXEDMANUAL context with the same
parameters) and EvalRotate on fresh ciphertexts (all towers), and, with --bootstrap-ring-dim,
EvalBootstrap on a small ring scaled linearly to --ring-dim. The profile it writes keeps the
parameters given here, cites the machine, date and openfhe version for every latency, and
loads with `ProtocolProfile.load`.
"""
import argparse
import datetime
import platform
import statistics
import sys
import time

try:
    import openfhe as fhe
except ImportError as e:  # pragma: no cover - message for the user
    sys.exit(f"cannot import openfhe ({e}); see the usage above: it needs python3.10 and `pip install openfhe`")


def context(ring_dim, depth, scaling_bits, first_bits, technique, batch=None, bootstrapping=False):
    p = fhe.CCParamsCKKSRNS()
    p.SetMultiplicativeDepth(depth)
    p.SetScalingModSize(scaling_bits)
    p.SetFirstModSize(first_bits)
    p.SetRingDim(ring_dim)
    p.SetSecurityLevel(fhe.SecurityLevel.HEStd_NotSet)
    p.SetScalingTechnique(technique)
    p.SetBatchSize(batch or ring_dim // 2)
    if bootstrapping:
        p.SetSecretKeyDist(fhe.SecretKeyDist.UNIFORM_TERNARY)
    cc = fhe.GenCryptoContext(p)
    for feature in (fhe.PKESchemeFeature.PKE, fhe.PKESchemeFeature.KEYSWITCH, fhe.PKESchemeFeature.LEVELEDSHE):
        cc.Enable(feature)
    if bootstrapping:
        cc.Enable(fhe.PKESchemeFeature.ADVANCEDSHE)
        cc.Enable(fhe.PKESchemeFeature.FHE)
    return cc


def median_seconds(fn, reps):
    fn()
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def measure(args):
    cc = context(args.ring_dim, args.depth, args.scaling_bits, args.first_bits, fhe.ScalingTechnique.FLEXIBLEAUTO)
    keys = cc.KeyGen()
    cc.EvalMultKeyGen(keys.secretKey)
    cc.EvalRotateKeyGen(keys.secretKey, [1])
    slots = args.ring_dim // 2
    values = [((i * 7919) % 1000) / 1000 - 0.5 for i in range(slots)]
    a = cc.Encrypt(keys.publicKey, cc.MakeCKKSPackedPlaintext(values))
    b = cc.Encrypt(keys.publicKey, cc.MakeCKKSPackedPlaintext(values))
    manual = context(args.ring_dim, args.depth, args.scaling_bits, args.first_bits, fhe.ScalingTechnique.FIXEDMANUAL)
    mkeys = manual.KeyGen()
    manual.EvalMultKeyGen(mkeys.secretKey)
    m = manual.Encrypt(mkeys.publicKey, manual.MakeCKKSPackedPlaintext(values))
    product = manual.EvalMult(m, m)
    r = args.reps
    out = {
        "add": median_seconds(lambda: cc.EvalAdd(a, b), r),
        "pt-mult": median_seconds(lambda: cc.EvalMult(a, 0.3), r),
        "ct-mult": median_seconds(lambda: cc.EvalMult(a, b), r),
        "rescale": median_seconds(lambda: manual.Rescale(product), r),
        "rotation": median_seconds(lambda: cc.EvalRotate(a, 1), r),
    }
    if args.bootstrap_ring_dim:
        n = args.bootstrap_ring_dim
        budget = [2, 2]
        depth = 10 + fhe.CryptoContext.GetBootstrapDepth(budget, fhe.SecretKeyDist.UNIFORM_TERNARY)
        bc = context(n, depth, 59, 60, fhe.ScalingTechnique.FLEXIBLEAUTO, batch=n // 2, bootstrapping=True)
        bc.EvalBootstrapSetup(budget, [0, 0], n // 2)
        bkeys = bc.KeyGen()
        bc.EvalMultKeyGen(bkeys.secretKey)
        bc.EvalBootstrapKeyGen(bkeys.secretKey, n // 2)
        ct = bc.Encrypt(bkeys.publicKey, bc.MakeCKKSPackedPlaintext(values[: n // 2], 1, depth - 1, None, n // 2))
        out["bootstrap"] = median_seconds(lambda: bc.EvalBootstrap(ct), max(1, min(r, 3))) * args.ring_dim / n
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ring-dim", type=int, default=16384)
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--scaling-bits", type=int, default=40)
    parser.add_argument("--first-bits", type=int, default=60)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--bootstrap-ring-dim", type=int, default=0,
                        help="also time EvalBootstrap at this (small) ring dimension, scaled linearly to --ring-dim")
    parser.add_argument("--name", default="ckks-calibrated")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    seconds = measure(args)
    where = f"{platform.node()} ({platform.machine()}), {datetime.date.today().isoformat()}, openfhe {getattr(fhe, '__version__', 'unknown')}"
    lines = [
        f"# Written by examples/calibrate_openfhe.py on {where}.",
        f"name: {args.name}",
        "kind: ckks",
        f'description: "CKKS latencies measured with OpenFHE on {platform.node()}"',
        f'source: "examples/calibrate_openfhe.py on {where}"',
        "parameters:",
        f'  ring_dimension: {{value: {args.ring_dim}, source: "--ring-dim"}}',
        f'  scaling_bits: {{value: {args.scaling_bits}, source: "--scaling-bits"}}',
        f'  first_prime_bits: {{value: {args.first_bits}, source: "--first-bits"}}',
        f'  depth: {{value: {args.depth}, source: "--depth"}}',
        '  security: {value: "none", source: "calibration context uses HEStd_NotSet; check the HE standard bound before relying on it"}',
        "latency:",
        f'  reference_ring_dimension: {{value: {args.ring_dim}, source: "measured ring dimension"}}',
        f'  reference_limbs: {{value: {args.depth + 1}, source: "fresh ciphertexts carry depth + 1 towers"}}',
    ]
    for op, s in seconds.items():
        lines.append(f'  {op}: {{value: {s:.6g}, source: "median of {args.reps} runs on {where}"}}')
    with open(args.output, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {args.output}: " + ", ".join(f"{k} {v * 1e3:.3f} ms" for k, v in seconds.items()), file=sys.stderr)


if __name__ == "__main__":
    main()
