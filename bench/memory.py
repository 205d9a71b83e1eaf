"""Resident memory of a running bot with the catalogue loaded and 10,000 stored profiles.

Each measurement runs in a fresh process: a bare PTB ``Application`` (the baseline), and the full bot
(catalogue, matcher, gazetteer, database with 10,000 consented profiles, new people's dialog steps and a
message from every stored person processed with the network stubbed). Prints both resident set sizes and
the bot's share. Target: bot < 150 MB.
Run: ``.venv/bin/python bench/memory.py``.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

PROFILES = 10_000


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def bare() -> float:
    from telegram.ext import Application

    from bench.dialog import TOKEN, StubRequest

    app = Application.builder().token(TOKEN).request(StubRequest()).get_updates_request(StubRequest()).build()
    async with app:
        return rss_mb()


async def full(tmp: str) -> float:
    from sqlalchemy import insert

    from bench.dialog import TOKEN, StubRequest, dialog_traffic, message, rate
    from bot.config import Settings
    from bot.database import upgrade
    from bot.models import User
    from bot.runtime import open_runtime
    from bot.telegram.app import build_application

    url = f"sqlite+aiosqlite:///{Path(tmp) / 'memory.sqlite3'}"
    await upgrade(url)
    settings = Settings(telegram_bot_token=TOKEN, database_url=url, data_dir=Path(tmp))  # type: ignore[arg-type]
    runtime = await open_runtime(settings, migrate=False)
    answers = {
        "age": 17,
        "consent": "2026-11-28",
        "certificate": "msa",
        "wishes": ["friseur"],
        "completed": True,
    }
    async with runtime.db.begin() as conn:
        rows = [
            {"id": 1_000_000 + n, "lang": "de", "step": "menu", "state": {"step": "menu", "answers": answers}}
            for n in range(PROFILES)
        ]
        await conn.execute(insert(User), rows)
    app = build_application(settings, runtime, request=StubRequest())
    async with app:
        await rate(app, dialog_traffic(0))
        # every stored person opens the menu: the state cache fills up to its limit
        await rate(app, [message(n + 1, 1_000_000 + n, "/menu") for n in range(PROFILES)])
        result = rss_mb()
    await runtime.close()
    return result


def main() -> None:
    if len(sys.argv) > 1:  # child process
        with tempfile.TemporaryDirectory() as tmp:
            value = asyncio.run(bare() if sys.argv[1] == "bare" else full(tmp))
        print(f"{value:.1f}")
        return
    measured = {}
    for kind in ("bare", "full"):
        out = subprocess.run([sys.executable, __file__, kind], capture_output=True, text=True, check=True)
        measured[kind] = float(out.stdout.strip().splitlines()[-1])
    print(f"bare PTB application: {measured['bare']:.1f} MB resident")
    print(
        f"bot with catalogue and {PROFILES:,} profiles: {measured['full']:.1f} MB resident (target < 150 MB)"
    )
    print(f"ratio bot / bare PTB: {measured['full'] / measured['bare']:.2f}x")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
