"""Run every benchmark module (or those named on the command line: ``python -m bench throughput``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import bench


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    wanted = [a if a.startswith("bench_") else f"bench_{a}" for a in argv]
    if wanted:
        unknown = set(wanted) - set(names)
        if unknown:
            print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(names)}", file=sys.stderr)
            return 2
        names = wanted
    missed = []
    for name in names:
        print(f"\n== {name} ==", flush=True)
        start = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        if module.main():
            missed.append(name)
        print(f"({name}: {time.perf_counter() - start:.1f} s)", flush=True)
    # Benchmarks measure; they do not gate. A missed goal is reported, and the exit status stays 0
    # so that `make bench` always prints every figure (a benchmark that crashes still fails).
    print(f"\ngoals missed in: {', '.join(missed)}" if missed else "\nall goals met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
