"""The command line as an operator meets it: expected failures say their cause in one line, no traceback."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import _parser
from bot.runtime import Runtime
from tests.cli import cli, cli_process
from tests.driver import ServiceChat

TOKEN = "123456:" + "A" * 35
HEADER = "source_id,title,occupation,employer,street,postcode,city,lat,lon,start_date,published,url,contact,certificate"


def commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command the parser accepts, sub-commands spelled out (``("places", "import")``)."""
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        yield prefix
    for action in subparsers:
        for name, sub in action.choices.items():
            yield from commands(sub, (*prefix, name))


# Bad input for every command: (argv, environment, what the one line must name). ``{tmp}`` is the test's
# temporary directory.
BROKEN_DB = "sqlite+aiosqlite:////dev/null/no/db.sqlite3"
BAD_INPUT: list[tuple[tuple[str, ...], dict[str, str], str]] = [
    (("run",), {"TELEGRAM_BOT_TOKEN": TOKEN}, "TELEGRAM_API_BASE_URL"),
    (("run", "--webhook"), {"TELEGRAM_BOT_TOKEN": TOKEN}, "WEBHOOK_URL"),
    (("chat",), {"DATABASE_URL": BROKEN_DB}, "DATABASE_URL"),
    (("chat", "--user", "lea"), {}, "--user"),
    (("match", "--limit", "0", "Koch"), {}, "--limit"),
    (("match", "--limit", "-1", "Koch"), {}, "--limit"),
    (("places", "import", "{tmp}/missing.csv"), {}, "missing.csv"),
    (("places", "import", "{tmp}/latin1.csv"), {}, "UTF-8"),
    (("places", "import", "{tmp}"), {}, "directory"),
    (("places", "demo"), {"DATABASE_URL": BROKEN_DB}, "DATABASE_URL"),
    (("report", "--out", "/nonexistent/dir/r.md"), {}, "/nonexistent/dir"),
    (("report", "--out", "{tmp}"), {}, "directory"),
    (("report", "--format", "csv", "--out", "{tmp}"), {}, "directory"),
    (("report", "--format", "png", "--out", "{tmp}"), {}, "directory"),
    (("report", "--since", "yesterday"), {}, "--since"),
    (("handoffs",), {"DATABASE_URL": BROKEN_DB}, "DATABASE_URL"),
    (("sources", "add", "bad code!", "--name", "Schule"), {}, "bad code!"),
    (
        ("sources", "qr", "schule", "--out", "{tmp}/qr.png"),
        {"TELEGRAM_BOT_USERNAME": ""},
        "TELEGRAM_BOT_USERNAME",
    ),
    (
        ("sources", "qr", "nope", "--out", "{tmp}/qr.png"),
        {"TELEGRAM_BOT_USERNAME": "a_bot"},
        "no such source",
    ),
    (("sources", "list"), {"DATABASE_URL": BROKEN_DB}, "DATABASE_URL"),
    (("check",), {"TELEGRAM_BOT_TOKEN": TOKEN}, "TELEGRAM_API_BASE_URL"),
    (("check",), {"DATABASE_URL": "sqlite+aiosqlite:///{tmp}/missing/dir/db.sqlite3"}, "missing/dir"),
    (("db", "upgrade"), {"DATABASE_URL": BROKEN_DB}, "DATABASE_URL"),
]


def test_every_command_has_a_bad_input_case() -> None:
    for command in commands(_parser()):
        cases = [argv for argv, _, _ in BAD_INPUT if argv[: len(command)] == command]
        assert cases, f"no bad-input case for {' '.join(command)}"


@pytest.mark.parametrize(("argv", "env", "named"), BAD_INPUT, ids=[" ".join(c[0]) for c in BAD_INPUT])
def test_bad_input_gives_one_line_and_a_non_zero_exit(
    tmp_path: Path, db_url: str, argv: tuple[str, ...], env: dict[str, str], named: str
) -> None:
    (tmp_path / "latin1.csv").write_bytes(
        (HEADER + "\nk1,Köchin,Koch/Köchin,Gasthaus Müller,,44623,Herne,,,,,,,\n").encode("latin-1")
    )
    tmp = str(tmp_path)
    args = [a.replace("{tmp}", tmp) for a in argv]
    proc = cli(tmp_path, *args, db_url=db_url, **{k: v.replace("{tmp}", tmp) for k, v in env.items()})
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "Traceback" not in output, output
    assert named.replace("{tmp}", tmp) in proc.stderr, output
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ausbildungsbot: ")]
    assert len(errors) == 1 or proc.stderr.startswith("usage:"), output


def test_check_changes_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "missing" / "dir"
    proc = cli(tmp_path, "check", DATABASE_URL=f"sqlite+aiosqlite:///{missing / 'db.sqlite3'}")
    assert proc.returncode == 1 and "does not exist" in proc.stderr and "database: ok" not in proc.stdout
    assert not missing.parent.exists()
    (tmp_path / "empty").mkdir()
    proc = cli(tmp_path, "check", DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'empty' / 'db.sqlite3'}")
    assert proc.returncode == 1 and list((tmp_path / "empty").iterdir()) == []


async def test_check_reports_pending_migrations_without_applying_them(tmp_path: Path) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from bot.database import alembic_config, create_engine

    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_revision(script.get_current_head())
    assert head is not None and isinstance(head.down_revision, str)
    await asyncio.to_thread(command.upgrade, alembic_config(url), head.down_revision)
    proc = cli(tmp_path, "check", db_url=url)
    assert proc.returncode == 0 and "database: ok, 1 migration(s) pending" in proc.stdout, proc.stderr
    db = create_engine(url)
    async with db.connect() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        assert version == head.down_revision  # nothing was applied
    await db.dispose()
    assert cli(tmp_path, "db", "upgrade", db_url=url).returncode == 0
    ok = cli(tmp_path, "check", db_url=url)
    assert ok.returncode == 0 and "database: ok (schema up to date)" in ok.stdout, ok.stderr


def test_commands_start_quietly(tmp_path: Path) -> None:
    proc = cli_process(tmp_path, "handoffs")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    chat = cli_process(tmp_path, "chat", "--lang", "en", stdin=b"/quit\n")
    assert chat.returncode == 0 and "alembic" not in chat.stderr, chat.stderr
    assert "alembic" in cli_process(tmp_path, "handoffs", LOG_LEVEL="DEBUG").stderr


def test_report_says_where_every_format_went(tmp_path: Path) -> None:
    for fmt in ("md", "csv", "png"):
        out = tmp_path / f"r.{fmt}"
        proc = cli(tmp_path, "report", "--format", fmt, "--out", str(out))
        assert proc.returncode == 0 and out.stat().st_size > 0, proc.stderr
        assert proc.stderr.strip() == f"{fmt} written to {out}"


def test_match_limit_must_be_positive(tmp_path: Path) -> None:
    for limit in ("0", "-1", "x"):
        proc = cli(tmp_path, "match", "--limit", limit, "Koch")
        assert proc.returncode == 2 and "--limit" in proc.stderr and "Koch/Köchin" not in proc.stdout
    assert "Koch/Köchin" in cli(tmp_path, "match", "--limit", "1", "Koch").stdout


def test_places_import_explains_excel_files(tmp_path: Path) -> None:
    rows = [
        "k1,Köchin,Koch/Köchin,Gasthaus Müller,,44623,Herne,,,,,,,",
        "k2,Koch,Koch/Köchin,Café,,44623,Herne,,,,,,,",
    ]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("\n".join([HEADER, *rows]).encode("cp1252"))
    proc = cli(tmp_path, "places", "import", str(latin))
    assert proc.returncode == 1 and "line 2" in proc.stderr and "CSV UTF-8" in proc.stderr, proc.stderr
    assert "--encoding" in proc.stderr
    proc = cli(tmp_path, "places", "import", str(latin), "--encoding", "cp1252")
    assert proc.returncode == 0 and "2 added" in proc.stdout, proc.stderr

    excel = tmp_path / "excel.csv"
    excel.write_text("\n".join(line.replace(",", ";") for line in [HEADER, *rows]), encoding="utf-8-sig")
    proc = cli(tmp_path, "places", "import", str(excel))
    assert proc.returncode == 0 and "2 added" in proc.stdout, proc.stderr
    proc = cli(tmp_path, "places", "import", str(excel), "--delimiter", ",")
    assert proc.returncode == 1 and "line 1" in proc.stderr and "';'" in proc.stderr, proc.stderr


async def test_handoffs_show_local_time_and_the_person(runtime: Runtime, db_url: str, tmp_path: Path) -> None:
    chat = ServiceChat(runtime.dialogs, 611, first_name="Ayşe")
    await chat.onboard()
    await chat.send("/coach")
    proc = cli(tmp_path, "handoffs", db_url=db_url)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d CES?T", out), out
    assert "Ayşe" in out and "611" in out and "waiting" in out
    assert "language en" in out and "Herne" in out and "Kraftfahrzeugmechatroniker/-in" in out
    assert all(line == line.rstrip() for line in out.splitlines())


def test_make_compiles_only_catalogues_that_changed(tmp_path: Path) -> None:
    import shutil

    root = Path(__file__).resolve().parent.parent
    shutil.copy(root / "Makefile", tmp_path / "Makefile")
    for po in (root / "locales").glob("*/LC_MESSAGES/messages.po"):
        target = tmp_path / po.relative_to(root)
        target.parent.mkdir(parents=True)
        shutil.copy(po, target)
        target.with_suffix(".mo").write_bytes(b"")
        os.utime(target, (1_000_000, 1_000_000))  # every .mo is newer than its .po
    make = ["make", "-C", str(tmp_path), "STAMP=", "locales-compile"]
    assert subprocess.run([*make[:-1], "-q", make[-1]]).returncode == 0  # nothing to do
    os.utime(tmp_path / "locales" / "tr" / "LC_MESSAGES" / "messages.po")  # now newer than its .mo
    dry = subprocess.run([*make[:-1], "-n", make[-1]], capture_output=True, text=True, check=True).stdout
    compiles = [line for line in dry.splitlines() if "pybabel compile" in line]
    assert len(compiles) == 1 and "locales/tr/LC_MESSAGES/messages.po" in compiles[0], dry
