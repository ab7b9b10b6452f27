#!/usr/bin/env python3
"""Whole-process timings of two runner binaries, back to back: the speed figures of a change.

    python3 benches/before_after.py OLD_RUNNER NEW_RUNNER [seed airline lynx sine_grid many]

Run from the project root. Each repetition runs the old then the new binary, so both see the
same machine; each run writes a new results folder (removing one would put its deletion, and
the disk's discards, on the next timing) after a `sync` (no earlier run's write-back lands on
this one). Prints, per experiment and -j: the median wall time of the repetitions with all of
them, CPU (user + system) and peak memory; then the -j 2 speed-up. `many` is
benches/many_small.toml (1000 small runs) with runs per second, then its cached rerun (read
back, tables, plots, report). Folders go to $TMPDIR/runner-before-after (left for inspection).
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

EXPERIMENTS = {
    # name: (file, repetitions, -j values)
    "seed": ("experiments/seed.toml", 5, (1,)),
    "airline": ("experiments/airline.toml", 5, (1, 2)),
    "lynx": ("experiments/lynx.toml", 3, (1, 2)),
    "sine_grid": ("experiments/sine_grid.toml", 3, (1, 2)),
    "many": ("benches/many_small.toml", 5, (1, 2)),
}


def timed(cmd):
    """Wall seconds, CPU seconds and peak MiB of one command (GNU time)."""
    subprocess.run(["sync"], check=True)
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M %U %S"] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    rss, user, system = p.stderr.strip().splitlines()[-1].split()
    return wall, float(user) + float(system), int(rss) / 1024


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binaries = {"before": os.path.abspath(sys.argv[1]), "after": os.path.abspath(sys.argv[2])}
    which = sys.argv[3:] or list(EXPERIMENTS)
    folder = os.path.join(tempfile.gettempdir(), "runner-before-after", str(os.getpid()))
    for name in which:
        file, reps, jobs = EXPERIMENTS[name]
        medians = {}
        for j in jobs:
            times = {tag: [] for tag in binaries}
            for r in range(reps):
                for tag, exe in binaries.items():
                    out = os.path.join(folder, f"{name}-{tag}-{j}-{r}")
                    times[tag].append(timed([exe, "run", file, "--out", out, "-j", str(j), "-q"]))
            for tag, t in times.items():
                wall = statistics.median(x[0] for x in t)
                medians[(tag, j)] = wall
                rate = f", {1000 / wall:.0f} runs/s" if name == "many" else ""
                print(
                    f"{name:9} -j {j} {tag:6}: {wall:6.2f} s (all {', '.join(f'{x[0]:.2f}' for x in t)}), "
                    f"CPU {statistics.median(x[1] for x in t):.2f} s, peak {max(x[2] for x in t):.1f} MiB{rate}",
                    flush=True,
                )
        if 2 in jobs:
            for tag in binaries:
                print(f"{name:9} {tag:6}: -j 2 speed-up {medians[(tag, 1)] / medians[(tag, 2)]:.2f}x")
        if name == "many":
            cached = {tag: [] for tag in binaries}
            for _ in range(reps):
                for tag, exe in binaries.items():
                    out = os.path.join(folder, f"{name}-{tag}-2-0")
                    cached[tag].append(timed([exe, "run", file, "--out", out, "-j", "2", "-q"])[0])
            for tag, t in cached.items():
                print(f"{name:9} cached rerun -j 2 {tag}: {statistics.median(t):.2f} s (all {', '.join(f'{x:.2f}' for x in t)})")


if __name__ == "__main__":
    main()
