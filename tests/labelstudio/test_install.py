"""Installing Label Studio: uv when there is one, a template database per install, honest estimates.

No real Label Studio here (the session server in test_server.py exercises the real install): a
fake venv whose ``python`` answers the version check and "migrates" by writing the database file.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from annotate.labelstudio import server

ROOT = Path(__file__).resolve().parents[2]


def test_uv_installs_without_pip_and_pip_is_the_fallback(tmp_path: Path) -> None:
    venv = tmp_path / "ls"
    with_uv = server._install_steps(venv, "/usr/bin/python3", "/x/uv")
    assert [cmd[:2] for cmd in with_uv] == [["/x/uv", "venv"], ["/x/uv", "pip"]]
    assert "--no-python-downloads" in with_uv[0] and with_uv[0][-1] == str(venv)
    assert with_uv[1][-1] == f"label-studio=={server.LS_VERSION}"
    with_pip = server._install_steps(venv, "/usr/bin/python3", None)
    assert with_pip[0][:3] == ["/usr/bin/python3", "-m", "venv"] and with_pip[1][1:4] == ["-m", "pip", "install"]


def test_uv_beside_the_tools_python_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "python").touch()
    (tmp_path / "uv").touch()
    monkeypatch.setattr(server.sys, "executable", str(tmp_path / "python"))
    assert server._uv() == str(tmp_path / "uv") and server.installer() == "uv"
    (tmp_path / "uv").unlink()
    monkeypatch.setenv("PATH", str(tmp_path))
    assert server._uv() is None and server.installer() == "pip"


def _fake_venv(venv: Path, migrate: str) -> Path:
    """``bin/python`` prints the pinned version for the check, runs ``migrate`` for the template."""
    (venv / "bin").mkdir(parents=True)
    py = venv / "bin" / "python"
    py.write_text(
        "#!/bin/sh\n"
        f'case "$2" in *importlib.metadata*) echo {server.LS_VERSION}; exit 0;; esac\n'
        f"{migrate}\n"
    )  # fmt: skip
    (venv / "bin" / "label-studio").write_text("#!/bin/sh\n")
    for exe in (py, venv / "bin" / "label-studio"):
        exe.chmod(0o755)
    return venv


def test_the_template_database_seeds_a_fresh_data_dir_only(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path / "ls", 'printf schema > "$LABEL_STUDIO_BASE_DATA_DIR/label_studio.sqlite3"')
    said: list[str] = []
    server._prepare_template(venv, said.append)
    assert server.template(venv).read_text() == "schema" and said == []
    assert [p.name for p in server.template(venv).parent.iterdir()] == ["label_studio.sqlite3"]  # no leftovers

    fresh = tmp_path / "home"
    assert server._start_seconds(fresh, venv) == server.START_SECONDS
    (fresh / "data").mkdir(parents=True)
    server._seed_database(fresh, venv)
    db = fresh / "data" / "label_studio.sqlite3"
    assert db.read_text() == "schema" and stat.S_IMODE(db.stat().st_mode) == 0o600
    db.write_text("annotations")
    server._seed_database(fresh, venv)
    assert db.read_text() == "annotations"  # never over a data dir's own database


def test_a_failed_template_is_not_fatal_and_the_estimate_says_so(tmp_path: Path) -> None:
    venv = _fake_venv(tmp_path / "ls", "echo 'no migrations today' >&2; exit 1")
    said: list[str] = []
    server._prepare_template(venv, said.append)
    assert not server.template(venv).exists()
    assert len(said) == 1 and "no migrations today" in said[0] and "first start will migrate" in said[0]
    assert server._start_seconds(tmp_path / "home", venv) == server.MIGRATING_START_SECONDS
    assert server.start_estimate(tmp_path / "home", venv) == server.MIGRATING_START_SECONDS
    assert server.start_estimate(tmp_path / "home", tmp_path / "none") == (
        server.INSTALL_SECONDS[server.installer()] + server.PREPARE_SECONDS + server.START_SECONDS
    )


def test_estimates_read_like_the_measurements() -> None:
    assert server.about(15) == "~15 s" and server.about(119) == "~119 s" and server.about(190) == "~3 min"


def test_messages_take_their_estimates_from_the_constants() -> None:
    """No "~40 s" typed into a message: the numbers live in server.py's measured constants."""
    for path in ("annotate/cli/labelstudio.py", "annotate/cli/demo.py", "annotate/labelstudio/server.py"):
        text = (ROOT / path).read_text()
        code = re.sub(r'"""[\s\S]*?"""|#.*', "", text)  # prose may quote them; strings may not
        assert not re.findall(r"~\d+ ?(?:s|min)\b", code), path
