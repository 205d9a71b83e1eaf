"""Minors' data: nothing before consent, export, deletion without a trace, retention."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from bot.config import Settings
from bot.models import Handoff, RelayMessage
from bot.runtime import Runtime, open_runtime
from tests.driver import ServiceChat

TABLES_WITH_USER = {
    "users": "id",
    "place_marks": "user_id",
    "alert_subscriptions": "user_id",
    "handoffs": "user_id",
    "coach_topics": "user_id",
}


async def traces(runtime: Runtime, user_id: int) -> dict[str, int]:
    found = {}
    async with runtime.db.connect() as conn:
        for table, column in TABLES_WITH_USER.items():
            found[table] = int(
                (
                    await conn.execute(
                        text(f"SELECT count(*) FROM {table} WHERE {column} = :u"), {"u": user_id}
                    )
                ).scalar_one()
            )
        found["relay_messages"] = int(
            (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM relay_messages r JOIN handoffs h ON h.id = r.handoff_id WHERE h.user_id = :u"
                    ),
                    {"u": user_id},
                )
            ).scalar_one()
        )
    return found


async def test_export_contains_the_profile_and_delete_leaves_no_trace(runtime: Runtime) -> None:
    from knowledge.demo_places import SOURCE, demo_offers

    await runtime.places_store.replace_source(
        SOURCE, demo_offers(dt.date(2026, 11, 28), runtime.offer_reader().occupation_of), demo=True
    )
    chat = ServiceChat(runtime.dialogs, 777)
    await chat.onboard()
    await chat.tap("Open places")
    await chat.tap("ℹ️ 1")
    await chat.tap("I'm interested")
    await chat.tap("Tell me about new places")
    await chat.send("/coach")
    handoff = await runtime.dialogs.handoffs.active(777)
    assert handoff is not None
    await runtime.dialogs.handoffs.add_relay(handoff.id, "to_coach", 777, 1, body="Hallo, ich brauche Hilfe")

    result = await chat.send("/export")
    assert result.attachment is not None
    name, content = result.attachment
    data = json.loads(content)
    assert name.endswith(".json") and data["profile"]["answers"]["age"] == 17
    assert data["places"][0]["status"] == "interested" and data["alerts"] is True
    assert data["coach_requests"][0]["messages"][0]["text"] == "Hallo, ich brauche Hilfe"
    shown = {a["field"]: a for a in data["profile"]["answers_shown"]}
    assert shown["certificate"] == {
        "field": "certificate", "label": "School certificate", "value": "esa", "shown": "Erster Schulabschluss (ESA)",
    }  # fmt: skip
    assert (
        shown["situation"]["value"] == "school_done" and shown["situation"]["shown"] == "I've finished school"
    )
    assert data["places"][0]["status_shown"] == "interested"
    # in the person's language, next to the same codes and keys
    await chat.send("/language")
    await chat.tap("Türkçe")
    data = json.loads((await chat.send("/export")).attachment[1])  # type: ignore[index]
    shown = {a["field"]: a for a in data["profile"]["answers_shown"]}
    assert shown["certificate"]["label"] == "Okul diploması" and shown["certificate"]["value"] == "esa"
    assert shown["situation"] == {
        "field": "situation", "label": "Durum", "value": "school_done", "shown": "Okulu bitirdim",
    }  # fmt: skip
    assert shown["location"]["label"] == "İkamet yeri" and "km" in shown["location"]["shown"]
    assert data["profile"]["language_shown"] == "Türkçe" and "kaydettiği her şey" in data["note"]
    assert (
        data["places"][0]["status"] == "interested" and data["places"][0]["status_shown"] == "ilgimi çekiyor"
    )
    assert data["coach_requests"][0]["status_shown"] == "açık – bekliyor"
    await chat.send("/language")
    await chat.tap("English")

    before = await traces(runtime, 777)
    assert all(
        before[t] >= 1 for t in ("users", "place_marks", "alert_subscriptions", "handoffs", "relay_messages")
    )
    await chat.send("/delete")
    assert "cannot be undone" in chat.text
    await chat.tap("Yes, delete everything")
    assert "has been deleted" in chat.text
    assert set((await traces(runtime, 777)).values()) == {0}
    assert await runtime.dialogs.state(777) is not None  # only the fresh, unsaved start state in memory
    await chat.send("/start")
    assert "how old are you" in chat.text


def test_console_export_and_delete_leave_no_file_behind(tmp_path: Path) -> None:
    """The export is shown, never written; /delete also removes an export file an older version wrote."""
    user = 918273645
    data, tmp = tmp_path / "data", tmp_path / "tmp"
    tmp.mkdir()
    legacy = data / "exports" / f"ausbildungsbot-data-{user}.json"
    legacy.parent.mkdir(parents=True)
    legacy.write_text(json.dumps({"user_id": user}))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{data / 'bot.sqlite3'}",
        "DATA_DIR": str(data),
        "TMPDIR": str(tmp),
        "TELEGRAM_BOT_TOKEN": "",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--user", str(user), "--lang", "en"],
        input="17\n1\n/export\n/delete\n1\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert f'"user_id": {user}' in proc.stdout and '"age": 17' in proc.stdout  # shown in the terminal
    assert "has been deleted" in proc.stdout
    for root in (data, tmp):
        for path in root.rglob("*"):
            assert str(user) not in path.name, path
            assert not path.is_file() or str(user).encode() not in path.read_bytes(), path


async def test_keep_my_data_deletes_nothing(runtime: Runtime) -> None:
    chat = ServiceChat(runtime.dialogs, 778)
    await chat.onboard()
    await chat.send("/delete")
    await chat.tap("No, keep my data")
    assert (await traces(runtime, 778))["users"] == 1


async def test_privacy_text_before_consent_and_nothing_to_export(runtime: Runtime) -> None:
    chat = ServiceChat(runtime.dialogs, 779)
    await chat.send("/privacy")
    assert "I never save anything before you agree" in chat.text
    await chat.send("/export")
    assert "not stored anything" in chat.text and chat.result is not None and chat.result.attachment is None


async def test_the_privacy_text_says_how_long_retention_days_is(db_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=db_url, data_dir=tmp_path, retention_days=45, coach_chat_id=None)
    runtime = await open_runtime(settings, migrate=False)
    try:
        chat = ServiceChat(runtime.dialogs, 780)
        await chat.send("/privacy")
        assert "or 45 days after your last message" in chat.text
    finally:
        await runtime.close()


async def test_retention_deletes_inactive_profiles_and_old_message_texts(runtime: Runtime) -> None:
    active, idle = ServiceChat(runtime.dialogs, 801), ServiceChat(runtime.dialogs, 802)
    await active.onboard()
    await idle.onboard()
    await idle.send("/coach")
    handoff = await runtime.dialogs.handoffs.active(802)
    assert handoff is not None
    await runtime.dialogs.handoffs.add_relay(handoff.id, "to_coach", 802, 5, body="secret")
    await active.send("/coach")
    closed = await runtime.dialogs.handoffs.active(801)
    assert closed is not None
    relay = await runtime.dialogs.handoffs.add_relay(closed.id, "to_user", -100, 6, body="old answer")
    await runtime.dialogs.handoffs.set_status(closed.id, "closed")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=100)
    # 100 days later: nobody is 180 days inactive, but closed conversations older than 90 days lose their texts
    assert await runtime.dialogs.apply_retention(180, 90, now=later) == (0, 1)
    async with runtime.dialogs.sessions() as session:
        row = await session.get(RelayMessage, relay)
        assert row is not None and row.body == ""
        assert (await session.get(Handoff, handoff.id)) is not None
    much_later = dt.datetime.now(dt.UTC) + dt.timedelta(days=200)
    profiles, _ = await runtime.dialogs.apply_retention(180, 90, now=much_later)
    assert profiles == 2 and set((await traces(runtime, 802)).values()) == {0}
    assert await runtime.dialogs.store.load(802) is None  # not even a cached copy is left
