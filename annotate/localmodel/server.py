"""Start, stop and describe the local model server (``annotate llm up|down|status``).

``up`` installs what is missing (the runtime into ``.llm-venv``, the weights into the user's model
cache), then serves the model on 127.0.0.1 through ``serve_llama.py`` and waits until it answers.
Its state (PID, port, settings) is in ``<ANNOTATE_HOME or ./.annotate>/llm/server.json``, its
output in ``server.log`` beside it. It is idempotent: a running server is reported, not restarted,
unless it was started with other settings.

The settings a client needs are what ``env()`` returns: the base URL, the model name, the
instructor mode (``tools``: llama-cpp-python constrains a named tool call to the schema's JSON
grammar, so every answer parses) and the context size, from which the pipeline derives its chunk
size and output budget.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from annotate.localmodel import runtime, weights
from annotate.processes import (
    HOST,
    ServiceError,
    alive,
    free_port,
    read_json,
    runs,
    start_detached,
    stop,
    stop_recorded,
    write_private,
)

DEFAULT_CONTEXT = 8192
"""Enough for a whole ~2,000-character meeting report, its prompt and its answer in one call."""
DEFAULT_MODE = "md_json"
LOCAL_TIMEOUT = 1800
"""Seconds: a full 8,192-token request on 2 cores takes up to ~13 min (prompt ~45 tok/s, answer ~7 tok/s)."""
LAUNCHER = Path(__file__).with_name("serve_llama.py")
_NEEDLES = ("serve_llama.py",)


@dataclass(frozen=True)
class LocalModelInfo:
    """What ``status`` knows; no secrets (the local server takes no key)."""

    running: bool
    busy: bool
    pid: int | None
    port: int | None
    url: str
    model: str
    model_path: str
    weights: str
    context: int
    threads: int
    runtime: str | None

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def env(self) -> dict[str, str]:
        """The variables that point ``annotate`` at this server.

        One request at a time (the server computes one answer at a time on all cores; queued
        requests would only wait), and a timeout that fits a whole answer on a CPU: a request the
        client gives up on keeps the server busy all the same.
        """
        return {
            "OPENAI_BASE_URL": self.base_url,
            "ANNOTATE_MODEL": self.model,
            "ANNOTATE_LLM_MODE": DEFAULT_MODE,
            "ANNOTATE_CONTEXT_TOKENS": str(self.context),
            "ANNOTATE_CONCURRENCY": "1",
            "ANNOTATE_LLM_TIMEOUT": str(LOCAL_TIMEOUT),
        }

    def public(self) -> dict[str, object]:
        return {**self.__dict__, "base_url": self.base_url}


def home(base: Path | None = None) -> Path:
    root = base or Path(os.environ.get("ANNOTATE_HOME") or Path.cwd() / ".annotate")
    return Path(root) / "llm"


def _answers(url: str, model: str, timeout: float = 3.0) -> bool | None:
    """True when a server at ``url`` serves ``model``; None when it accepts but is busy answering.

    The server computes one completion at a time and even ``/v1/models`` waits for it, so a slow
    reply from a listening port means busy, not down.
    """
    try:
        r = httpx.get(f"{url}/v1/models", timeout=timeout)
        return r.status_code == 200 and any(m.get("id") == model for m in r.json().get("data", []))
    except httpx.TimeoutException:
        return None
    except (httpx.HTTPError, ValueError):
        return False


def status(root: Path | None = None, spec: weights.ModelSpec = weights.DEFAULT_MODEL, *,
           venv: Path | None = None) -> LocalModelInfo:  # fmt: skip
    root = root or home()
    state = read_json(root / "server.json")
    pid = state.get("pid") if alive(state.get("pid")) else None
    url = state.get("url", "")
    model = state.get("model", spec.name)
    check = weights.check(spec, Path(state["models"]) if state.get("models") else None)
    answer = _answers(url, model) if pid and url and runs(pid, _NEEDLES) else False
    return LocalModelInfo(
        running=answer is not False,
        busy=answer is None,
        pid=pid,
        port=state.get("port"),
        url=url,
        model=model,
        model_path=str(check.path),
        weights=("ok: " if check.verified else "NOT OK: ") + check.detail,
        context=int(state.get("context", DEFAULT_CONTEXT)),
        threads=int(state.get("threads", os.cpu_count() or 2)),
        runtime=runtime.installed_version(venv or runtime.venv_dir()),
    )


def up(
    root: Path | None = None,
    *,
    spec: weights.ModelSpec = weights.DEFAULT_MODEL,
    venv: Path | None = None,
    models: Path | None = None,
    port: int | None = None,
    context: int = DEFAULT_CONTEXT,
    threads: int | None = None,
    timeout: float = 180.0,
    log: Callable[[str], None] = print,
    progress: weights.Progress | None = None,
    tick: runtime.Tick | None = None,
) -> LocalModelInfo:
    """Install what is missing, start the server (or keep the running one) and wait until it answers."""
    root = root or home()
    threads = threads or os.cpu_count() or 2
    state = read_json(root / "server.json")
    current = status(root, spec, venv=venv)
    if current.running:
        if (current.context, current.threads) == (context, threads):
            return current
        log(f"restarting the local model: context {current.context} -> {context}, threads {current.threads} -> {threads}")
        down(root)
    elif current.pid and runs(current.pid, _NEEDLES):
        raise ServiceError(f"local model process {current.pid} runs but does not answer at {current.url}; "
                           "wait for it or run `annotate llm down`")  # fmt: skip
    venv = runtime.ensure_runtime(venv, log=log, tick=tick)
    model_path = weights.ensure_weights(spec, models, progress=progress)
    port = free_port(port or state.get("port"))
    url = f"http://{HOST}:{port}"
    cmd = [
        str(runtime.python_of(venv)), str(LAUNCHER), "--model", str(model_path), "--model_alias", spec.name,
        "--host", HOST, "--port", str(port), "--n_ctx", str(context), "--n_threads", str(threads),
        "--n_threads_batch", str(threads), "--n_batch", "512", "--logits_all", "false", "--verbose", "false",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT", "MODEL", "CONFIG_FILE")}
    root.mkdir(parents=True, exist_ok=True)
    proc = start_detached(cmd, cwd=root, env=env, log=root / "server.log")
    write_private(root / "server.json", {
        "pid": proc.pid, "port": port, "url": url, "model": spec.name, "context": context, "threads": threads,
        "models": str(model_path.parent), "started": time.time(),
    })  # fmt: skip
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            tail = (root / "server.log").read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise ServiceError(f"the local model server exited with code {proc.returncode}: {tail[0]} "
                               f"(see {root / 'server.log'})")  # fmt: skip
        if _answers(url, spec.name):
            return status(root, spec, venv=venv)
        time.sleep(0.5)
    stop(proc.pid)
    raise ServiceError(f"the local model did not answer at {url} within {timeout:.0f} s; see {root / 'server.log'}")


def down(root: Path | None = None) -> bool:
    """Stop the server this folder started (by its recorded PID); False if none was running."""
    return stop_recorded((root or home()) / "server.json", _NEEDLES)


def shell_exports(info: LocalModelInfo) -> str:
    """``export NAME=value`` lines, for ``eval "$(annotate llm env)"``."""
    return "\n".join(f"export {k}={v}" for k, v in info.env().items())

