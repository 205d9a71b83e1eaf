"""Coach groups under load (issue 18): the young people's reply times and each coach group's send rate.

200 young people (half Herne, half Bochum) ask for a coach and send three messages each; the bot process
runs against the fake Bot API, whose groups take 20 messages per window; halfway the bot is SIGKILLed
while both groups' senders are mid-send, and started again (``tests/coach_load.py``). Prints the reply
p50/p99 per phase and each group's rate against the limit.

    .venv/bin/python bench/coach.py [--people 200] [--spread 20] [--window 1.0]

``--spread``: seconds over which the requests arrive (the issue's "within one minute", shortened);
``--window``: the groups' window in seconds (Telegram: 60). ``BENCH_DATABASE_URL`` runs it on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
from pathlib import Path

from sqlalchemy import text

from bot.database import create_engine, upgrade
from tests.coach_load import bot_env, percentile, run_scenario, seed_people
from tests.e2e import BotProcess
from tests.fakebotapi import GROUP_LIMIT, FakeTelegram


async def fresh_database(tmp: Path) -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}"
    if url.startswith("postgresql"):
        db = create_engine(url)
        async with db.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await db.dispose()
    await upgrade(url)
    return url


async def main(people_count: int, spread: float, window: float) -> None:
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        url = await fresh_database(tmp)
        people = await seed_people(url, tmp, people_count)
        async with FakeTelegram(group_window=window) as tg:
            bot = BotProcess(tg, url, tmp, **bot_env(window))
            try:
                result = await run_scenario(tg, bot, people, spread=spread, window=window)
            finally:
                await bot.stop()
    database = url.split(":")[0]
    print(
        f"{people_count} young people, requests within {spread:g} s, groups: {GROUP_LIMIT} per {window:g} s, {database}"
    )
    for phase, latencies in result.latencies.items():
        print(
            f"  reply {phase}: p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms ({len(latencies)} requests)"
        )
    limit_per_minute = GROUP_LIMIT * 60 / window
    for chat_id, figures in result.groups.items():
        print(
            f"  group {chat_id}: {figures.cards} cards, {figures.copies} copies, {figures.messages} messages "
            f"with the topics in {figures.seconds:.1f} s = "
            f"{figures.per_minute:.0f}/min against a limit of {limit_per_minute:.0f}/min "
            f"({figures.per_minute / limit_per_minute:.0%}); busiest window {figures.busiest_window}/{GROUP_LIMIT}; "
            f"429s {figures.refused_429}"
        )
    print(f"  problems (wrong group, lost, repeated, out of order): {len(result.problems)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--spread", type=float, default=20.0)
    parser.add_argument("--window", type=float, default=1.0)
    args = parser.parse_args()
    asyncio.run(main(args.people, args.spread, args.window))
