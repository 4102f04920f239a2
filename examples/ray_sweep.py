#!/usr/bin/env python3
"""Fan a PISim sweep out over a Ray cluster: one task per shard, then one merged report.

    python3 examples/ray_sweep.py --shards 8 -- examples/precision-sweep.yaml
    python3 examples/ray_sweep.py --address auto --shards 64 --format json -- \
        --model gpt2-small --arch baseline,aero --seq 32,64,128 --fidelity execute

Each task runs `pisim run RUN-ARGS --shard I/N --part-file TMP` on some node and returns the
part file's text; the driver writes the parts to --parts-dir and runs `pisim merge`, whose
output is what `pisim run RUN-ARGS` would print on one machine, byte for byte.

What every node needs: the same pisim build at --pisim (a shared path, or the same path on
each node: `pisim merge` refuses parts from another build) and the scenario file and any
profile or weight files it names at the same paths (tasks run in --workdir, default: the
driver's working directory). Without Ray (`pip install ray`) the script says so and exits 3.

Without a Ray cluster, a Slurm job array does the same:

    #SBATCH --array=1-8
    pisim run sweep.yaml --shard ${SLURM_ARRAY_TASK_ID}/8 --part-file parts/${SLURM_ARRAY_TASK_ID}.json
    # then, once the array is done:  pisim merge parts/*.json --format markdown
"""
import argparse
import os
import subprocess
import sys
import tempfile


def parse_arguments(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--address", default=None,
                   help="Ray cluster address (e.g. auto, ray://head:10001); default: a local cluster on this machine")
    p.add_argument("--shards", type=int, default=None, help="number of shards N (default: the cluster's CPU count)")
    p.add_argument("--pisim", default=None, help="path of the pisim binary on every node (default: the newer of .build/release/pisim and .build/debug/pisim)")
    p.add_argument("--workdir", default=os.getcwd(), help="working directory of every task (default: the driver's)")
    p.add_argument("--parts-dir", default=None, help="keep the part files here (default: a temporary directory)")
    p.add_argument("--format", default="table", choices=["table", "json", "csv", "markdown"])
    p.add_argument("--html", default=None, help="also write the HTML report here")
    p.add_argument("--by-layer", action="store_true")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local cluster (ignored with --address)")
    p.add_argument("run_args", nargs=argparse.REMAINDER, help="-- then the arguments of pisim run (scenario file and flags)")
    a = p.parse_args(argv)
    if a.run_args and a.run_args[0] == "--":
        a.run_args = a.run_args[1:]
    if not a.run_args:
        p.error("give the sweep after --, e.g. -- examples/precision-sweep.yaml")
    if a.shards is not None and a.shards < 1:
        p.error("--shards must be at least 1")
    return a


def default_pisim():
    here = os.path.dirname(os.path.abspath(__file__))
    builds = [os.path.abspath(os.path.join(here, "..", ".build", b, "pisim")) for b in ("release", "debug")]
    builds = [b for b in builds if os.access(b, os.X_OK)]
    return max(builds, key=os.path.getmtime) if builds else "pisim"


def run_shard(pisim, workdir, run_args, index, count):
    """One shard on whichever node Ray picks: (index, part text) or (index, None, stderr)."""
    with tempfile.TemporaryDirectory() as tmp:
        part = os.path.join(tmp, "part.json")
        proc = subprocess.run([pisim, "run", *run_args, "--shard", f"{index}/{count}", "--part-file", part],
                              cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            return index, None, proc.stderr.strip()
        with open(part) as f:
            return index, f.read(), ""


def main(argv):
    a = parse_arguments(argv)
    try:
        import ray
    except ImportError:
        print("ray_sweep.py: Ray is not installed (pip install ray); run the shards by hand or as a Slurm array "
              "(see this script's docstring)", file=sys.stderr)
        return 3
    pisim = os.path.abspath(a.pisim) if a.pisim else default_pisim()
    if a.address:
        ray.init(address=a.address, log_to_driver=False)
    else:
        ray.init(num_cpus=a.num_cpus, log_to_driver=False, include_dashboard=False)
    try:
        shards = a.shards or max(1, int(ray.cluster_resources().get("CPU", 1)))
        task = ray.remote(num_cpus=1)(run_shard)
        pending = [task.remote(pisim, a.workdir, a.run_args, i, shards) for i in range(1, shards + 1)]
        results = []
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            index, text, err = ray.get(done[0])
            print(f"ray_sweep.py: shard {index}/{shards} {'done' if text is not None else 'failed'} "
                  f"({len(results) + 1}/{shards})", file=sys.stderr)
            if text is None:
                print(f"ray_sweep.py: shard {index}/{shards}: {err}", file=sys.stderr)
                return 2
            results.append((index, text))
    finally:
        ray.shutdown()
    parts_dir = a.parts_dir or tempfile.mkdtemp(prefix="pisim-parts-")
    os.makedirs(parts_dir, exist_ok=True)
    paths = []
    for index, text in sorted(results):
        path = os.path.join(parts_dir, f"part-{index:05d}-of-{shards:05d}.json")
        with open(path, "w") as f:
            f.write(text)
        paths.append(path)
    merge = [pisim, "merge", *paths, "--format", a.format] + (["--html", a.html] if a.html else []) + (["--by-layer"] if a.by_layer else [])
    return subprocess.run(merge, cwd=a.workdir).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
