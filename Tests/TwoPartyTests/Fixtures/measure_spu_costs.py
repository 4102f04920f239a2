#!/usr/bin/env python3
"""Measure SecretFlow SPU 0.9.5 communication and wall time per operation, per
party, for the ops PISim models.  Two SPU parties run as two separate OS
processes that talk over brpc on 127.0.0.1 (no other address is used).
Protocols CHEETAH and SEMI2K, field FM64, SPU's default runtime config
otherwise (see "runtime_config" in the output for every value that matters).

Venv (python 3.11):
    python3.11 -m venv /work/venvs/spu
    /work/venvs/spu/bin/pip install spu==0.9.5      # pulls jax/jaxlib 0.4.34

Usage:
    /work/venvs/spu/bin/python measure_spu_costs.py > spu_costs.json
    /work/venvs/spu/bin/python measure_spu_costs.py --protocols CHEETAH \
        --ops 'softmax,gelu_tanh [[]1024]' --keep-logs /tmp/spu_logs > part.json
    /work/venvs/spu/bin/python measure_spu_costs.py --list

--ops takes comma-separated fnmatch patterns matched against the op name or
its label as printed by --list ('[' must be written '[[]').
Only the final JSON document goes to stdout; progress goes to stderr.
A full run (both protocols, all ops) took 37 min on the shared 2-core machine
it was written on (CHEETAH is ~95% of it; gelu_erf [128,3072] alone ~12 min).
Memory: the largest single op (gelu_erf [128,3072], CHEETAH) peaks at ~4.5 GB
summed over both parties.  Freed runtimes are not returned to the OS, so the
party processes are restarted after any op that leaves them above
--restart-rss-mb (3000 MB); without that, the fixture run ratcheted to 11.7 GB.

Method
------
* The parent process compiles every op once with SPU's own JAX frontend
  (spu.utils.frontend.compile -> libspu.compile, default CompilerOptions) and
  creates the input shares with spu.api.Io (the "data owner" side of SPU;
  share creation costs no SPU-link traffic).  Secret inputs are plain additive
  sharings (Io.make_shares(x, VIS_SECRET)); a party-1 private weight is
  Io.make_shares(w, VIS_SECRET, owner_rank=1) with
  experimental_enable_colocated_optimization=True in the Io config, which makes
  it a Priv2k<FM64> value held only by party 1 (what SPU's distributed mode
  gives a PYU-owned input colocated with an SPU party).
* Each party process builds a libspu.link brpc context and, for every op, a
  *fresh* spu.api.Runtime (so each op starts from an empty Cheetah state:
  no cached Beaver triples, no Ferret OT correlations, no HE keys).  The op is
  run 1 warm-up + R measured times on that runtime (R = 3 by default, 5 for
  cheap element-wise ops of <= 8192 elements, see default_repeats).  For the
  heavy ops the warm-up run is the same function on a smaller input (e.g.
  softmax on [1,128,128] before [12,128,128], matmul with 8 rows before 128):
  it performs the same one-time setup (base OTs, HE key exchange incl. Galois
  keys) at a fraction of the time.  gelu_erf [128,3072] under CHEETAH gets a
  single measured repeat (one run is ~5-6 min here; --full-repeats for 3).
  Before every run the inputs are set (Runtime.set_var), both
  parties meet at link.barrier(), then Runtime.run(executable) is timed with
  time.perf_counter.  Outputs stay secret shares inside the runtime and are
  deleted after the run; the last run's outputs are fetched and reconstructed
  afterwards (outside the measured region) only to report the numeric error.
* Counters: the Python binding of spu 0.9.5 does not expose
  link.Context.get_stats(), so the counters are read from the profiling log
  that SPU writes at the end of every Runtime.run when enable_pphlo_profile /
  enable_hal_profile are on (src/libspu/device/api.cc, printProfilingData):
    "Link details: total send bytes S, recv bytes R, send actions A, recv actions B"
  which is the delta of yacl::link::Context::GetStats() of the root link over
  that one execution.  Sub-links created with Context::Spawn() (Cheetah's OT
  links, the duplex HE link) share the parent's Statistics object
  (yacl/link/context.cc, Context::Spawn: "share statistics with parent"), so
  all OT / HE / sub-link traffic is included.  Each party's log goes to its own
  file (libspu.logging.setup_logging).  The per-kernel HLO / HAL / MPC lines of
  the same log are parsed too and stored as the per-op profile breakdown.
* Cross-checks stored per op: (a) party0 send bytes == party1 recv bytes and
  vice versa, per run; (b) the sum over MPC-level profile records equals the
  link total (MPC "leaf" records never nest, see src/libspu/core/trace.h);
  (c) independent wire-level count: TCP bytes_acked of the brpc sockets
  between the two party ports, read with `ss -tin` (iproute2) before and after
  the whole op (fresh runtime + all runs + barriers), compared with the sum of
  the link counters; the difference is brpc/yacl framing.
* Threads: RuntimeConfig.max_concurrency = 1 (SPUContext then calls
  yacl::set_num_threads(1), and Cheetah creates a single OT instance);
  OMP_NUM_THREADS=1.  Cheetah's MulAA / SquareA / MatMulAA still run their two
  halves with std::async, and brpc keeps its own I/O threads.
"""

import argparse
import fnmatch
import json
import math
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import multiprocessing as mp  # noqa: E402

import numpy as np  # noqa: E402

PROTOCOLS = ("CHEETAH", "SEMI2K")
FIELD = "FM64"
MAX_CONCURRENCY = 1
RECV_TIMEOUT_MS = 1_200_000
OP_TIMEOUT_S = 1500

PROFILE_LINE = re.compile(
    r"- (?P<name>.+?), executed (?P<count>\d+) times, duration (?P<dur>[0-9.e+-]+)s, "
    r"send bytes (?P<sb>\d+) recv bytes (?P<rb>\d+), send actions (?P<sa>\d+), "
    r"recv actions (?P<ra>\d+)"
)
LINK_LINE = re.compile(
    r"Link details: total send bytes (?P<sb>\d+), recv bytes (?P<rb>\d+), "
    r"send actions (?P<sa>\d+), recv actions (?P<ra>\d+)"
)
EXEC_LINE = re.compile(
    r"\[Profiling\] SPU execution (?P<name>.+?) completed, input processing took "
    r"(?P<inp>[0-9.e+-]+)s, execution took (?P<exe>[0-9.e+-]+)s"
)
SECTION_LINE = re.compile(r"(?P<mod>HLO|HAL|MPC) profiling: total time")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# op definitions
# ---------------------------------------------------------------------------
class In:
    """One op input: shape, uniform range, and who holds it."""

    def __init__(self, shape, lo, hi, holder="secret"):
        self.shape = tuple(shape)
        self.lo, self.hi = lo, hi
        self.holder = holder  # "secret" (additive shares) or "P1" (party-1 private)

    def describe(self):
        d = {"shape": list(self.shape), "dtype": "float32",
             "distribution": f"uniform[{self.lo}, {self.hi}]"}
        if self.holder == "secret":
            d["visibility"] = "secret (additive 2-out-of-2 shares, AShr<FM64>, made by the Io dealer)"
            d["owner_rank"] = None
        else:
            d["visibility"] = ("private to party 1 (Priv2k<FM64>, owner_rank=1, colocated "
                               "optimisation; party 0 holds only a placeholder)")
            d["owner_rank"] = 1
        return d


def _layernorm_fn(d):
    rng = np.random.default_rng(7)
    gamma = (1.0 + 0.1 * rng.standard_normal(d)).astype(np.float32)
    beta = (0.1 * rng.standard_normal(d)).astype(np.float32)

    def layernorm(x):
        import jax
        import jax.numpy as jnp

        mean = jnp.mean(x, axis=-1, keepdims=True)
        xc = x - mean
        var = jnp.mean(xc * xc, axis=-1, keepdims=True)
        return xc * jax.lax.rsqrt(var + 1e-5) * gamma + beta

    return layernorm


def build_ops():
    import jax
    import jax.numpy as jnp

    ops = []

    def add(name, fn, inputs, kind, note=None, copts=None, warm=None, cap=None, protocols=None):
        # warm: input shapes of a smaller instance of the same function used as the warm-up run
        #       (heavy ops only; it performs the same one-time setup: OT base, HE keys)
        # cap:  {protocol: max measured repeats} for ops too slow for the time budget
        ops.append({"name": name, "fn": fn, "inputs": inputs, "kind": kind, "note": note,
                    "copts": copts or {}, "warm": warm, "cap": cap or {}, "protocols": protocols})

    S = "secret"
    # elementwise arithmetic
    add("mul", lambda x, y: x * y, [In((1024,), -4, 4), In((1024,), -4, 4)], "mul_ss")
    add("mul", lambda x, y: x * y, [In((128, 768), -4, 4), In((128, 768), -4, 4)], "mul_ss")
    add("square", lambda x: jnp.square(x), [In((1024,), -4, 4)], "square")
    # comparison / relu
    add("less", lambda x, y: x < y, [In((1024,), -4, 4), In((1024,), -4, 4)], "less_ss",
        note="output is a secret boolean (i1) share")
    add("relu", lambda x: jnp.maximum(x, 0.0), [In((1024,), -4, 4)], "relu")
    # unary non-linear
    add("exp", lambda x: jnp.exp(x), [In((1024,), -8, 0)], "exp",
        note="input range [-8, 0] (the softmax regime after max subtraction)")
    add("reciprocal", lambda x: 1.0 / x, [In((1024,), 1, 64)], "reciprocal")
    add("rsqrt", lambda x: jax.lax.rsqrt(x), [In((1024,), 0.5, 64)], "rsqrt")
    add("tanh", lambda x: jnp.tanh(x), [In((1024,), -4, 4)], "tanh")
    # softmax
    for shp in [(1, 8), (1, 128), (1, 512), (128, 128), (12, 32, 32), (12, 128, 128)]:
        add("softmax", lambda x: jax.nn.softmax(x, axis=-1), [In(shp, -8, 8)], "softmax",
            warm=[(1, 128, 128)] if shp == (12, 128, 128) else None)
    # same with the compiler option BumbleBee's drivers set (not default)
    for shp in [(1, 128), (12, 128, 128)]:
        add("softmax [enable_optimize_denominator_with_broadcast]",
            lambda x: jax.nn.softmax(x, axis=-1), [In(shp, -8, 8)], "softmax",
            copts={"enable_optimize_denominator_with_broadcast": True},
            warm=[(1, 128, 128)] if shp == (12, 128, 128) else None,
            note="NOT default: CompilerOptions.enable_optimize_denominator_with_broadcast=True")
    # gelu
    for shp in [(1024,), (128, 3072)]:
        big = shp == (128, 3072)
        add("gelu_tanh", lambda x: jax.nn.gelu(x, approximate=True), [In(shp, -4, 4)], "gelu",
            warm=[(4, 3072)] if big else None, note="jax.nn.gelu(approximate=True)")
        add("gelu_erf", lambda x: jax.nn.gelu(x, approximate=False), [In(shp, -4, 4)], "gelu",
            warm=[(4, 3072)] if big else None, cap={"CHEETAH": 1} if big else None,
            note="jax.nn.gelu(approximate=False)" + (
                "; CHEETAH: 1 measured repeat only (one run takes ~5-6 min on this machine)"
                if big else ""))
    # layernorm
    add("layernorm", _layernorm_fn(768), [In((128, 768), -4, 4)], "layernorm",
        note="mean, var, rsqrt(var+1e-5), * public gamma + public beta (constants in the program)")
    # private-weight matmuls (party 1 owns W) and the same with a secret-shared W
    for m, k, n in [(128, 768, 768), (128, 768, 2304), (128, 768, 3072), (128, 3072, 768),
                    (32, 768, 768)]:
        add("matmul_x_privW", lambda x, w: x @ w,
            [In((m, k), -2, 2, S), In((k, n), -0.1, 0.1, "P1")], "matmul_av",
            warm=[(8, k), (k, n)] if m == 128 else None,
            note="activation secret-shared, weight private to party 1 (mmul_sv -> Cheetah MatMulAV)")
    for m, k, n in [(128, 768, 768)]:
        add("matmul_x_secretW", lambda x, w: x @ w,
            [In((m, k), -2, 2, S), In((k, n), -0.1, 0.1, S)], "matmul_aa",
            warm=[(8, k), (k, n)] if m == 128 else None,
            note="comparison: weight secret-shared too (mmul_aa)")
    # attention matmuls, both operands secret
    add("attn_QKt", lambda q, kt: jnp.matmul(q, kt),
        [In((12, 128, 64), -2, 2), In((12, 64, 128), -2, 2)], "batched_matmul_ss",
        warm=[(1, 128, 64), (1, 64, 128)])
    add("attn_AV", lambda a, v: jnp.matmul(a, v),
        [In((12, 128, 128), 0, 0.05), In((12, 128, 64), -2, 2)], "batched_matmul_ss",
        warm=[(1, 128, 128), (1, 128, 64)])
    return ops


def op_label(op):
    return f"{op['name']} " + "x".join(str(list(i.shape)) for i in op["inputs"])


def default_repeats(op, base):
    # cheap elementwise ops get more repeats: Beaver-cache refills / Ferret
    # refills make single runs differ, more samples give a tighter min/max.
    n = max(math.prod(i.shape) for i in op["inputs"])
    if op["kind"] not in ("matmul_av", "matmul_aa", "batched_matmul_ss") and n <= 8192:
        return max(base, 5)
    return base


# ---------------------------------------------------------------------------
# config
# ---------------------------------------------------------------------------
def make_config(L, protocol):
    cfg = L.RuntimeConfig()
    cfg.protocol = getattr(L.ProtocolKind, protocol)
    cfg.field = getattr(L.FieldType, FIELD)
    cfg.max_concurrency = MAX_CONCURRENCY
    cfg.enable_pphlo_profile = True
    cfg.enable_hal_profile = True
    return cfg


def dump_config_fields(cfg):
    out = {}
    for k in sorted(dir(cfg)):
        if k.startswith("_") or k[0].isupper() or k in (
                "ParseFromJsonString", "ParseFromString", "SerializeToString", "ttp_beaver_config",
                "cheetah_2pc_config"):
            continue
        v = getattr(cfg, k)
        if callable(v):
            continue
        out[k] = v.name if hasattr(v, "name") else v
    cc = cfg.cheetah_2pc_config
    out["cheetah_2pc_config"] = {
        "disable_matmul_pack": cc.disable_matmul_pack,
        "enable_mul_lsb_error": cc.enable_mul_lsb_error,
    }
    try:
        out["cheetah_2pc_config"]["ot_kind"] = cc.ot_kind.name
    except Exception as e:  # spu 0.9.5 binding cannot convert the enum back
        out["cheetah_2pc_config"]["ot_kind"] = (
            f"<unreadable from python: {type(e).__name__}>; C++ default YACL_Ferret "
            "(src/libspu/spu.h CheetahConfig::ot_kind)")
    out["ttp_beaver_config"] = None
    return out


EFFECTIVE_DEFAULTS = {
    "fxp_fraction_bits": {
        "value": 18, "source": "src/libspu/core/config.cc defaultFxpBits(FM64)=18 (0 = impl defined)",
        "verified": "Io.make_shares(1.0, VIS_PUBLIC) encodes to ring value 262144 = 2^18"},
    "fxp_exp_mode": {"value": "EXP_TAYLOR", "source": "config.cc: EXP_DEFAULT -> EXP_TAYLOR; "
                     "fxp_approx.cc exp_taylor: (1 + x/2^n)^(2^n) = trunc by n bits, +1, n squarings"},
    "fxp_exp_iters": {"value": 8, "source": "spu.h kDefaultFxpExpIters=8 / config.cc"},
    "fxp_log_mode": {"value": "LOG_MINMAX", "source": "config.cc: LOG_DEFAULT -> LOG_MINMAX"},
    "fxp_log_iters": {"value": 3, "source": "spu.h kDefaultFxpLogIters"},
    "fxp_log_orders": {"value": 8, "source": "spu.h kDefaultFxpLogOrders"},
    "fxp_div_goldschmidt_iters": {"value": 2, "source": "spu.h kDefaultFxpDivGoldschmidtIters=2; "
                                  "fxp_base.cc reciprocal_goldschmidt_normalized_approx (3 if fxp>=30)"},
    "reciprocal_and_division": {"value": "Goldschmidt: msb(b) sign, |b|, highestOneBit via prefix_or, "
                                "bitrev -> 2^-m factor, initial guess 2.9142-2c, 2 iterations",
                                "source": "src/libspu/kernel/hal/fxp_base.cc div_goldschmidt_general / "
                                "reciprocal_goldschmidt"},
    "rsqrt": {"value": "highestOneBit normalisation + degree-4 polynomial on u in [0.25,0.5) + "
              "exponent compensation via bit-deinterleave/parity (enable_lower_accuracy_rsqrt=false)",
              "source": "src/libspu/kernel/hal/fxp_approx.cc f_rsqrt / rsqrt_init_guess / rsqrt_comp"},
    "tanh": {"value": "Chebyshev, 9 odd coefficients (deg 17) on clamp(x,-5,5)*0.2, final "
             "coefficient dot product is a public x secret f_mmul", "source":
             "fxp_approx.cc f_tanh -> tanh_chebyshev (TANH_USE_PADE not defined)"},
    "sigmoid_mode": {"value": "SIGMOID_REAL", "source": "config.cc: SIGMOID_DEFAULT -> SIGMOID_REAL"},
    "gelu": {"value": "jax.nn.gelu is lowered by JAX/XLA before SPU sees it: approximate=True -> "
             "x*x*x, muls by public constants, pphlo.tanh (SPU Chebyshev tanh); approximate=False -> "
             "XLA's erf expansion (|x|<1 polynomial, else 1-erfc with exp(-x^2), two reciprocals and "
             "rational polynomials, 5 comparisons/selects). SPU's own hal f_erf is NOT used.",
             "source": "compiled pphlo (see each op's pphlo_ops)"},
    "trunc_allow_msb_error": {"value": False, "source": "spu.h default false"},
    "truncation": {"value": {
        "CHEETAH": "TruncA with meta.use_heuristic=true (src/libspu/mpc/cheetah/arithmetic.cc TruncA), "
                   "OT-based, sign hint from f_mul/f_square when known",
        "SEMI2K": "TruncAPr2 (2PC 'quick probabilistic trunc', used because trunc_allow_msb_error=false "
                  "and world size 2; src/libspu/mpc/semi2k/protocol.cc)"}},
    "beaver_type": {"value": "TrustedFirstParty", "source": "spu.h default; SEMI2K triples/randbits "
                    "are generated by rank 0 from shared PRG seeds: no offline communication "
                    "(NOT secure, SPU says so)"},
    "cheetah": {"value": {
        "ot_kind": "YACL_Ferret", "enable_mul_lsb_error": False, "disable_matmul_pack": False,
        "ot_instances": "min(48, cluster max_concurrency) = 1 here (state.h CheetahOTState, "
                        "protocol.cc getClusterLevelMaxConcurrency)",
        "mul_aa": "numel < 2*OLEBatchSize -> Beaver triples from a cache filled by HE MulOLE "
                  "batches; else direct HE MulShare (arithmetic.cc MulAA)",
        "matmul_aa": "two HE DotOLEs (cross terms) concurrently on root link + duplex sub-link",
        "matmul_av": "one HE DotOLE (mmul_sv -> mmul_av, private weight stays in plaintext at its owner)",
        "bumblebee_optimisations": "none switchable in 0.9.5 beyond the above: no "
                                   "enable_heuristic / approx_less_precision config fields exist; "
                                   "matmul packing is on (disable_matmul_pack=false)"},
        "source": "src/libspu/spu.h CheetahConfig, src/libspu/mpc/cheetah/*"},
    "compiler_options": {"value": "all CompilerOptions defaults: enable_optimize_denominator_with_broadcast="
                         "False, disable_div_sqrt_rewrite=False, disable_sqrt_plus_epsilon_rewrite=False, "
                         "disable_reduce_truncation_optimization=False, disable_select_optimization=False, "
                         "disallow_mix_types_opts=False (except the two softmax ops marked otherwise)"},
    "max_concurrency": {"value": MAX_CONCURRENCY, "source": "set by this script (default 0 -> "
                        "yacl::get_num_threads(), i.e. 2 on this machine)"},
}


# ---------------------------------------------------------------------------
# party process
# ---------------------------------------------------------------------------
def parse_log_block(lines):
    """Split a chunk of log lines into per-execution records."""
    runs = []
    cur = None
    section = None
    for ln in lines:
        m = EXEC_LINE.search(ln)
        if m:
            cur = {"exec_s": float(m.group("exe")), "HLO": {}, "HAL": {}, "MPC": {}}
            section = None
            continue
        if cur is None:
            continue
        m = SECTION_LINE.search(ln)
        if m:
            section = m.group("mod")
            continue
        m = PROFILE_LINE.search(ln)
        if m and section:
            cur[section][m.group("name")] = {
                "count": int(m.group("count")), "time_s": float(m.group("dur")),
                "send_bytes": int(m.group("sb")), "recv_bytes": int(m.group("rb")),
                "send_actions": int(m.group("sa")), "recv_actions": int(m.group("ra"))}
            continue
        m = LINK_LINE.search(ln)
        if m:
            cur["link"] = {"send_bytes": int(m.group("sb")), "recv_bytes": int(m.group("rb")),
                           "send_actions": int(m.group("sa")), "recv_actions": int(m.group("ra"))}
            runs.append(cur)
            cur = None
            section = None
    return runs


def party_main(rank, addrs, conn, cfg_bytes, logpath):
    # die with the parent
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass
    import spu.api as api
    import spu.libspu as L

    opts = L.logging.LogOptions()
    opts.enable_console_logger = False
    opts.system_log_path = logpath
    opts.log_level = L.logging.LogLevel.INFO
    L.logging.setup_logging(opts)

    desc = L.link.Desc()
    desc.id = "pisim_spu_costs"
    for i, a in enumerate(addrs):
        desc.add_party(f"party{i}", a)
    desc.recv_timeout_ms = RECV_TIMEOUT_MS
    desc.connect_retry_times = 60
    desc.connect_retry_interval_ms = 1000
    lctx = L.link.create_brpc(desc, rank)
    cfg = L.RuntimeConfig()
    cfg.ParseFromString(cfg_bytes)
    conn.send(("ready", rank))
    logf = open(logpath, "r")
    logf.seek(0, os.SEEK_END)
    while True:
        msg = conn.recv()
        if msg is None:
            break
        try:
            rt = api.Runtime(lctx, cfg)  # fresh SPU context (fresh Cheetah state) per op
            phases = []
            for exe_bytes, shares, nrun in msg:  # [warm-up phase,] measured phase
                exe = L.Executable()
                exe.ParseFromString(exe_bytes)
                walls = []
                outs = None
                for r in range(nrun):
                    for nm, (meta, chunks) in shares.items():
                        s = L.Share()
                        s.meta = meta
                        s.share_chunks = chunks
                        rt.set_var(nm, s)
                    lctx.barrier()
                    t0 = time.perf_counter()
                    rt.run(exe)
                    t1 = time.perf_counter()
                    walls.append(t1 - t0)
                    if r == nrun - 1:
                        outs = [rt.get_var(n) for n in exe.output_names]
                    for n in exe.output_names:
                        rt.del_var(n)
                for nm in shares:
                    rt.del_var(nm)
                time.sleep(0.05)
                runs = parse_log_block(logf.read().splitlines())
                phases.append({"walls": walls, "runs": runs,
                               "outs": [(o.meta, list(o.share_chunks)) for o in outs]})
            del rt  # (Runtime.clear() is not bound in spu 0.9.5)
            lctx.barrier()
            conn.send(("ok", phases))
        except Exception:
            conn.send(("error", traceback.format_exc()))
    try:
        lctx.stop_link()
    except Exception:
        pass


# ---------------------------------------------------------------------------
# wire-level cross-check with ss
# ---------------------------------------------------------------------------
def ss_bytes(ports):
    """bytes_acked per party over established TCP sockets touching the party ports."""
    p0, p1 = ports
    try:
        out = subprocess.run(["ss", "-tinH", "state", "established"], capture_output=True,
                             text=True, timeout=10).stdout
    except Exception:
        return None
    sent = [0, 0]
    lines = out.splitlines()
    i = 0
    while i < len(lines):
        head = lines[i].split()
        info = lines[i + 1] if i + 1 < len(lines) and lines[i + 1].startswith(("\t", " ")) else ""
        i += 2 if info else 1
        if len(head) < 4:
            continue
        try:
            lport = int(head[-2].rsplit(":", 1)[1])
            rport = int(head[-1].rsplit(":", 1)[1])
        except (ValueError, IndexError):
            continue
        laddr, raddr = head[-2].rsplit(":", 1)[0], head[-1].rsplit(":", 1)[0]
        if "127.0.0.1" not in laddr or "127.0.0.1" not in raddr:
            continue
        owner = None
        if lport == p0 or rport == p1:
            owner = 0
        if lport == p1 or rport == p0:
            owner = 1 if owner is None else None
        if owner is None:
            continue
        m = re.search(r"bytes_acked:(\d+)", info)
        if m:
            sent[owner] += int(m.group(1))
    return sent


# ---------------------------------------------------------------------------
# parent
# ---------------------------------------------------------------------------
def free_port_pair(base):
    for p in range(base, base + 400, 2):
        ok = True
        for q in (p, p + 1):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind(("127.0.0.1", q))
            except OSError:
                ok = False
            finally:
                s.close()
        if ok:
            return p, p + 1
    raise SystemExit("no free port pair on 127.0.0.1")


class Parties:
    def __init__(self, cfg, logdir, port_base):
        self.ports = free_port_pair(port_base)
        addrs = [f"127.0.0.1:{p}" for p in self.ports]
        ctx = mp.get_context("spawn")
        self.pipes, self.procs, self.logs = [], [], []
        for r in range(2):
            a, b = ctx.Pipe()
            lp = os.path.join(logdir, f"party{r}.log")
            p = ctx.Process(target=party_main, args=(r, addrs, b, cfg.SerializeToString(), lp),
                            daemon=True)
            p.start()
            self.pipes.append(a)
            self.procs.append(p)
            self.logs.append(lp)
        for r in range(2):
            self._recv(r, 120)

    def _recv(self, r, timeout):
        if not self.pipes[r].poll(timeout):
            raise TimeoutError(f"party {r} did not answer within {timeout}s")
        return self.pipes[r].recv()

    def run(self, phases, timeout=OP_TIMEOUT_S):
        """phases: list of (exe_bytes, [shares_party0, shares_party1], nrun)."""
        for r in range(2):
            self.pipes[r].send([(e, sh[r], n) for e, sh, n in phases])
        t_end = time.time() + timeout
        self.op_peak_rss_mb = self.rss_now_mb()
        # sample the parties' resident set while the op runs
        while not self.pipes[0].poll(0.5):
            self.op_peak_rss_mb = max(self.op_peak_rss_mb, self.rss_now_mb())
            if time.time() > t_end:
                break
        res = []
        for r in range(2):
            st, payload = self._recv(r, max(1, t_end - time.time()))
            if st != "ok":
                raise RuntimeError(f"party {r} failed:\n{payload}")
            res.append(payload)
        return res

    def rss_mb(self):
        tot = 0
        for p in self.procs:
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    for ln in f:
                        if ln.startswith("VmHWM:"):
                            tot += int(ln.split()[1]) // 1024
            except OSError:
                pass
        return tot

    def rss_now_mb(self):
        tot = 0
        for p in self.procs:
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    for ln in f:
                        if ln.startswith("VmRSS:"):
                            tot += int(ln.split()[1]) // 1024
            except OSError:
                pass
        return tot

    def close(self):
        for pp in self.pipes:
            try:
                pp.send(None)
            except Exception:
                pass
        for p in self.procs:
            p.join(15)
        for p in self.procs:
            if p.is_alive():
                p.kill()
                p.join(5)


def compile_op(L, fe, op, args):
    copts = L.CompilerOptions()
    for k, v in op["copts"].items():
        setattr(copts, k, v)
    n = len(args)
    tag = f"op{abs(hash((op_label(op), tuple(sorted(op['copts'].items()))))) % 10**8}"
    exe, _ = fe.compile(fe.Kind.JAX, op["fn"], args, {}, [f"{tag}_in{i}" for i in range(n)],
                        [L.Visibility.VIS_SECRET] * n,
                        lambda outs: [f"{tag}_out{i}" for i in range(len(outs))], copts=copts)
    return exe


def pphlo_histogram(code):
    hist = {}
    for m in re.finditer(r"\b(pphlo\.[a-z_0-9]+)", code):
        k = m.group(1)
        if k in ("pphlo.free", "pphlo.version", "pphlo.return"):
            continue
        hist[k] = hist.get(k, 0) + 1
    return dict(sorted(hist.items()))


def summarize_runs(per_party_runs, walls, warmups):
    """per_party_runs[r] = list of measured run dicts (after warm-up)."""
    out = {"parties": {}}
    nrep = len(per_party_runs[0])
    for r in range(2):
        runs = per_party_runs[r]
        link = [x["link"] for x in runs]
        d = {}
        for k in ("send_bytes", "recv_bytes", "send_actions", "recv_actions"):
            vals = [x[k] for x in link]
            d[k] = int(statistics.median(vals)) if nrep % 2 else statistics.median(vals)
            d[k + "_samples"] = vals
            d[k + "_min"] = min(vals)
            d[k + "_max"] = max(vals)
        d["bytes_sent"] = d["send_bytes"]
        d["bytes_recv"] = d["recv_bytes"]
        d["wall_s_samples"] = [round(w, 6) for w in walls[r]]
        d["spu_exec_s_samples"] = [round(x["exec_s"], 6) for x in runs]
        d["warmup"] = {"link": warmups[r]["link"], "wall_s": round(warmups[r]["wall"], 6),
                       "input_shapes": warmups[r]["shapes"]}
        # per-kernel profile, aggregated over the measured repeats
        for mod in ("HLO", "HAL", "MPC"):
            names = []
            for x in runs:
                for nm in x[mod]:
                    if nm not in names:
                        names.append(nm)
            prof = {}
            for nm in names:
                recs = [x[mod].get(nm) for x in runs]
                recs = [q for q in recs if q is not None]
                e = {"count": recs[0]["count"]}
                if any(q["count"] != e["count"] for q in recs):
                    e["count_samples"] = [q["count"] for q in recs]
                for k in ("send_bytes", "recv_bytes", "send_actions", "recv_actions"):
                    vals = [q[k] for q in recs]
                    if min(vals) == max(vals):
                        e[k] = vals[0]
                    else:
                        e[k] = [min(vals), max(vals)]
                e["time_s_median"] = round(statistics.median(q["time_s"] for q in recs), 6)
                prof[nm] = e
            d[mod.lower() + "_profile"] = prof
        out["parties"][f"party{r}"] = d
    w = [max(walls[0][i], walls[1][i]) for i in range(nrep)]
    out["wall_s"] = round(statistics.median(w), 6)
    out["wall_s_samples"] = [round(x, 6) for x in w]
    # checks
    sym = all(per_party_runs[0][i]["link"]["send_bytes"] == per_party_runs[1][i]["link"]["recv_bytes"]
              and per_party_runs[1][i]["link"]["send_bytes"] == per_party_runs[0][i]["link"]["recv_bytes"]
              and per_party_runs[0][i]["link"]["send_actions"] == per_party_runs[1][i]["link"]["recv_actions"]
              for i in range(nrep))
    mpc_sum = True
    hlo_sum = True
    for r in range(2):
        for x in per_party_runs[r]:
            s = sum(q["send_bytes"] for q in x["MPC"].values())
            h = sum(q["send_bytes"] for q in x["HLO"].values())
            mpc_sum &= (s == x["link"]["send_bytes"])
            hlo_sum &= (h == x["link"]["send_bytes"])
    out["checks"] = {"party0_send_eq_party1_recv_every_run": sym,
                     "sum_mpc_profile_send_bytes_eq_link_every_run": mpc_sum,
                     "sum_hlo_profile_send_bytes_eq_link_every_run": hlo_sum}
    return out


def run_protocol(protocol, ops, args, logroot):
    import jax
    import spu.api as api
    import spu.libspu as L
    from spu.utils import frontend as fe

    cfg = make_config(L, protocol)
    iocfg = L.RuntimeConfig(cfg)
    iocfg.experimental_enable_colocated_optimization = True  # honour owner_rank in Io only
    io = api.Io(2, iocfg)
    logdir = os.path.join(logroot, protocol)
    os.makedirs(logdir, exist_ok=True)
    parties = Parties(cfg, logdir, args.port_base)
    results = []
    peak_rss_seen = 0
    rng = np.random.default_rng(20240917)
    try:
        for op in ops:
            if op["protocols"] and protocol not in op["protocols"]:
                continue
            label = op_label(op)
            reps = args.repeats if args.fixed_repeats else default_repeats(op, args.repeats)
            capped = None
            if protocol in op["cap"] and not args.full_repeats:
                capped = min(reps, op["cap"][protocol])
                reps = capped
            xs = [rng.uniform(i.lo, i.hi, i.shape).astype(np.float32) for i in op["inputs"]]

            def prep(arrays):
                exe = compile_op(L, fe, op, arrays)
                shares = [{}, {}]
                for nm, x, spec in zip(exe.input_names, arrays, op["inputs"]):
                    owner = 1 if spec.holder == "P1" else -1
                    ss = io.make_shares(x, L.Visibility.VIS_SECRET, owner)
                    for r in range(2):
                        shares[r][nm] = (ss[r].meta, list(ss[r].share_chunks))
                return exe, shares

            exe, shares = prep(xs)
            phases = []
            if op["warm"]:
                wxs = [rng.uniform(i.lo, i.hi, shp).astype(np.float32)
                       for i, shp in zip(op["inputs"], op["warm"])]
                wexe, wshares = prep(wxs)
                phases.append((wexe.SerializeToString(), wshares, 1))
                phases.append((exe.SerializeToString(), shares, reps))
            else:
                phases.append((exe.SerializeToString(), shares, 1 + reps))
            load0 = os.getloadavg()
            t0 = time.time()
            wire0 = ss_bytes(parties.ports)
            try:
                res = parties.run(phases, timeout=OP_TIMEOUT_S * (3 if capped else 1))
            except Exception as e:
                log(f"[{protocol}] {label}: FAILED {e}")
                results.append({"name": op["name"], "protocol": protocol, "label": label,
                                "error": str(e)[-2000:],
                                "loadavg_at_start": [round(x, 2) for x in load0]})
                # the other party may be blocked in a recv: restart both
                parties.close()
                parties = Parties(cfg, logdir, args.port_base)
                continue
            wire1 = ss_bytes(parties.ports)
            dt = time.time() - t0
            if op["warm"]:
                wres = [res[r][0] for r in range(2)]
                mres = [res[r][1] for r in range(2)]
                warm = [{"link": wres[r]["runs"][0]["link"], "wall": wres[r]["walls"][0],
                         "shapes": [list(s) for s in op["warm"]]} for r in range(2)]
                runs = [mres[r]["runs"] for r in range(2)]
                walls = [mres[r]["walls"] for r in range(2)]
                allruns = [wres[r]["runs"] + runs[r] for r in range(2)]
            else:
                mres = [res[r][0] for r in range(2)]
                runs0 = [mres[r]["runs"] for r in range(2)]
                walls0 = [mres[r]["walls"] for r in range(2)]
                warm = [{"link": runs0[r][0]["link"], "wall": walls0[r][0], "shapes": "same"}
                        for r in range(2)]
                runs = [runs0[r][1:] for r in range(2)]
                walls = [walls0[r][1:] for r in range(2)]
                allruns = runs0
            if any(len(runs[r]) != reps for r in range(2)):
                raise RuntimeError(f"{label}: expected {reps} measured profile blocks, got "
                                   f"{[len(x) for x in runs]}")
            summ = summarize_runs(runs, walls, warm)
            # numeric check against plaintext jax on CPU
            outs = []
            for r in range(2):
                s = L.Share()
                s.meta, s.share_chunks = mres[r]["outs"][0]
                outs.append(s)
            got = np.asarray(io.reconstruct(outs))
            ref = np.asarray(jax.jit(op["fn"])(*xs))
            if ref.dtype == np.bool_:
                numerics = {"mismatches": int(np.sum(got.astype(bool) != ref)), "n": int(ref.size)}
            else:
                err = np.abs(got.astype(np.float64) - ref.astype(np.float64))
                numerics = {"max_abs_err": float(err.max()), "mean_abs_err": float(err.mean()),
                            "max_abs_ref": float(np.abs(ref).max())}
            entry = {
                "name": op["name"], "protocol": protocol, "label": label, "kind": op["kind"],
                "inputs": [i.describe() for i in op["inputs"]],
                "output_shape": list(ref.shape),
                "secret_inputs": [k for k, i in enumerate(op["inputs"]) if i.holder == "secret"],
                "private_inputs": {str(k): "party1" for k, i in enumerate(op["inputs"])
                                   if i.holder == "P1"},
                "note": op["note"], "compiler_options": op["copts"] or "defaults",
                "repeats": reps, "warmups": 1,
                "warmup_shapes": [list(s) for s in op["warm"]] if op["warm"] else "same as measured",
                "loadavg_at_start": [round(x, 2) for x in load0],
            }
            if capped is not None:
                entry["repeats_capped"] = ("measured repeats capped to keep the script within its "
                                           "time budget; --full-repeats lifts the cap")
            entry.update(summ)
            entry["numerics"] = numerics
            entry["pphlo_ops"] = pphlo_histogram(exe.code.decode())
            if wire0 and wire1:
                link_tot = [sum(x["link"]["send_bytes"] for x in allruns[r]) for r in range(2)]
                acts = [sum(x["link"]["send_actions"] for x in allruns[r]) for r in range(2)]
                wire = [wire1[r] - wire0[r] for r in range(2)]
                entry["checks"]["wire_tcp_bytes_acked_over_op"] = wire
                entry["checks"]["link_send_bytes_sum_over_op"] = link_tot
                entry["checks"]["wire_minus_link_per_send_action"] = [
                    round((wire[r] - link_tot[r]) / acts[r], 1) if acts[r] else None for r in range(2)]
            entry["elapsed_s_incl_setup"] = round(dt, 3)
            entry["peak_rss_mb_both_parties_sampled"] = parties.op_peak_rss_mb
            # freed SPU runtimes do not give their memory back to the OS (the party
            # processes' RSS ratchets up over the batch); start fresh processes when
            # the two parties together hold more than --restart-rss-mb.
            if parties.rss_now_mb() > args.restart_rss_mb:
                log(f"[{protocol}] party RSS {parties.rss_now_mb()} MB > {args.restart_rss_mb}: "
                    "restarting the party processes")
                peak_rss_seen = max(peak_rss_seen, parties.rss_mb())
                parties.close()
                parties = Parties(cfg, logdir, args.port_base)
            results.append(entry)
            p0 = entry["parties"]["party0"]
            p1 = entry["parties"]["party1"]
            log(f"[{protocol}] {label}: p0 sent {p0['send_bytes']} ({p0['send_bytes_min']}..{p0['send_bytes_max']})"
                f" p1 sent {p1['send_bytes']} acts {p0['send_actions']}/{p1['send_actions']}"
                f" wall {entry['wall_s']:.3f}s  [{dt:.1f}s]  {numerics}")
    finally:
        rss = max(peak_rss_seen, parties.rss_mb())
        parties.close()
    return results, dump_config_fields(cfg), rss


def machine_info():
    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    cpu = ln.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as f:
            mem = f.readline().split(":")[1].strip()
    except OSError:
        pass
    return {"cpu_model": cpu, "nproc": os.cpu_count(),
            "sched_affinity": len(os.sched_getaffinity(0)), "mem_total": mem,
            "platform": platform.platform()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--protocols", default=",".join(PROTOCOLS))
    ap.add_argument("--ops", default="*",
                    help="comma-separated fnmatch patterns on op names/labels ('[' as '[[]')")
    ap.add_argument("--repeats", type=int, default=3, help="measured repeats after 1 warm-up")
    ap.add_argument("--fixed-repeats", action="store_true",
                    help="use --repeats for every op (default: cheap ops get at least 5)")
    ap.add_argument("--full-repeats", action="store_true",
                    help="ignore per-op repeat caps (gelu_erf [128,3072] on CHEETAH)")
    ap.add_argument("--port-base", type=int, default=61400)
    ap.add_argument("--restart-rss-mb", type=int, default=3000,
                    help="restart both party processes after an op when their summed RSS "
                         "exceeds this (bounds the batch's memory)")
    ap.add_argument("--keep-logs", default=None, help="directory for the raw party logs")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    # libspu / yacl print some lines on the C-level stdout: keep fd 1 for the
    # JSON document only and send everything else to stderr.
    sys.stdout.flush()
    json_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    if args.repeats < 3:
        log("warning: fewer than 3 repeats")

    import jax
    import jaxlib
    import spu

    ops = build_ops()
    pats = [p.strip() for p in args.ops.split(",") if p.strip()]
    ops = [o for o in ops if any(fnmatch.fnmatch(op_label(o), p) or fnmatch.fnmatch(o["name"], p)
                                 for p in pats)]
    if args.list:
        for o in ops:
            print(op_label(o), o["copts"] or "", file=json_out)
        json_out.flush()
        return

    logroot = args.keep_logs or tempfile.mkdtemp(prefix="spu_costs_")
    os.makedirs(logroot, exist_ok=True)
    t_start = time.time()
    load_before = os.getloadavg()
    all_ops = []
    configs = {}
    peak_rss = {}
    for prot in [p.strip() for p in args.protocols.split(",") if p.strip()]:
        log(f"=== {prot} ===")
        res, cfgdump, rss = run_protocol(prot, ops, args, logroot)
        all_ops.extend(res)
        configs[prot] = cfgdump
        peak_rss[prot] = rss
    load_after = os.getloadavg()

    import spu.libspu as L

    doc = {
        "spu_version": spu.__version__,
        "jax_version": jax.__version__,
        "jaxlib_version": jaxlib.__version__,
        "numpy_version": np.__version__,
        "python_version": sys.version.split()[0],
        "spu_source_reference": {
            "repo": "secretflow/spu", "tag": "0.9.5rc2",
            "commit": "2ad9980b (release/0.9.x; SPU_VERSION = 0.9.5 in version.bzl)",
            "yacl": "0.4.5b10-nightly-20250110 (MODULE.bazel)",
            "note": "source paths in this file are relative to that tree (src/libspu/...)"},
        "machine": dict(machine_info(), loadavg_before=[round(x, 2) for x in load_before],
                        loadavg_after=[round(x, 2) for x in load_after],
                        note="2-core machine shared with other builds: wall times are noisy"),
        "harness": {
            "parties": "2 OS processes (multiprocessing spawn), one spu.api.Runtime each",
            "link": "libspu.link.create_brpc, 127.0.0.1 only, default brpc options, "
                    f"recv_timeout_ms={RECV_TIMEOUT_MS}",
            "threads": {"RuntimeConfig.max_concurrency": MAX_CONCURRENCY,
                        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
                        "note": "Cheetah MulAA/SquareA/MatMulAA use std::async for their two halves "
                                "regardless; brpc has its own I/O threads"},
            "runtime_per_op": "fresh Runtime (fresh protocol state) per op; 1 warm-up run then "
                              "`repeats` measured runs on the same Runtime",
            "profiling": "enable_pphlo_profile=true, enable_hal_profile=true in every run (the "
                         "counters come from the profile log); recording costs one clock read and "
                         "4 atomic loads per traced kernel",
            "total_elapsed_s": round(time.time() - t_start, 1),
            "peak_rss_mb_both_parties": peak_rss,
            "logs": logroot if args.keep_logs else "(temporary, deleted)",
        },
        "runtime_config": {
            "as_passed_to_Runtime (python RuntimeConfig fields)": configs,
            "effective_defaults": EFFECTIVE_DEFAULTS,
        },
        "compiler_options_defaults": {k: getattr(L.CompilerOptions(), k)
                                      for k in dir(L.CompilerOptions())
                                      if not k.startswith("_") and not k.endswith("dir")
                                      and k != "xla_pp_kind"},
        "conventions": {
            "bytes_sent": "bytes this party handed to its yacl link (root link + every Spawn()ed "
                          "sub-link: OT, HE duplex), i.e. the delta of "
                          "yacl::link::Context::GetStats()->sent_bytes over one Runtime.run, as "
                          "printed by SPU's 'Link details' profiling line. Payload bytes only: brpc / "
                          "protobuf framing is not included (see checks.wire_*). 1 kB = 1000 B; no "
                          "GB / MB conversions anywhere.",
            "bytes_recv": "same, received (delta of recv_bytes)",
            "send_actions": "number of link send calls (Send / SendAsync / SendAsyncThrottled) by "
                            "this party, = messages; a large tensor is one action (brpc chunks it "
                            "below the counter). Not rounds: Cheetah overlaps sub-links.",
            "recv_actions": "number of link Recv calls",
            "per party": "party0 = rank 0, party1 = rank 1 (owner of private weights). "
                         "Both parties' counters are reported; party0.send == party1.recv.",
            "value reported": "median over the measured repeats (after 1 warm-up on a fresh "
                              "runtime); *_samples lists every measured repeat, *_min/*_max their "
                              "range. warmup = the first run of a fresh runtime (includes one-time "
                              "setup: Ferret base OTs, HE key exchange, first Beaver batch)",
            "wall_s": "per repeat max over the two parties of time.perf_counter() around "
                      "Runtime.run(executable) after a link barrier; median of repeats. "
                      "spu_exec_s_samples = SPU's own 'execution took' time per party.",
            "hlo/hal/mpc_profile": "SPU profiler records aggregated by kernel name for one run "
                                   "(count per run; bytes are per run, [min, max] over repeats "
                                   "when they differ). Only 'leaf' kernels are recorded and a leaf "
                                   "masks nested kernels of the same layer, so within one layer the "
                                   "records do not overlap and sum to the link total; across layers "
                                   "they are the same bytes seen at different levels.",
            "shapes": "row-major; softmax/layernorm over the last axis",
        },
        "ops": all_ops,
    }
    json.dump(doc, json_out, indent=1)
    json_out.write("\n")
    json_out.flush()


if __name__ == "__main__":
    main()
