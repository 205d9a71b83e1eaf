"""Privacy of minors' data: export of everything stored about one person, and retention clean-up."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.funnel import reached
from bot.models import (
    AlertSubscription,
    CoachTopic,
    Company,
    CompanyPlace,
    CompanyShare,
    FollowUp,
    Handoff,
    PlaceMark,
    PlaceOffer,
    RelayMessage,
    User,
)
from dialogs.engine import Engine
from dialogs.i18n import N_, translator
from dialogs.model import State
from dialogs.screens import LANGUAGE_NAMES

#: Read at the top of the export, in the person's language: what the file is and how to read it.
EXPORT_NOTE = N_(
    "Everything the Ausbildung assistant has stored about you. The names in this file are the same in "
    "every language; “value” is how an answer is stored, “shown” is how the chat shows it to you."
)
#: How a place mark and a coach request's status read in the export.
MARK_LABELS = {"interested": N_("interested"), "dismissed": N_("not for me")}
STATUS_LABELS = {"open": N_("open – waiting"), "taken": N_("taken"), "closed": N_("closed")}


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _shown(labels: dict[str, str], code: str, lang: str) -> str:
    return translator(lang).gettext(labels[code]) if code in labels else code


async def export_user(session: AsyncSession, user_id: int, engine: Engine) -> tuple[str, bytes]:
    """Everything stored about one person, as a JSON file (GDPR Art. 15/20).

    Keys are the same in every language; next to every stored code (``"msa"``, ``"school_done"``) stands
    how the chat shows it, in the person's language, labelled like the profile card (``engine``)."""
    user = await session.get(User, user_id)
    lang = user.lang if user is not None else "de"
    t = translator(lang)
    data: dict[str, Any] = {
        "note": t.gettext(EXPORT_NOTE),
        "user_id": user_id,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    if user is not None:
        answers = user.state.get("answers", {})
        shown = [
            {
                "field": a.key,
                "label": t.plain(a.label),
                "value": answers.get(a.key),
                "shown": t.plain(a.shown),
            }
            for a in engine.profile_answers(State.from_json(user.lang, user.state), user.lang)
        ]
        data["profile"] = {
            "language": user.lang, "language_shown": LANGUAGE_NAMES.get(user.lang, user.lang),
            "current_step": user.step, "answers": answers, "answers_shown": shown,
            "consent_at": _iso(user.consent_at), "created_at": _iso(user.created_at), "updated_at": _iso(user.updated_at),
        }  # fmt: skip
    marks = await session.execute(
        select(PlaceMark.status, PlaceMark.created_at, PlaceOffer.title, PlaceOffer.employer, PlaceOffer.city)
        .join(PlaceOffer, PlaceOffer.id == PlaceMark.place_id)
        .where(PlaceMark.user_id == user_id)
    )
    data["places"] = [
        {
            "status": m.status,
            "status_shown": _shown(MARK_LABELS, m.status, lang),
            "title": m.title,
            "employer": m.employer,
            "city": m.city,
            "at": _iso(m.created_at),
        }
        for m in marks
    ]
    data["alerts"] = (await session.get(AlertSubscription, user_id)) is not None
    handoffs = (await session.scalars(select(Handoff).where(Handoff.user_id == user_id))).all()
    data["coach_requests"] = []
    for h in handoffs:
        messages = (await session.scalars(select(RelayMessage).where(RelayMessage.handoff_id == h.id))).all()
        data["coach_requests"].append(
            {
                "status": h.status,
                "status_shown": _shown(STATUS_LABELS, h.status, lang),
                "created_at": _iso(h.created_at),
                "closed_at": _iso(h.closed_at),
                "coach": h.coach_name,
                "rating": h.rating,
                "messages": [
                    {
                        "direction": m.direction,
                        "text": m.body,
                        "from": m.sender_name,
                        "at": _iso(m.created_at),
                    }
                    for m in messages
                ],
            }
        )
    data["coach_topic"] = (await session.get(CoachTopic, user_id)) is not None
    shares = await session.execute(
        select(PlaceOffer.title, PlaceOffer.employer, CompanyShare.agreed_at, CompanyShare.sent_at)
        .join(PlaceOffer, PlaceOffer.id == CompanyShare.place_id)
        .where(CompanyShare.user_id == user_id)
    )
    data["shared_with_companies"] = [
        {"title": s.title, "company": s.employer, "agreed_at": _iso(s.agreed_at), "sent_at": _iso(s.sent_at)}
        for s in shares
    ]
    data["milestones"] = {name: _iso(at) for name, at in (await reached(session, user_id)).items()}
    follow_up = await session.get(FollowUp, user_id)
    data["follow_ups"] = (
        {
            "reminders": follow_up.stopped is None,
            "reminded_at": _iso(follow_up.reminded_at),
            "still_looking_asked_at": _iso(follow_up.checked_at),
            "answer": follow_up.outcome,
        }
        if follow_up is not None
        else None
    )
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    return f"ausbildungsbot-data-{user_id}.json", body


async def apply_retention(
    sessions: async_sessionmaker[AsyncSession],
    inactive_days: int,
    message_days: int,
    now: dt.datetime | None = None,
) -> tuple[int, int]:
    """Delete profiles without activity for ``inactive_days`` (everything cascades) and blank the texts of
    relayed messages of hand-offs closed more than ``message_days`` ago. Returns (profiles, messages).

    Companies without activity for ``inactive_days`` (their contact's last message, or the last "still open"
    answer) are deleted too, with their places."""
    now = now or dt.datetime.now(dt.UTC)
    async with sessions.begin() as session:
        stale = await session.execute(
            delete(User).where(User.updated_at < now - dt.timedelta(days=inactive_days))
        )
        quiet = select(Company.id).where(Company.updated_at < now - dt.timedelta(days=inactive_days))
        owned = select(CompanyPlace.place_id).where(CompanyPlace.company_id.in_(quiet))
        await session.execute(delete(PlaceOffer).where(PlaceOffer.id.in_(owned)))
        await session.execute(delete(Company).where(Company.id.in_(quiet)))
        closed = select(Handoff.id).where(
            Handoff.status == "closed", Handoff.closed_at < now - dt.timedelta(days=message_days)
        )
        blanked = await session.execute(
            update(RelayMessage)
            .where(RelayMessage.handoff_id.in_(closed), RelayMessage.body != "")
            .values(body="")
        )
    return int(stale.rowcount or 0), int(blanked.rowcount or 0)  # type: ignore[attr-defined]
