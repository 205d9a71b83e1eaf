"""``ausbildungsbot`` as the tests call it: in this process (fast), or as its own process."""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.cli import main


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli_env(tmp_path: Path, db_url: str | None, env: dict[str, str]) -> dict[str, str]:
    return {
        "DATABASE_URL": db_url or f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}",
        "DATA_DIR": str(tmp_path / "data"),
        "TELEGRAM_BOT_TOKEN": "",
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{closed_port()}/bot",
        "LOG_LEVEL": "INFO",
        **env,
    }


def cli(
    tmp_path: Path, *args: str, stdin: bytes = b"", db_url: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """``ausbildungsbot ARGS`` called in this process (``bot.cli.main``), on a temporary SQLite database and
    data directory, with its environment, standard streams and working directory; everything a separate
    process would see except the log lines, which :func:`cli_process` checks."""
    saved_env, saved_cwd, saved_stdin = dict(os.environ), os.getcwd(), sys.stdin
    out, err = io.StringIO(), io.StringIO()
    os.environ.update(cli_env(tmp_path, db_url, env))
    os.chdir(tmp_path)
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")

    def run() -> int:
        try:
            return main(list(args))
        except SystemExit as exit_:  # argparse: usage errors and --help
            return exit_.code if isinstance(exit_.code, int) else 1
        except Exception:  # an unexpected failure: shown as the traceback a user would see
            traceback.print_exc()
            return 1

    try:
        # in a thread of its own: ``main`` runs its own event loop, also when called from an async test
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), ThreadPoolExecutor(1) as pool:
            code = pool.submit(run).result()
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
        sys.stdin = saved_stdin
    return subprocess.CompletedProcess(["ausbildungsbot", *args], code, out.getvalue(), err.getvalue())


def cli_process(
    tmp_path: Path, *args: str, stdin: bytes = b"", db_url: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """``ausbildungsbot ARGS`` in its own process (for what only a process shows: its log lines)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        env={**os.environ, **cli_env(tmp_path, db_url, env)},
        cwd=tmp_path,
        timeout=120,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
    )
