"""The coach load scenario of issue 18, for ``tests/test_coach_load.py`` and ``bench/coach.py``.

Young people from Herne and Bochum (half each, profiles already stored) ask for a coach within a short time
and each sends three messages at once. The real bot process serves them against the fake Bot API, whose
coach groups take ``GROUP_LIMIT`` messages per ``window`` seconds (Telegram: 20 a minute; the window is
shortened so the scenario runs in seconds). Halfway, while both groups' senders are in the middle of a
send, the bot is SIGKILLed and started again; then the second half asks.

Measured: how long each young person waits for the bot's reply to their request (from the update being
queued to the reply arriving), per phase; what every group received: cards and copies per person, with the
order, and the send rate against the limit.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select

from bot.config import Settings
from bot.database import sessionmaker
from bot.models import Base, User
from bot.runtime import open_runtime
from tests.driver import ServiceChat
from tests.fakebotapi import GROUP_LIMIT, FakeTelegram

HERNE, BOCHUM = -1001111111111, -1002222222222
GROUPS = {"Herne": HERNE, "Bochum": BOCHUM}
FIRST_USER = 710_000
MESSAGES_EACH = 3
CARD = "Anfrage von"


async def seed(db_url: str, tmp: Path, homes: dict[int, str]) -> None:
    """Young people with finished profiles: user id -> town. One per town is onboarded through the dialog;
    the others are copies of that one."""
    runtime = await open_runtime(Settings(database_url=db_url, data_dir=tmp / "data"), migrate=False)
    towns = sorted(set(homes.values()))
    template_ids = {town: FIRST_USER - 1 - n for n, town in enumerate(towns)}
    try:
        for town, template in template_ids.items():
            await ServiceChat(runtime.dialogs, template, first_name="T").onboard(location=town)
        users = Base.metadata.tables["users"]
        async with sessionmaker(runtime.db).begin() as session:
            templates: dict[str, dict[str, Any]] = {}
            for town, template in template_ids.items():
                row = (await session.execute(select(users).where(users.c.id == template))).one()
                templates[town] = dict(row._mapping)
            await session.execute(delete(User).where(User.id.in_(template_ids.values())))
            rows = [{**templates[town], "id": user, "update_ids": ""} for user, town in homes.items()]
            await session.execute(insert(users), rows)
    finally:
        await runtime.close()


async def seed_people(db_url: str, tmp: Path, count: int) -> dict[int, int]:
    """``count`` young people alternately in Herne and Bochum: user id -> their coach group."""
    homes = {FIRST_USER + n: list(GROUPS)[n % 2] for n in range(count)}
    await seed(db_url, tmp, homes)
    return {user: GROUPS[town] for user, town in homes.items()}


@dataclass
class GroupFigures:
    cards: int
    copies: int
    #: Every message the group took (cards, copies and the new topics), over ``seconds``.
    messages: int
    seconds: float
    #: The most messages the group took in any window (the limit is ``GROUP_LIMIT``).
    busiest_window: int
    refused_429: int

    @property
    def per_minute(self) -> float:
        return self.messages * 60 / self.seconds if self.seconds else 0.0


@dataclass
class LoadResult:
    #: Seconds from a request's update to the bot's reply, before the SIGKILL and after the restart.
    latencies: dict[str, list[float]] = field(default_factory=dict)
    groups: dict[int, GroupFigures] = field(default_factory=dict)
    #: What went wrong for a person (none expected): wrong group, missing or repeated, out of order.
    problems: list[str] = field(default_factory=list)
    window: float = 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def ask(tg: FakeTelegram, people: list[int], spread: float) -> dict[int, tuple[float, list[int]]]:
    """Each person asks for a coach and sends three messages at once; requests spread over ``spread``
    seconds. Returns per person when the request was queued and the ids of their three messages, once the
    bot has applied every update."""
    sent: dict[int, tuple[float, list[int]]] = {}
    last: dict[str, Any] = {}
    pause = spread / max(1, len(people))
    for user in people:
        queued = time.monotonic()
        tg.send_text(user, "/coach", first_name=f"P{user}", language_code="de")
        ids = []
        for k in range(1, MESSAGES_EACH + 1):
            last = tg.send_text(user, f"Nachricht {k} von {user}", first_name=f"P{user}")
            ids.append(last["message"]["message_id"])
        sent[user] = (queued, ids)
        await asyncio.sleep(pause)
    await tg.wait_until_confirmed(last, timeout=60)
    return sent


def reply_latencies(tg: FakeTelegram, sent: dict[int, tuple[float, list[int]]]) -> list[float]:
    first_reply: dict[int, float] = {}
    for call in tg.calls:
        chat = int(call.params.get("chat_id") or 0)
        answered = call.method == "sendMessage" and call.status == 200 and chat in sent
        if answered and chat not in first_reply and "coach" in str(call.params.get("text")).casefold():
            first_reply[chat] = call.time
    missing = [user for user in sent if user not in first_reply]
    assert not missing, f"no reply for {len(missing)} requests"
    return [first_reply[user] - queued for user, (queued, _) in sent.items()]


def delivered(tg: FakeTelegram, people: dict[int, int]) -> tuple[int, int]:
    """Cards and copies the coach groups have accepted so far."""
    groups = set(people.values())
    accepted = [c for c in tg.calls if c.params.get("chat_id") in groups and c.status == 200]
    cards = sum(1 for c in accepted if c.method == "sendMessage" and CARD in str(c.params.get("text")))
    copies = sum(1 for c in accepted if c.method == "copyMessage")
    return cards, copies


def check(
    tg: FakeTelegram, people: dict[int, int], sent: dict[int, tuple[float, list[int]]], window: float
) -> LoadResult:
    result = LoadResult(window=window)
    groups = set(people.values())
    accepted = [c for c in tg.calls if c.params.get("chat_id") in groups and c.status == 200]
    per_person: dict[int, list[tuple[str, int, int]]] = defaultdict(list)  # user -> (what, group, thread)
    for call in accepted:
        params = call.params
        if call.method == "sendMessage" and CARD in str(params.get("text")):
            user = int(str(params["text"]).split(CARD + " P")[1].split("<")[0])
            per_person[user].append(("card", params["chat_id"], params["message_thread_id"]))
        elif call.method == "copyMessage":
            per_person[params["from_chat_id"]].append(
                (f"m{params['message_id']}", params["chat_id"], params["message_thread_id"])
            )
    for user, (_, ids) in sent.items():
        got = per_person.get(user, [])
        expected = ["card", *(f"m{i}" for i in ids)]
        if [what for what, _, _ in got] != expected:
            result.problems.append(f"{user}: {[w for w, _, _ in got]} instead of {expected}")
        if {group for _, group, _ in got} != {people[user]}:
            result.problems.append(f"{user}: in groups {sorted({g for _, g, _ in got})}, not {people[user]}")
        if len({thread for _, _, thread in got}) != 1 or any(
            (people[user], t) not in tg.topics for _, _, t in got
        ):
            result.problems.append(f"{user}: not all in one topic of their group")
    refused = Counter(c.params.get("chat_id") for c in tg.calls if c.status == 429)
    for group in groups:
        times = sorted(tg.group_sends.get(group, []))
        busiest = max((sum(1 for t in times if start <= t < start + window) for start in times), default=0)
        ours = [c for c in accepted if c.params.get("chat_id") == group]
        result.groups[group] = GroupFigures(
            cards=sum(1 for c in ours if c.method == "sendMessage" and CARD in str(c.params.get("text"))),
            copies=sum(1 for c in ours if c.method == "copyMessage"),
            messages=len(times),
            seconds=(times[-1] - times[0]) if len(times) > 1 else 0.0,
            busiest_window=busiest,
            refused_429=refused[group],
        )
    return result


async def run_scenario(
    tg: FakeTelegram, bot: Any, people: dict[int, int], spread: float, window: float
) -> LoadResult:
    """``bot``: a ``tests.e2e.BotProcess`` with the groups configured, not started yet."""
    from tests.e2e import started

    users = list(people)
    first, second = users[: len(users) // 2], users[len(users) // 2 :]
    await started(tg, bot)
    sent_before = await ask(tg, first, spread / 2)
    latencies_before = reply_latencies(tg, sent_before)
    # SIGKILL while both groups' senders wait for Telegram's answer to a send, deep in their backlog
    stuck = [tg.stall_next_send(group) for group in GROUPS.values()]
    await asyncio.wait_for(asyncio.gather(*(s.wait() for s in stuck)), 20)
    bot.kill()
    await started(tg, bot)
    sent_after = await ask(tg, second, spread / 2)
    latencies_after = reply_latencies(tg, sent_after)
    expected = (len(users), len(users) * MESSAGES_EACH)
    deadline = time.monotonic() + 120
    while delivered(tg, people) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(window * 2)  # anything sent twice would arrive now
    result = check(tg, people, {**sent_before, **sent_after}, window)
    result.latencies = {"before the SIGKILL": latencies_before, "after the restart": latencies_after}
    return result


def bot_env(window: float) -> dict[str, str]:
    return {
        "COACH_GROUPS": ",".join(f"{town}={chat}" for town, chat in GROUPS.items()),
        "COACH_GROUP_RATE": str(GROUP_LIMIT),
        "COACH_GROUP_RATE_SECONDS": str(window),
        "CONCURRENT_UPDATES": os.environ.get("LOAD_CONCURRENT", "32"),
    }
