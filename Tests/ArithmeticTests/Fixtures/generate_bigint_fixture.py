#!/usr/bin/env python3
"""Generates bigint_fixture.json: big-integer results computed with Python's own
integers, an oracle independent of GMP. Run from this folder:

    python3 generate_bigint_fixture.py > bigint_fixture.json

Deterministic (fixed seed). Integers are written in decimal strings.
"""
import json
import math
import random

GMP_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def to_radix(n: int, radix: int) -> str:
    """GMP's mpz_get_str with a positive base: lower-case letters for radix <= 36,
    A-Z = 10..35 and a-z = 36..61 above 36."""
    if n == 0:
        return "0"
    sign = "-" if n < 0 else ""
    n = abs(n)
    digits = []
    while n:
        n, d = divmod(n, radix)
        digits.append(GMP_DIGITS[d])
    text = "".join(reversed(digits))
    if radix <= 36:
        text = text.lower()
    return sign + text


def trunc_div(a: int, b: int):
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    return q, a - q * b


def main():
    rng = random.Random(20261125)
    cases = []
    for i in range(200):
        bits_a = rng.choice([1, 63, 64, 65, 127, 128, 129, 200, 521, 1024, 2048])
        bits_b = rng.choice([2, 32, 64, 100, 128, 256, 600])
        a = rng.getrandbits(bits_a) * rng.choice([1, -1])
        b = rng.getrandbits(bits_b) | 1
        b *= rng.choice([1, -1])
        m = rng.getrandbits(rng.choice([61, 64, 127, 255, 400, 1000])) | 1
        m = max(m, 3)
        e = rng.getrandbits(rng.choice([1, 16, 64, 300]))
        shift = rng.choice([0, 1, 13, 64, 65, 200])
        q, r = trunc_div(a, b)
        inv = None
        if math.gcd(a, m) == 1:
            inv = pow(a, -1, m)
        cases.append({
            "a": str(a), "b": str(b), "m": str(m), "e": str(e), "shift": shift,
            "sum": str(a + b), "difference": str(a - b), "product": str(a * b),
            "quotient": str(q), "remainder": str(r),
            "floor_quotient": str(a // b), "floor_remainder": str(a % b),
            "modulo": str(a % m),
            "power_mod": str(pow(a % m, e, m)),
            "inverse": None if inv is None else str(inv),
            "gcd": str(math.gcd(a, b)),
            "shift_left": str(a << shift), "shift_right": str(a >> shift),
            "radix2": to_radix(a, 2), "radix16": to_radix(a, 16),
            "radix36": to_radix(a, 36), "radix62": to_radix(a, 62),
            "double": float(a) if abs(a).bit_length() < 1024 else None,
        })
    print(json.dumps({"generator": "Python " + ".".join(map(str, __import__("sys").version_info[:3])) +
                      " integers, seed 20261125", "cases": cases}, indent=1))


if __name__ == "__main__":
    main()
