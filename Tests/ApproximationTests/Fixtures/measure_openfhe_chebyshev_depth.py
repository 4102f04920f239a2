#!/usr/bin/env python3
"""
Measure how OpenFHE (openfhe PyPI wheel) evaluates EvalChebyshevFunction in CKKS:
levels consumed (ct.GetLevel / GetNoiseScaleDeg before and after), the minimal multiplicative
depth for which the evaluation succeeds, and the error; plus primitive-op latencies.

usage:
  OMP_NUM_THREADS=1 nice venv310/bin/python measure_chebyshev_depth.py depth     # Chebyshev depth sweep
  OMP_NUM_THREADS=1 nice venv310/bin/python measure_chebyshev_depth.py latency   # op latencies (N=2^14, 2^15)
  OMP_NUM_THREADS=1 nice venv310/bin/python measure_chebyshev_depth.py boot      # EvalBootstrap at N=2^12 (small)
  venv310/bin/python measure_chebyshev_depth.py single DEG A B DEPTH [SCALTECH]  # one evaluation (for gdb op counting)
Results are merged into openfhe_measurements.json.
"""
import json
import math
import os
import platform
import subprocess
import sys
import time

import numpy as np
import openfhe as fhe

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "openfhe_measurements.json")
sys.path.insert(0, HERE)
import chebyshev_sim as SIM  # noqa: E402  (op-by-op transcription of the C++ code, for predictions)

DEGREES = list(range(1, 17)) + [27, 59, 119, 247]
RING_DIM = 1 << 12
BATCH = RING_DIM // 2
SCALE_BITS = 50
FIRST_MOD = 60


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


INTERVALS = {
    # name: (a, b, python function, description)
    "general[-8,8]": (-8.0, 8.0, sigmoid, "logistic 1/(1+exp(-x)) on [-8,8]"),
    "[-1,1]": (-1.0, 1.0, math.exp, "exp(x) on [-1,1]"),
}


def make_cc(depth, ring_dim=RING_DIM, scal=fhe.ScalingTechnique.FLEXIBLEAUTO, batch=None, scale_bits=SCALE_BITS,
            first_mod=FIRST_MOD, features_fhe=False, secret_dist=None):
    p = fhe.CCParamsCKKSRNS()
    p.SetMultiplicativeDepth(depth)
    p.SetScalingModSize(scale_bits)
    p.SetFirstModSize(first_mod)
    p.SetRingDim(ring_dim)
    p.SetSecurityLevel(fhe.SecurityLevel.HEStd_NotSet)
    p.SetScalingTechnique(scal)
    p.SetBatchSize(batch or ring_dim // 2)
    if secret_dist is not None:
        p.SetSecretKeyDist(secret_dist)
    cc = fhe.GenCryptoContext(p)
    for f in (fhe.PKESchemeFeature.PKE, fhe.PKESchemeFeature.KEYSWITCH, fhe.PKESchemeFeature.LEVELEDSHE,
              fhe.PKESchemeFeature.ADVANCEDSHE):
        cc.Enable(f)
    if features_fhe:
        cc.Enable(fhe.PKESchemeFeature.FHE)
    return cc


def cheb_ptxt(func, a, b, deg, xs):
    coeffs = SIM.eval_chebyshev_coefficients(func, a, b, deg)
    return SIM.cheb_ref(coeffs, a, b, xs)


def try_eval(deg, a, b, func, depth, scal=fhe.ScalingTechnique.FLEXIBLEAUTO, xs=None):
    """Returns dict with success flag, levels, errors, time."""
    cc = make_cc(depth, scal=scal)
    keys = cc.KeyGen()
    cc.EvalMultKeyGen(keys.secretKey)
    if xs is None:
        xs = np.linspace(a, b, BATCH)
    pt = cc.MakeCKKSPackedPlaintext(list(xs))
    ct = cc.Encrypt(keys.publicKey, pt)
    rec = dict(depth_setting=depth, level_before=ct.GetLevel(), nsd_before=ct.GetNoiseScaleDeg(),
               towers_before=len(ct.GetElements()[0].GetAllElements()) if hasattr(ct.GetElements()[0], "GetAllElements") else None)
    try:
        t0 = time.perf_counter()
        res = cc.EvalChebyshevFunction(func, ct, a, b, deg)
        rec["eval_seconds"] = time.perf_counter() - t0
        rec["level_after"] = res.GetLevel()
        rec["nsd_after"] = res.GetNoiseScaleDeg()
    except Exception as e:  # noqa: BLE001
        rec.update(ok=False, failure="eval exception: " + str(e).splitlines()[0][:200])
        return rec
    try:
        dec = cc.Decrypt(res, keys.secretKey)
        dec.SetLength(len(xs))
        vals = np.array(dec.GetRealPackedValue())
    except Exception as e:  # noqa: BLE001
        rec.update(ok=False, failure="decrypt exception: " + str(e).splitlines()[0][:200])
        return rec
    ref_cheb = cheb_ptxt(func, a, b, deg, xs)
    ref_f = np.array([func(x) for x in xs])
    err_cheb = float(np.max(np.abs(vals - ref_cheb)))
    rec["max_err_vs_cheb_ptxt"] = err_cheb
    rec["max_err_vs_function"] = float(np.max(np.abs(vals - ref_f)))
    rec["max_err_cheb_ptxt_vs_function"] = float(np.max(np.abs(ref_cheb - ref_f)))
    rec["ok"] = bool(np.isfinite(err_cheb) and err_cheb < 1e-3)
    if not rec["ok"]:
        rec["failure"] = "wrong result (err vs Chebyshev ptxt = %.3g)" % err_cheb
    return rec


def sim_predict(deg, a, b, func, start_nsd=1):
    SIM.reset()
    coeffs = SIM.eval_chebyshev_coefficients(func, a, b, deg)
    x = SIM.Ct(0, start_nsd, np.linspace(a, b, 5))
    res, info = SIM.eval_chebyshev_series(x, coeffs, a, b)
    c = dict(SIM.CNT)
    return dict(method=info["method"], k=info.get("k"), m=info.get("m"), level_after=res.level, nsd_after=res.nsd,
                eff_depth=res.eff(), ctct_mult=c["ctct_mult"], ctct_square=c["ctct_square"],
                const_mult_explicit=c["const_mult"], adjust_scalar_mult=c["adjust_mult"], rescale=c["rescale"],
                ct_add=c["ct_add"], const_add=c["const_add"], inner_ps_calls=info.get("inner_calls"))


def machine_info():
    info = dict(platform=platform.platform(), python=platform.python_version(), nproc=os.cpu_count(),
                OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS"))
    try:
        cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in cpu.splitlines():
            if line.startswith("Model name") or line.startswith("CPU(s):") or line.startswith("Thread(s) per core"):
                k, v = line.split(":", 1)
                info[k.strip()] = v.strip()
    except Exception:  # noqa: BLE001
        pass
    try:
        info["openfhe_build_config"] = open(os.path.join(os.path.dirname(fhe.__file__), "build-config.txt")).read().split("\n")[:4]
    except Exception:  # noqa: BLE001
        pass
    return info


def load_out():
    if os.path.exists(OUT):
        return json.load(open(OUT))
    return {}


def save_out(d):
    d["openfhe_version"] = getattr(fhe, "__version__", "?")
    d["machine"] = machine_info()
    json.dump(d, open(OUT, "w"), indent=1)


# ----------------------------------------------------------------------------------------------
def run_depth(scal_names=("FLEXIBLEAUTO", "FLEXIBLEAUTOEXT"), degrees=DEGREES, max_depth=14):
    out = load_out()
    dep = out.setdefault("chebyshev_depth", {})
    dep["params"] = dict(ring_dim=RING_DIM, batch=BATCH, scaling_mod_size=SCALE_BITS, first_mod_size=FIRST_MOD,
                         security="HEStd_NotSet", key_switching="HYBRID (default)",
                         success_criterion="no exception and max |dec - Chebyshev-ptxt| < 1e-3",
                         functions={k: v[3] for k, v in INTERVALS.items()})
    for scal_name in scal_names:
        scal = getattr(fhe.ScalingTechnique, scal_name)
        rows = dep.setdefault(scal_name, {})
        for iname, (a, b, func, _) in INTERVALS.items():
            lst = []
            for deg in degrees:
                table = SIM.get_depth_by_degree(deg)
                pred = sim_predict(deg, a, b, func, start_nsd=2 if scal_name == "FLEXIBLEAUTOEXT" else 1)
                attempts = []
                d = max(1, min(table, pred["eff_depth"]) - 2)
                found = None
                while d <= max_depth:
                    r = try_eval(deg, a, b, func, d, scal=scal)
                    attempts.append({k: r.get(k) for k in ("depth_setting", "ok", "failure", "level_after", "nsd_after")})
                    if r["ok"]:
                        found = r
                        break
                    d += 1
                # confirm depth-1 fails (if not already tried)
                if found and found["depth_setting"] - 1 >= 1 and not any(
                        x["depth_setting"] == found["depth_setting"] - 1 for x in attempts):
                    r = try_eval(deg, a, b, func, found["depth_setting"] - 1, scal=scal)
                    attempts.append({k: r.get(k) for k in ("depth_setting", "ok", "failure", "level_after", "nsd_after")})
                row = dict(degree=deg, interval=iname, a=a, b=b, GetDepthByDegree_table=table,
                           min_depth=found["depth_setting"] if found else None,
                           result_at_min_depth=found, attempts=attempts, sim_prediction=pred)
                if found:
                    row["levels_consumed_GetLevel"] = found["level_after"] - found["level_before"]
                lst.append(row)
                print(f"[{scal_name}] {iname:14s} deg={deg:4d} min_depth={row['min_depth']} table={table} "
                      f"sim_eff={pred['eff_depth']} level {found and found['level_before']}->{found and found['level_after']} "
                      f"nsd {found and found['nsd_after']} (sim {pred['level_after']},{pred['nsd_after']}) "
                      f"err={found and found['max_err_vs_cheb_ptxt']:.2e} t={found and found['eval_seconds']:.3f}s",
                      flush=True)
            rows[iname] = lst
            save_out(out)
    save_out(out)


# ----------------------------------------------------------------------------------------------
def timeit(fn, reps):
    fn()  # warm-up
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return dict(median_ms=1e3 * float(np.median(ts)), min_ms=1e3 * float(np.min(ts)), reps=reps)


def run_latency(configs=((1 << 14, 20), (1 << 15, 20)), reps=10):
    out = load_out()
    lat = out.setdefault("latency", {})
    for ring_dim, depth in configs:
        key = f"N=2^{int(math.log2(ring_dim))},depth={depth}"
        t0 = time.perf_counter()
        cc = make_cc(depth, ring_dim=ring_dim, scal=fhe.ScalingTechnique.FLEXIBLEAUTO)
        keys = cc.KeyGen()
        cc.EvalMultKeyGen(keys.secretKey)
        cc.EvalRotateKeyGen(keys.secretKey, [1, 7])
        setup_s = time.perf_counter() - t0
        slots = ring_dim // 2
        rng = np.random.default_rng(1)
        xs = list(rng.uniform(-1, 1, slots))
        ct = cc.Encrypt(keys.publicKey, cc.MakeCKKSPackedPlaintext(xs))
        ct2 = cc.Encrypt(keys.publicKey, cc.MakeCKKSPackedPlaintext(xs))
        res = dict(ring_dim=ring_dim, mult_depth=depth, towers_fresh=depth + 1, scaling_mod_size=SCALE_BITS,
                   first_mod_size=FIRST_MOD, scaling="FLEXIBLEAUTO", keyswitch="HYBRID (default dnum)",
                   setup_keygen_s=setup_s, per_level={})
        # ciphertexts at several levels: encrypt directly at level `lvl` (scaleDeg 1)
        ccm = make_cc(depth, ring_dim=ring_dim, scal=fhe.ScalingTechnique.FIXEDMANUAL)
        keysm = ccm.KeyGen()
        ccm.EvalMultKeyGen(keysm.secretKey)
        for lvl in [0, depth // 2, depth - 2]:
            c = cc.Encrypt(keys.publicKey, cc.MakeCKKSPackedPlaintext(xs, 1, lvl))
            c2 = cc.Encrypt(keys.publicKey, cc.MakeCKKSPackedPlaintext(xs, 1, lvl))
            assert c.GetLevel() == lvl and c.GetNoiseScaleDeg() == 1, (c.GetLevel(), c.GetNoiseScaleDeg())
            prod = cc.EvalMult(c, c2)  # nsd 2 ciphertexts (rescale pending)
            prod2 = cc.EvalMult(c2, c)
            assert prod.GetNoiseScaleDeg() == 2
            cm = ccm.Encrypt(keysm.publicKey, ccm.MakeCKKSPackedPlaintext(xs, 1, lvl))
            prodm = ccm.EvalMult(cm, cm)
            r = {}
            r["EvalAdd(ct,ct)"] = timeit(lambda: cc.EvalAdd(c, c2), reps)
            r["EvalAdd(ct,double)"] = timeit(lambda: cc.EvalAdd(c, 0.5), reps)
            r["EvalMult(ct,ct) incl. relin, nsd1 inputs (no rescale)"] = timeit(lambda: cc.EvalMult(c, c2), reps)
            r["EvalMult(ct,ct) incl. relin, nsd2 inputs (FLEXIBLEAUTO rescales both first)"] = timeit(
                lambda: cc.EvalMult(prod, prod2), reps)
            r["EvalSquare(ct) incl. relin, nsd1 input"] = timeit(lambda: cc.EvalSquare(c), reps)
            r["EvalMultNoRelin(ct,ct)"] = timeit(lambda: cc.EvalMultNoRelin(c, c2), reps)
            r["EvalMult(ct,double), nsd1 input"] = timeit(lambda: cc.EvalMult(c, 0.3), reps)
            r["EvalMult(ct,double), nsd2 input (incl. auto rescale)"] = timeit(lambda: cc.EvalMult(prod, 0.3), reps)
            r["Rescale (FIXEDMANUAL ctx, same params)"] = timeit(lambda: ccm.Rescale(prodm), reps)
            r["EvalRotate(ct,1)"] = timeit(lambda: cc.EvalRotate(c, 1), reps)
            r["towers"] = depth + 1 - lvl
            res["per_level"][f"level={lvl}"] = r
            print(key, f"level={lvl}", {k: round(v["median_ms"], 3) if isinstance(v, dict) else v for k, v in r.items()},
                  flush=True)
        lat[key] = res
        save_out(out)
        del cc, keys, ccm, keysm


def run_boot():
    out = load_out()
    ring_dim = 1 << 12
    res = dict(ring_dim=ring_dim, scaling="FLEXIBLEAUTO", secret_key_dist="UNIFORM_TERNARY")
    try:
        level_budget = [2, 2]
        levels_after = 10
        depth = levels_after + fhe.CryptoContext.GetBootstrapDepth(level_budget, fhe.SecretKeyDist.UNIFORM_TERNARY)
        res.update(level_budget=level_budget, levels_available_after_bootstrap=levels_after, mult_depth=depth)
        for slots in [ring_dim // 2, 8]:
            cc = make_cc(depth, ring_dim=ring_dim, scal=fhe.ScalingTechnique.FLEXIBLEAUTO, batch=slots,
                         scale_bits=59, first_mod=60, features_fhe=True)
            t0 = time.perf_counter()
            cc.EvalBootstrapSetup(level_budget, [0, 0], slots)
            keys = cc.KeyGen()
            cc.EvalMultKeyGen(keys.secretKey)
            cc.EvalBootstrapKeyGen(keys.secretKey, slots)
            setup = time.perf_counter() - t0
            xs = list(np.linspace(-1, 1, slots))
            ct = cc.Encrypt(keys.publicKey, cc.MakeCKKSPackedPlaintext(xs, 1, depth - 1, None, slots))
            lvl_in = ct.GetLevel()
            t0 = time.perf_counter()
            b = cc.EvalBootstrap(ct)
            first = time.perf_counter() - t0
            tm = timeit(lambda: cc.EvalBootstrap(ct), 3)
            dec = cc.Decrypt(b, keys.secretKey)
            dec.SetLength(slots)
            err = float(np.max(np.abs(np.array(dec.GetRealPackedValue()) - np.array(xs))))
            res[f"slots={slots}"] = dict(setup_keygen_s=setup, level_in=lvl_in, level_out=b.GetLevel(),
                                         first_call_s=first, EvalBootstrap=tm, max_err=err,
                                         levels_remaining=depth - b.GetLevel())
            print("boot", slots, res[f"slots={slots}"], flush=True)
            del cc, keys
    except Exception as e:  # noqa: BLE001
        res["error"] = str(e)[:300]
        print("boot failed", e)
    out["bootstrap"] = res
    save_out(out)


def run_single(deg, a, b, depth, scal_name="FLEXIBLEAUTO"):
    func = sigmoid if (a, b) != (-1.0, 1.0) else math.exp
    r = try_eval(deg, a, b, func, depth, scal=getattr(fhe.ScalingTechnique, scal_name))
    print(json.dumps({k: v for k, v in r.items() if k != "attempts"}))


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "depth"
    if mode == "depth":
        run_depth()
    elif mode == "latency":
        run_latency()
    elif mode == "boot":
        run_boot()
    elif mode == "single":
        run_single(int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]),
                   sys.argv[6] if len(sys.argv) > 6 else "FLEXIBLEAUTO")
