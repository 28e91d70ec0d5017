"""Runnable benchmarks (``make bench`` = ``python -m bench``).

Each ``bench/bench_*.py`` module has a ``main()`` that measures its figures against a baseline
taken in the same run and prints them as ratios, so the numbers mean the same on any machine.
"""
