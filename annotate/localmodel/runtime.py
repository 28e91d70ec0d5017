"""The local model's runtime: llama-cpp-python, built once into its own virtual environment.

Why its own environment (``.llm-venv``, like Label Studio's ``.ls-venv``): it is a compiled
server application with its own dependencies (FastAPI, uvicorn, numpy), not a library the tool
imports. Why llama-cpp-python rather than llama.cpp's own ``llama-server``: measured on 2 cores,
it builds in ~8.5 min against ~16 min, and its server honours a named ``tool_choice`` by
constraining generation to the tool's JSON schema (``llama-server`` falls back to free text).
There is no prebuilt wheel for this platform on PyPI, so pip compiles the sdist; pip keeps the
built wheel in its cache, so later installs take seconds.

The GGML flags are fixed rather than ``-march=native`` so the wheel pip caches runs on any
x86-64 machine with AVX2 (older CPUs get a build without AVX2/FMA).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from annotate.processes import ServiceError

LLAMA_CPP_VERSION = "0.3.36"
_AVX2_FLAGS = "-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
_BASE_FLAGS = "-DGGML_NATIVE=OFF -DGGML_AVX512=OFF"
BUILD_SECONDS_2_CORES = 510
"""Measured: 8 min 24 s to compile on a 2-core machine of this project's kind."""

Log = Callable[[str], None]
Tick = Callable[[float, float], None]
"""``(elapsed, estimate)`` seconds, called about once a second while pip runs."""


def venv_dir() -> Path:
    return Path(os.environ.get("ANNOTATE_LLM_VENV") or Path.cwd() / ".llm-venv")


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def installed_version(venv: Path) -> str | None:
    py = python_of(venv)
    if not py.exists():
        return None
    out = subprocess.run(
        [str(py), "-c", "import importlib.metadata as m, llama_cpp.server, uvicorn; print(m.version('llama_cpp_python'))"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return out.stdout.strip() if out.returncode == 0 else None


def cmake_args() -> str:
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        flags = []
    return f"{_BASE_FLAGS} {_AVX2_FLAGS}" if "avx2" in flags else _BASE_FLAGS


def _wheel_cached(python: str) -> bool:
    out = subprocess.run([python, "-m", "pip", "cache", "list", "llama_cpp_python"],
                         capture_output=True, text=True, check=False)  # fmt: skip
    return f"llama_cpp_python-{LLAMA_CPP_VERSION}-" in out.stdout


def estimate_seconds(cached: bool) -> float:
    """An honest guess: a cached wheel installs in ~30 s; a build scales with the cores."""
    if cached:
        return 30.0
    return BUILD_SECONDS_2_CORES * 2 / max(1, min(os.cpu_count() or 1, 8)) + 60


def ensure_runtime(venv: Path | None = None, log: Log = print, tick: Tick | None = None) -> Path:
    """Create ``venv`` with ``llama-cpp-python[server]`` unless it is already there; returns it.

    A half-finished install (a killed run) fails the version check and is redone from scratch.
    """
    venv = venv or venv_dir()
    if installed_version(venv) == LLAMA_CPP_VERSION:
        return venv
    python = shutil.which("python3") or sys.executable
    subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True)
    pip = [str(python_of(venv)), "-m", "pip"]
    cached = _wheel_cached(str(python_of(venv)))
    estimate = estimate_seconds(cached)
    how = "from pip's cache" if cached else f"compiling llama.cpp, ~{estimate / 60:.0f} min on {os.cpu_count()} cores"
    log(f"installing llama-cpp-python {LLAMA_CPP_VERSION} into {venv} (first time only; {how})")
    env = dict(os.environ, CMAKE_ARGS=cmake_args(), CMAKE_BUILD_PARALLEL_LEVEL=str(os.cpu_count() or 2))
    cmd = [*pip, "install", "-q", "--disable-pip-version-check", f"llama-cpp-python[server]=={LLAMA_CPP_VERSION}"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(proc.stdout or []), daemon=True)
    reader.start()
    started = time.monotonic()
    while proc.poll() is None:
        if tick:
            tick(time.monotonic() - started, estimate)
        time.sleep(1.0)
    reader.join(5)
    if proc.returncode != 0:
        last = [line.strip() for line in output if line.strip() and not line.startswith("WARNING")][-1:] or ["no output"]
        raise ServiceError(f"installing llama-cpp-python failed (needs gcc, g++ and cmake): {last[0]}")
    if installed_version(venv) != LLAMA_CPP_VERSION:
        raise ServiceError(f"installing into {venv} did not produce llama-cpp-python {LLAMA_CPP_VERSION}")
    log(f"llama-cpp-python {LLAMA_CPP_VERSION} installed in {time.monotonic() - started:.0f} s")
    return venv
