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
    failed = 0
    for name in names:
        print(f"\n== {name} ==", flush=True)
        start = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        rc = module.main() or 0
        failed += rc != 0
        print(f"({name}: {time.perf_counter() - start:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
