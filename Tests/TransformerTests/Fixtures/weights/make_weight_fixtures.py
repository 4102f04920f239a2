#!/usr/bin/env python3
"""Writes the weight-file fixtures for WeightFileTests.swift into this directory.

Independent writers: the `safetensors` package (safetensors.numpy.save_file) and numpy
(np.save / np.lib.format.write_array). BF16 has no numpy dtype, so its tensor is saved as
U16 holding the bfloat16 bit patterns and the header's dtype is then rewritten to "BF16".

expected.json maps a path (relative to this directory: a file, or the `npy` directory) to
{tensor name: {"dtype", "shape", "values", "bits"}}; "bits" are the IEEE float64 bit
patterns (16 hex digits) of the values after rounding to the stored dtype, so the Swift
reader must match them exactly. "values" are the same numbers, for reading.

Usage: python3 make_weight_fixtures.py   (needs numpy and safetensors)
"""

import json
import math
import os
import struct

import numpy as np
from safetensors.numpy import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)
expected = {}


def record(path, name, array, dtype=None):
    """Adds `array` (already in its stored precision) to expected.json under path/name."""
    as_double = np.ascontiguousarray(array, dtype=np.float64)
    values = [v if math.isfinite(v) else repr(v) for v in as_double.ravel().tolist()]
    bits = [format(b, "016x") for b in as_double.ravel().view(np.uint64).tolist()]
    expected.setdefault(path, {})[name] = {
        "dtype": dtype or array.dtype.str, "shape": list(array.shape), "values": values, "bits": bits}


def bfloat16_bits(x):
    """float32 -> bfloat16 bit patterns, rounding to nearest even (finite inputs)."""
    b = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)


def out(*parts):
    path = os.path.join(HERE, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


# --- tiny.safetensors -------------------------------------------------------------------
half = np.concatenate([rng.standard_normal(3), [2.0**-20, 65504.0, -0.0, np.inf]]).astype(np.float16)
bf16 = bfloat16_bits(rng.standard_normal(4).astype(np.float32) * 3)
tensors = {
    "h.0.attn.c_attn.weight": rng.standard_normal((2, 3)).astype(np.float32),
    "h.0.attn.c_attn.bias": half,                                   # F16, incl. subnormal, max, -0, inf
    "h.0.mlp.c_fc.weight": rng.standard_normal((2, 3, 4)),          # F64, 3-d
    "h.0.ln_1.weight": bf16,                                        # becomes BF16 below
    "step": np.array(-1234567, dtype=np.int64),                     # I64 scalar, shape ()
    "token_ids": rng.integers(-50000, 50000, size=5).astype(np.int32),
    "small.i16": np.array([-32768, 7, 32767], dtype=np.int16),
    "small.i8": np.array([-128, 0, 127], dtype=np.int8),
    "small.u8": np.array([0, 128, 255], dtype=np.uint8),
    "mask": np.array([True, False, False, True]),
    "empty": np.zeros((0, 3), dtype=np.float32),
}
path = out("tiny.safetensors")
save_file(tensors, path, metadata={"format": "np", "source": "make_weight_fixtures.py"})
reread = load_file(path)
assert all(np.array_equal(reread[k], v) for k, v in tensors.items())

with open(path, "rb") as f:
    blob = f.read()
(n,) = struct.unpack("<Q", blob[:8])
header = json.loads(blob[8:8 + n])
assert header["h.0.ln_1.weight"]["dtype"] == "U16"
header["h.0.ln_1.weight"]["dtype"] = "BF16"
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)                                    # keep the data 8-byte aligned
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + blob[8 + n:])

for name, array in tensors.items():
    if name == "h.0.ln_1.weight":
        record("tiny.safetensors", name, (array.astype(np.uint32) << 16).view(np.float32), dtype="bfloat16")
    else:
        record("tiny.safetensors", name, array)

# --- .npy files ------------------------------------------------------------------------
npy = {
    "a": rng.standard_normal((3, 4)).astype("<f4"),
    "b": rng.standard_normal(5).astype("<f8"),
    "c": np.array(42, dtype="<i8"),
}
for name, array in npy.items():
    np.save(out("npy", name + ".npy"), array)
    record("npy", name, array)
record("npy/a.npy", "a", npy["a"])

fortran = np.asfortranarray(rng.standard_normal((2, 3, 4)).astype("<f4"))
np.save(out("fortran.npy"), fortran)
assert b"'fortran_order': True" in open(out("fortran.npy"), "rb").read(128)
record("fortran.npy", "fortran", fortran)

big = rng.standard_normal((2, 3)).astype(">f8")
np.save(out("big_endian.npy"), big)
record("big_endian.npy", "big_endian", big)

for name, array, version in [("half_v2", rng.standard_normal(3).astype("<f2"), (2, 0)),
                             ("int32_v3", np.array([[-7, 0], [1, 2**31 - 1]], dtype="<i4"), (3, 0))]:
    with open(out(name + ".npy"), "wb") as f:
        np.lib.format.write_array(f, array, version=version)
    record(name + ".npy", name, array)

# --- malformed files -------------------------------------------------------------------
def raw_safetensors(name, header, data, declared_length=None):
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    length = len(text) if declared_length is None else declared_length
    with open(out("malformed", name), "wb") as f:
        f.write(struct.pack("<Q", length) + text + data)


f32x6 = np.arange(6, dtype="<f4").tobytes()
entry = {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}
raw_safetensors("truncated.safetensors", {"w": entry}, f32x6, declared_length=10_000)
raw_safetensors("bad_offsets.safetensors",
                {"h.0.attn.c_attn.weight": dict(entry, data_offsets=[0, 12])}, f32x6)
raw_safetensors("offsets_outside.safetensors", {"w": dict(entry, data_offsets=[12, 36])}, f32x6)
raw_safetensors("duplicate.safetensors",
                b'{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},'
                b'"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}', f32x6)
raw_safetensors("bad_json.safetensors", b'{"w": {"dtype": "F32", "shape": [2, 3', f32x6)
raw_safetensors("bad_dtype.safetensors", {"w": dict(entry, dtype="F8_E4M3")}, f32x6)
raw_safetensors("huge_shape.safetensors", {"w": dict(entry, shape=[2**62, 2**62])}, f32x6)
with open(out("malformed", "empty.safetensors"), "wb") as f:
    f.write(b"\x10\x00\x00")

good = open(out("npy", "a.npy"), "rb").read()
with open(out("malformed", "bad_magic.npy"), "wb") as f:
    f.write(b"\x93NUMPZ" + good[6:])
with open(out("malformed", "truncated.npy"), "wb") as f:
    f.write(good[:-5])
np.save(out("malformed", "structured.npy"), np.zeros(2, dtype=[("x", "<f4"), ("y", "<i4")]))

with open(out("expected.json"), "w") as f:
    json.dump(expected, f, indent=1, allow_nan=False)
    f.write("\n")

total = sum(os.path.getsize(os.path.join(d, x)) for d, _, xs in os.walk(HERE) for x in xs)
print(f"wrote fixtures under {HERE}: {total} bytes in all")
