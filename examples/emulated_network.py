#!/usr/bin/env python3
"""Runs PISim's two parties over an emulated network and compares measured wall time with
the latency PISim predicts for that network.

The kernel here has no `netem` qdisc, so delay comes from a userspace relay between the
parties: party 1 connects to the relay, the relay connects to party 0, and each direction
is a link that (1) serialises bytes at the bandwidth (a chunk enters the link when the
previous one has left it: store and forward, `len × 8 ÷ bandwidth` seconds each) and
(2) delivers each chunk one-way-delay = RTT/2 after it left. The TCP connections to the
relay are on loopback, so TCP windows and slow start over the long link are not emulated:
this checks PISim's protocol accounting (rounds, bytes, compute), not TCP tuning.

Usage (from the repository root, after `swift build -c release`):
  python3 examples/emulated_network.py                    # the README table
  python3 examples/emulated_network.py --points 20:400 --workloads softmax
Points are RTT_MS:MBIT pairs. Workloads: softmax (pisim op softmax --shape 12x128x128) and
block (one GPT-2 small block at T = 32, no embeddings), both under crypten.
Prints a Markdown table: measured wall (the slower party's), predicted latency and its
terms, their ratio, and whether socket bytes and flights equal the ledger.
"""
import argparse
import heapq
import json
import os
import socket
import subprocess
import sys
import threading
import time

CHUNK = 64 * 1024


class Link(threading.Thread):
    """One direction: reads from `src`, writes to `dst` after serialisation and delay."""

    def __init__(self, src, dst, one_way_s, bits_per_s):
        super().__init__(daemon=True)
        self.src, self.dst = src, dst
        self.one_way_s, self.bits_per_s = one_way_s, bits_per_s
        self.queue, self.cv = [], threading.Condition()
        self.closed = False
        self.writer = threading.Thread(target=self.deliver, daemon=True)

    def run(self):
        self.writer.start()
        link_free = 0.0
        seq = 0
        while True:
            try:
                data = self.src.recv(CHUNK)
            except OSError:
                data = b""
            now = time.monotonic()
            with self.cv:
                if not data:
                    self.closed = True
                    self.cv.notify()
                    return
                start = max(now, link_free)
                link_free = start + len(data) * 8 / self.bits_per_s
                heapq.heappush(self.queue, (link_free + self.one_way_s, seq, data))
                seq += 1
                self.cv.notify()

    def deliver(self):
        while True:
            with self.cv:
                while not self.queue and not self.closed:
                    self.cv.wait()
                if not self.queue and self.closed:
                    try:
                        self.dst.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return
                due, _, data = self.queue[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self.cv.wait(timeout=wait)
                    continue
                heapq.heappop(self.queue)
            try:
                self.dst.sendall(data)
            except OSError:
                return


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def relay(listen_port, target_port, rtt_ms, mbit):
    """Accepts party 1 on `listen_port`, connects to party 0 on `target_port`, and links them."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen_port))
    server.listen(1)

    def serve():
        a, _ = server.accept()
        for _ in range(400):
            try:
                b = socket.create_connection(("127.0.0.1", target_port))
                break
            except OSError:
                time.sleep(0.05)
        for s in (a, b):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        one_way, bps = rtt_ms / 2000.0, mbit * 1e6
        Link(a, b, one_way, bps).start()
        Link(b, a, one_way, bps).start()

    threading.Thread(target=serve, daemon=True).start()
    return server


def workload_args(name, rtt_ms, mbit, compute_scale=1.0):
    network = ["--set", f"network.rtt_ms={rtt_ms}", "--set", f"network.bandwidth_mbps={mbit}", "--compute-scale", f"{compute_scale:.6g}"]
    if name == "softmax":
        return ["op", "softmax", "--shape", "12x128x128", "--protocol", "crypten", "--compute-scale", f"{compute_scale:.6g}",
                "--rtt-ms", str(rtt_ms), "--bandwidth-mbit", str(mbit), "--format", "json"]
    if name == "block":
        return ["run", "--model", "gpt2-small", "--arch", "baseline", "--protocol", "crypten", "--seq", "32",
                "--layers", "1", "--no-embeddings", "--fidelity", "execute", "--format", "json"] + network
    raise SystemExit(f"unknown workload {name}")


def measure(pisim, name, rtt_ms, mbit, compute_scale=1.0):
    """One run across the relay (rtt_ms None: straight over loopback, no relay)."""
    p0, pr = free_port(), free_port()
    server = relay(pr, p0, rtt_ms, mbit) if rtt_ms is not None else None
    if rtt_ms is None:
        pr, rtt_ms, mbit = p0, 0, 1e7
    args = workload_args(name, rtt_ms, mbit, compute_scale)
    party0 = subprocess.Popen([pisim, "party"] + args + ["--role", "0", "--peer", f"127.0.0.1:{p0}"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    party1 = subprocess.Popen([pisim, "party"] + args + ["--role", "1", "--peer", f"127.0.0.1:{pr}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    out, err0 = party0.communicate()
    _, err1 = party1.communicate()
    if server:
        server.close()
    if party0.returncode or party1.returncode:
        raise SystemExit(f"{name} at {rtt_ms} ms / {mbit} Mbit failed:\n{err0}\n{err1}")
    report = json.loads(out)
    if "totals" in report:   # pisim run
        t, measured = report["totals"], report["measured"]
        predicted = {"total": t["latency_s"], "rounds": t["round_trips_s"], "transfer": t["transfer_s"], "compute": t["compute_s"]}
    else:                    # pisim op
        measured = report["measured"]
        lat = report["latency"]
        predicted = {"total": report["latency_s"], "rounds": lat["round_trips_s"], "transfer": lat["transfer_s"], "compute": lat["compute_s"]}
    return measured, predicted


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pisim", default=".build/release/pisim")
    parser.add_argument("--points", default="1:1000,20:400,80:100")
    parser.add_argument("--workloads", default="softmax,block")
    a = parser.parse_args()
    if not os.path.exists(a.pisim):
        raise SystemExit(f"{a.pisim} not found: run `swift build -c release` first, or pass --pisim")
    points = [tuple(float(v) for v in p.split(":")) for p in a.points.split(",")]
    print(f"machine: {os.cpu_count()} cores; relay chunk {CHUNK} B; measured = slower party's wall time of the two-party part")
    print("compute: the profile's figures are CrypTen 0.4.1's on this machine; PISim's own parties compute at a different")
    print("speed, so each workload is first run straight over loopback (no relay, no delay) and the compute term rescaled")
    print("to that wall time (--compute-scale); the network terms are then the prediction under test.")
    print()
    print("| workload | RTT | bandwidth | measured wall | predicted | = round trips + transfer + compute | measured / predicted | socket bytes = ledger | flights = rounds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in a.workloads.split(","):
        m, p = measure(a.pisim, name, None, None)
        scale = max(m["wall_s"]) / p["compute"] if p["compute"] > 0 else 1.0
        print(f"| {name} | loopback | – | {max(m['wall_s']):.2f} s | {p['total']:.2f} s (CrypTen's compute) | "
              f"compute scale {scale:.2f} | – | {'yes' if m['bytes_equal_ledger'] else 'NO'} | {'yes' if m['flights_equal_rounds'] else 'NO'} |", flush=True)
        for rtt, mbit in points:
            m, p = measure(a.pisim, name, rtt, mbit, scale)
            wall = max(m["wall_s"])
            print(f"| {name} | {rtt:g} ms | {mbit:g} Mbit/s | {wall:.2f} s | {p['total']:.2f} s | "
                  f"{p['rounds']:.2f} + {p['transfer']:.2f} + {p['compute']:.2f} s | {wall / p['total']:.2f} | "
                  f"{'yes' if m['bytes_equal_ledger'] else 'NO'} | {'yes' if m['flights_equal_rounds'] else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
