#!/usr/bin/env python3
"""
Faithful (op-by-op) Python transcription of OpenFHE's CKKS Chebyshev-series evaluation
(openfhe-development v1.5.1, identical code path in v1.5.0; same op sequence as v1.4.2)
under the FLEXIBLEAUTO scaling technique (compositeDegree = 1), tracking for every ciphertext:
    level  (= ct.GetLevel(): number of rescalings / dropped towers so far)
    nsd    (= ct.GetNoiseScaleDeg(): 1 = scale Delta, 2 = Delta^2, i.e. rescale pending)
    val    (plaintext value vector, so the transcription can be checked numerically)
and counting every homomorphic primitive.

Sources transcribed (line numbers refer to the v1.5.1 files copied into ./src/):
  src/ckksrns-advancedshe.cpp : internalEvalChebyPolysLinear (572-621),
      internalEvalChebyshevSeriesLinearWithPrecomp (624-647), InnerEvalChebyshevPS (650-761),
      internalEvalChebyPolysPS (763-841), internalEvalChebyshevSeriesPSWithPrecomp (844-862),
      EvalPartialLinearWSum (143-193), EvalChebyshevSeries dispatch (882-896, threshold Degree<5)
  src/ckksrns-utils.cpp : LongDivisionChebyshev (183-282), ComputeDegreesPS (299-350),
      GetDepthByDegree (82-116)
  src/ckksrns-leveledshe.cpp : EvalMultInPlace(double) (132-139), ModReduceInternalInPlace (172-195),
      AdjustLevelsAndDepthInPlace (603-734), AdjustLevelsAndDepthToOneInPlace (736-746),
      EvalMultCoreInPlace (748-759)
  src/rns-leveledshe.cpp : EvalAddInPlace (53-63), EvalMult (182-192), EvalSquare (200-210),
      ModReduceInPlace (317-321: no-op unless FIXEDMANUAL), LevelReduceInPlace (336-343: no-op
      unless FIXEDMANUAL), AdjustForAddOrSubInPlace (402-477), AdjustForMultInPlace (479-485)
  core/lib/math/chebyshev.cpp : EvalChebyshevCoefficients
"""
import math
import numpy as np

# ----------------------------------------------------------------------------------------------
# counters
# ----------------------------------------------------------------------------------------------
CNT = {}


def reset():
    CNT.clear()
    for key in ["ctct_mult", "ctct_square", "const_mult", "adjust_mult", "rescale", "level_reduce",
                "ct_add", "const_add", "adjust_calls"]:
        CNT[key] = 0


reset()


class Ct:
    __slots__ = ("level", "nsd", "val")

    def __init__(self, level, nsd, val):
        self.level, self.nsd, self.val = level, nsd, np.array(val, dtype=float)

    def clone(self):
        return Ct(self.level, self.nsd, self.val.copy())

    def eff(self):  # levels effectively consumed (a pending rescale counts as one)
        return self.level + self.nsd - 1


# ---- primitive ops (LeveledSHECKKSRNS / LeveledSHERNS, FLEXIBLEAUTO) ----------------------------
def mod_reduce_internal(ct):
    assert ct.nsd >= 2, "rescale of a degree-1 ciphertext"
    ct.level += 1
    ct.nsd -= 1
    CNT["rescale"] += 1


def level_reduce_internal(ct, l):
    if l > 0:
        ct.level += l
        CNT["level_reduce"] += 1


def mult_core_const(ct, c, hidden):
    ct.nsd += 1
    ct.val = ct.val * c
    CNT["adjust_mult" if hidden else "const_mult"] += 1


def adjust_levels_and_depth(c1, c2):
    """AdjustLevelsAndDepthInPlace, ckksrns-leveledshe.cpp 603-734 (compositeDegree = 1)."""
    CNT["adjust_calls"] += 1
    l1, l2, d1, d2 = c1.level, c2.level, c1.nsd, c2.nsd
    if l1 < l2:
        _adj_low(c1, l1, d1, l2, d2)
    elif l1 > l2:
        _adj_low(c2, l2, d2, l1, d1)
    else:
        if d1 < d2:
            mult_core_const(c1, 1.0, True)
        elif d2 < d1:
            mult_core_const(c2, 1.0, True)


def _adj_low(c, lc, dc, lo, do):
    """bring ciphertext c (level lc, depth dc) up to level lo with depth do (lc < lo)."""
    if dc == 2:
        if do == 2:
            mult_core_const(c, 1.0, True)
            mod_reduce_internal(c)
            if lc + 1 < lo:
                level_reduce_internal(c, lo - lc - 1)
        else:
            if lc + 1 == lo:
                mod_reduce_internal(c)
            else:
                mult_core_const(c, 1.0, True)
                mod_reduce_internal(c)
                if lc + 2 < lo:
                    level_reduce_internal(c, lo - lc - 2)
                mod_reduce_internal(c)
    else:
        if do == 2:
            mult_core_const(c, 1.0, True)
            level_reduce_internal(c, lo - lc)
        else:
            mult_core_const(c, 1.0, True)
            if lc + 1 < lo:
                level_reduce_internal(c, lo - lc - 1)
            mod_reduce_internal(c)
    assert c.level == lo and c.nsd == do, (lc, dc, lo, do, c.level, c.nsd)


def adjust_to_one(c1, c2):
    adjust_levels_and_depth(c1, c2)
    if c1.nsd == 2:
        mod_reduce_internal(c1)
        mod_reduce_internal(c2)


def eval_mult(a, b):  # cc->EvalMult(ct, ct): clone, AdjustForMult, MultCore, relinearize
    c1, c2 = a.clone(), b.clone()
    adjust_to_one(c1, c2)
    CNT["ctct_mult"] += 1
    return Ct(c1.level, c1.nsd + c2.nsd, c1.val * c2.val)


def eval_square(a):  # rns-leveledshe.cpp 200-210
    c = a
    if a.nsd == 2:
        c = a.clone()
        mod_reduce_internal(c)
    CNT["ctct_square"] += 1
    return Ct(c.level, 2 * c.nsd, c.val * c.val)


def eval_mult_const_inplace(ct, c):  # ckksrns-leveledshe.cpp 132-139
    if ct.nsd == 2:
        mod_reduce_internal(ct)
    mult_core_const(ct, c, False)


def eval_mult_const(ct, c):
    r = ct.clone()
    eval_mult_const_inplace(r, c)
    return r


def eval_add_inplace(c1, c2, sign=1.0):  # also EvalSubInPlace
    c2c = c2.clone()
    adjust_levels_and_depth(c1, c2c)
    c1.val = c1.val + sign * c2c.val
    CNT["ct_add"] += 1


def eval_add(c1, c2, sign=1.0):
    r = c1.clone()
    eval_add_inplace(r, c2, sign)
    return r


def add_nocheck(c1, c2):  # cc->EvalAddInPlaceNoCheck: raw polynomial addition, no adjustment
    assert c1.level == c2.level and c1.nsd == c2.nsd
    c1.val = c1.val + c2.val
    CNT["ct_add"] += 1


def add_const_inplace(ct, s):  # cc->EvalAddInPlace(ct, double): returns early if s == 0
    if s == 0.0:
        return
    ct.val = ct.val + s
    CNT["const_add"] += 1


def add_const(ct, s):  # cc->EvalAdd(ct, double): no zero check
    r = ct.clone()
    r.val = r.val + s
    CNT["const_add"] += 1
    return r


# ---- polynomial helpers (ckksrns-utils.h / .cpp) ---------------------------------------------
def is_not_equal_one(v, delta=2.0 ** -44):
    return abs(v - 1.0) > delta


def is_not_equal_neg_one(v, delta=2.0 ** -44):
    return abs(v + 1.0) > delta


def degree(c):
    i = len(c)
    while i > 0:
        i -= 1
        if abs(c[i]) > 0.0:
            break
    return i


def long_division_chebyshev(f, g):
    """ckksrns-utils.cpp 183-282; returns (q, r) lists."""
    n = degree(f)
    assert n == len(f) - 1
    k = degree(g)
    assert k == len(g) - 1
    if n < k:
        return [0.0], list(f)
    q = [0.0] * (n - k + 1)
    r = list(f)
    while n > k:
        d = [0.0] * (n + 1)
        q[n - k] = 2.0 * r[-1]
        if is_not_equal_one(g[k]):
            q[n - k] /= g[-1]
        if k == n - k:
            d[0] = 2.0 * g[n - k]
            for i in range(1, 2 * k + 1):
                d[i] = g[abs(n - k - i)]
        else:
            if k > (n - k):
                d[0] = 2.0 * g[n - k]
                for i in range(1, k - (n - k) + 1):
                    d[i] = g[abs(n - k - i)] + g[n - k + i]
                for i in range(k - (n - k) + 1, n + 1):
                    d[i] = g[abs(i - n + k)]
            else:
                d[n - k] = g[0]
                for i in range(n - 2 * k, n + 1):
                    if i != n - k:
                        d[i] = g[abs(i - n + k)]
        if is_not_equal_one(r[-1]):
            rb = r[-1]
            d = [x * rb for x in d]
        if is_not_equal_one(g[-1]):
            gb = g[-1]
            d = [x / gb for x in d]
        r = [a - b for a, b in zip(r, d)]  # std::transform over r.size() == n+1 entries
        if len(r) > 1:
            n = degree(r)
            r = r[:n + 1]
    if n == k:
        d = list(g)
        q[0] = r[-1]
        if is_not_equal_one(g[-1]):
            q[0] /= g[-1]
        if is_not_equal_one(r[-1]):
            rb = r[-1]
            d = [x * rb for x in d]
        if is_not_equal_one(g[-1]):
            gb = g[-1]
            d = [x / gb for x in d]
        r = [a - b for a, b in zip(r, d)]
        if len(r) > 1:
            n = degree(r)
            r = r[:n + 1]
    q[0] *= 2.0
    return q, r


PS_RANGEMAP = [(2, 1), (11, 2), (13, 3), (17, 2), (55, 3), (59, 4), (76, 3), (239, 4), (247, 5), (284, 4),
               (991, 5), (1007, 6), (1083, 5), (2015, 6), (2031, 7), (2204, 6)]


def compute_degrees_ps(n):
    """ckksrns-utils.cpp 299-350"""
    assert n > 0
    if n <= 2204:
        m = next(mm for ub, mm in PS_RANGEMAP if n <= ub)
        k = n // ((1 << m) - 1) + 1
        return k, m
    best = None
    for k in range(1, n + 1):
        for m in range(1, int(math.ceil(math.log2(n // k) + 1) + 1) + 1 if n // k > 0 else 1):
            if n < k * ((1 << m) - 1):
                if abs(math.floor(math.log2(k)) - math.floor(math.log2(math.sqrt(n // 2)))) <= 1.0:
                    mult = k + 2 * m + (1 << (m - 1)) - 4
                    if best is None or mult < best[0]:
                        best = (mult, k, m)
    return best[1], best[2]


DEPTH_RANGEMAP = [(0, 0), (1, 1), (2, 2), (4, 3), (5, 4), (13, 5), (27, 6), (59, 7), (119, 8), (247, 9),
                  (495, 10), (1007, 11), (2031, 12), (4031, 13), (8127, 14), (16255, 15), (32639, 16),
                  (65279, 17), (130815, 18), (261631, 19)]


def get_depth_by_degree(d):
    return next(dd for ub, dd in DEPTH_RANGEMAP if d <= ub)


def eval_chebyshev_coefficients(func, a, b, degree_):
    """core/lib/math/chebyshev.cpp EvalChebyshevCoefficients (c0 NOT halved)."""
    total = degree_ + 1
    bma, bpa = 0.5 * (b - a), 0.5 * (b + a)
    pbd = math.pi / total
    pts = [func(math.cos(pbd * (i + 0.5)) * bma + bpa) for i in range(total)]
    mf = 2.0 / total
    coeffs = []
    for i in range(total):
        s = 0.0
        for j in range(total):
            s += pts[j] * math.cos(pbd * i * (j + 0.5))
        coeffs.append(s * mf)
    return coeffs


# ---- linear method ----------------------------------------------------------------------------
def linear_transform(x, a, b):
    if not is_not_equal_neg_one(a) and not is_not_equal_one(b):
        return x.clone()
    alpha = 2.0 / (b - a)
    beta = a * alpha
    t0 = eval_mult_const(x, alpha)
    add_const_inplace(t0, -1.0 - beta)
    return t0


def cheby_polys_linear(x, coefficients, a, b):  # advancedshe.cpp 572-621
    k = len(coefficients) - 1
    T = [None] * k
    T[0] = linear_transform(x, a, b)
    for i in range(2, k + 1):
        if i & 1:
            T[i - 1] = eval_mult(T[i // 2 - 1], T[i // 2])
            add_nocheck(T[i - 1], T[i - 1].clone())
            eval_add_inplace(T[i - 1], T[0], -1.0)
        else:
            T[i - 1] = eval_square(T[i // 2 - 1])
            add_nocheck(T[i - 1], T[i - 1].clone())
            add_const_inplace(T[i - 1], -1.0)
    # v1.5.1: LevelReduceInPlace loop (617-618) = no-op in FLEXIBLEAUTO; v1.6.1: AdjustLevelsAndDepthInPlace
    if LINEAR_ALIGN_V161:
        for i in range(1, k):
            adjust_levels_and_depth(T[i - 1], T[k - 1])
    return T


def series_linear(T, coefficients):  # advancedshe.cpp 624-647
    k = len(coefficients) - 2
    result = eval_mult_const(T[k], coefficients[k + 1])
    for i in range(k):
        if abs(coefficients[i + 1]) > 2.0 ** -44:  # IsNotEqualZero(v) default delta = 2^-44 (ckksrns-utils.h)
            eval_mult_const_inplace(T[i], coefficients[i + 1])
            eval_add_inplace(result, T[i])
    add_const_inplace(result, coefficients[0] / 2.0)
    return result


# ---- Paterson-Stockmeyer ----------------------------------------------------------------------
def partial_linear_wsum(cts_in, constants, limit):  # advancedshe.cpp 143-193
    cts = [c.clone() for c in cts_in[:limit]]
    max_level, max_idx = cts[0].level, 0
    for i in range(1, limit):
        if cts[i].level > max_level or (cts[i].level == max_level and cts[i].nsd == 2):
            max_level, max_idx = cts[i].level, i
    for i in range(limit):
        if i != max_idx:
            adjust_levels_and_depth(cts[i], cts[max_idx])
    if cts[max_idx].nsd == 2:
        for i in range(limit):
            mod_reduce_internal(cts[i])
    eval_mult_const_inplace(cts[0], constants[1])
    for i in range(1, limit):
        eval_mult_const_inplace(cts[i], constants[i + 1])
        add_nocheck(cts[0], cts[i])
    return cts[0]


TRACE = []

# OpenFHE v1.6.1 (PyPI wheel; source not in the mirror) behaves as if the linear method aligned T_1..T_{d-1}
# to T_d with AdjustLevelsAndDepthInPlace (as the PS path does, A:815-816) instead of the no-op LevelReduceInPlace
# loop of v1.5.1 (A:617-618). Established with gdb call counts (see chebyshev_ps.md, "Version note").
LINEAR_ALIGN_V161 = True


def inner_ps(coefficients, k, m, T, T2, depth=0):  # advancedshe.cpp 650-761
    TRACE.append((depth, m, degree(coefficients)))
    k2m2k = k * (1 << (m - 1)) - k
    Tkm = [0.0] * (k2m2k + k + 1)
    Tkm[-1] = 1.0
    q, r2 = long_division_chebyshev(coefficients, Tkm)
    n = degree(r2)
    if n >= k2m2k:  # static_cast<int32_t>(k2m2k - n) <= 0
        r2 = r2[:n + 1] + [0.0] * max(0, n + 1 - len(r2))
        r2[k2m2k] -= 1.0
    else:
        r2 = (r2 + [0.0] * (k2m2k + 1))[:k2m2k + 1]
        r2[-1] = -1.0
    cq, s2 = long_division_chebyshev(r2, q)

    # qu
    if degree(q) > k:
        qu = inner_ps(q, k, m - 1, T, T2, depth + 1)
    else:
        qu = T[k - 1].clone()
        limit = int(math.log2(q[-1]))
        for _ in range(limit):
            add_nocheck(qu, qu.clone())
        add_const_inplace(qu, q[0] / 2.0)
        qq = (q + [0.0] * k)[:k]
        nq = degree(qq)
        if nq > 0:
            eval_add_inplace(qu, partial_linear_wsum(T, qq, nq))
    # su
    s2 = (s2 + [0.0] * (k2m2k + 1))[:k2m2k + 1]
    s2[-1] = 1.0
    if degree(s2) > k:
        su = inner_ps(s2, k, m - 1, T, T2, depth + 1)
    else:
        su = T[k - 1].clone()
        ss = (s2 + [0.0] * k)[:k]
        ns = degree(ss)
        if ns > 0:
            eval_add_inplace(su, partial_linear_wsum(T, ss, ns))
        add_const_inplace(su, ss[0] / 2.0)
    # cu
    cu = None
    nc = degree(cq)
    if nc >= 1:
        if nc == 1:
            if is_not_equal_one(cq[1]):
                cu = eval_mult_const(T[0], cq[1])
            else:
                cu = T[0].clone()
        else:
            cu = partial_linear_wsum(T, cq, nc)
        add_const_inplace(cu, cq[0] / 2.0)
    cu = eval_add(T2[m - 1], cu) if cu is not None else add_const(T2[m - 1], cq[0] / 2.0)
    result = eval_mult(cu, qu)
    eval_add_inplace(result, su)
    return result


def cheby_polys_ps(x, deg, a, b):  # advancedshe.cpp 763-841
    k, m = compute_degrees_ps(deg)
    T = [None] * k
    T[0] = linear_transform(x, a, b)
    for i in range(2, k + 1):
        if i & 1:
            T[i - 1] = eval_mult(T[i // 2 - 1], T[i // 2])
            add_nocheck(T[i - 1], T[i - 1].clone())
            eval_add_inplace(T[i - 1], T[0], -1.0)
        else:
            T[i - 1] = eval_square(T[i // 2 - 1])
            add_nocheck(T[i - 1], T[i - 1].clone())
            add_const_inplace(T[i - 1], -1.0)
    baby_levels = [(t.level, t.nsd) for t in T]
    for i in range(1, k):  # FLEXIBLEAUTO branch (815-816): in-place adjust to T_k
        adjust_levels_and_depth(T[i - 1], T[k - 1])
    T2 = [None] * m
    T2[0] = T[-1]
    T2km1 = T[-1]
    for i in range(1, m):
        T2[i] = eval_square(T2[i - 1])
        add_nocheck(T2[i], T2[i].clone())
        add_const_inplace(T2[i], -1.0)
        T2km1 = eval_mult(T2km1, T2[i])
        add_nocheck(T2km1, T2km1.clone())
        eval_add_inplace(T2km1, T2[0], -1.0)
    return T, T2, T2km1, k, m, baby_levels


def series_ps(T, T2, T2km1, k, m, coefficients):  # advancedshe.cpp 844-862
    k2m2k = k * (1 << (m - 1)) - k
    f2 = list(coefficients)[:degree(coefficients) + 1]
    f2 = (f2 + [0.0] * (2 * k2m2k + k + 1))[:2 * k2m2k + k + 1]
    f2[-1] = 1.0
    return eval_add(inner_ps(f2, k, m, T, T2), T2km1, -1.0)


def eval_chebyshev_series(x, coeffs, a, b):
    """AdvancedSHECKKSRNS::EvalChebyshevSeries (882-896). Returns (ct, info)."""
    d = degree(coeffs)
    TRACE.clear()
    if d < 5:
        T = cheby_polys_linear(x, coeffs, a, b)
        pre = dict(CNT)
        res = series_linear(T, coeffs)
        return res, dict(method="linear", pre=pre, T_levels=[(t.level, t.nsd) for t in T])
    T, T2, T2km1, k, m, baby = cheby_polys_ps(x, d, a, b)
    pre = dict(CNT)
    info = dict(method="PS", k=k, m=m, pre=pre, baby_levels=baby,
                Tk=(T[-1].level, T[-1].nsd), T2=[(t.level, t.nsd) for t in T2], T2km1=(T2km1.level, T2km1.nsd))
    res = series_ps(T, T2, T2km1, k, m, coeffs)
    info["inner_calls"] = len(TRACE)
    info["trace"] = list(TRACE)
    return res, info


def cheb_ref(coeffs, a, b, xs):
    y = (2.0 * xs - (a + b)) / (b - a)
    return np.polynomial.chebyshev.chebval(y, [coeffs[0] / 2.0] + list(coeffs[1:]))


def run(func, a, b, deg, xs=None):
    if xs is None:
        xs = np.linspace(a, b, 257)
    reset()
    coeffs = eval_chebyshev_coefficients(func, a, b, deg)
    x = Ct(0, 1, xs)
    res, info = eval_chebyshev_series(x, coeffs, a, b)
    ref = cheb_ref(coeffs, a, b, xs)
    info.update(level=res.level, nsd=res.nsd, eff_depth=res.eff(), counts=dict(CNT),
                transcription_err=float(np.max(np.abs(res.val - ref))),
                approx_err=float(np.max(np.abs(ref - np.vectorize(func)(xs)))),
                table_depth=get_depth_by_degree(deg))
    return info


if __name__ == "__main__":
    import json
    import sys
    degs = list(range(1, 17)) + [27, 59, 119, 247]
    out = {}
    for name, (a, b) in [("general[-8,8]", (-8.0, 8.0)), ("[-1,1]", (-1.0, 1.0))]:
        rows = []
        for d in degs:
            inf = run(math.exp if a == -1 else (lambda t: math.exp(t / 4)), a, b, d)
            c = inf["counts"]
            rows.append(inf)
            print(f"{name:14s} d={d:4d} {inf['method']:6s} k,m={inf.get('k','-')},{inf.get('m','-')} "
                  f"level={inf['level']} nsd={inf['nsd']} eff={inf['eff_depth']} table={inf['table_depth']} "
                  f"ctct={c['ctct_mult']}+sq{c['ctct_square']} const={c['const_mult']} adj={c['adjust_mult']} "
                  f"resc={c['rescale']} add={c['ct_add']} cadd={c['const_add']} inner={inf.get('inner_calls','-')} "
                  f"terr={inf['transcription_err']:.1e}", file=sys.stderr)
        out[name] = rows
    json.dump(out, open("/work/helpers/openfhe/sim_results.json", "w"), indent=1, default=str)
