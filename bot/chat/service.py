"""Applies dialog events for one young person: load the state, run the engine, write, then reply.

Shared by the Telegram transport and the console chat. The new state (with the update id) is written in
one statement before any reply leaves the process, so a crash between two messages loses nothing and a
redelivered update is not applied twice (``bot/chat/state_store.py``). Before consent nothing is written: the
few answers given so far live only in this process's memory.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.chat.state_store import StateStore
from bot.coach.hours import CoachHours
from bot.coach.routing import CoachGroup, CoachRouting
from bot.coach.store import HandoffStore
from bot.followup import FollowUps
from bot.funnel import Funnel
from bot.models import CoachTopic, User, utcnow
from bot.places.controller import PlacesController
from bot.privacy import apply_retention, export_user
from bot.sources import SourceStore
from dialogs.callbacks import (
    CompanyMeet,
    FollowUpAnswer,
    PlaceDetails,
    PlaceInterested,
    PlacesPage,
    Rating,
    ShareAnswer,
    StillOpen,
)
from dialogs.engine import Engine
from dialogs.i18n import N_, Translator, translator
from dialogs.model import Action, Event, Outcome, Reply, State

if TYPE_CHECKING:  # the company side builds on this module's Result
    from bot.companies.service import CompanyService

CONTACT_TEXT = N_(
    "A coach of Ausbildungswege NRW will contact you. The programme is run in Herne by the Gemeinnützige "
    "Beschäftigungsgesellschaft Herne and in Bochum by the Bildungsinstitut Vogel."
)


def _day_range(t: Translator, hours: CoachHours) -> str:
    from babel.dates import get_day_names

    names = get_day_names("abbreviated", locale=t.locale)
    return f"{names[hours.first_day]}–{names[hours.last_day]}"


#: How often one event is computed again when another process changed the same person's row meanwhile.
WRITE_ATTEMPTS = 5
#: Pre-consent states kept in memory (answers are only the age); the oldest are forgotten first.
MAX_PENDING = 10_000


@dataclass(frozen=True)
class Result:
    replies: list[Reply]
    state: State
    actions: tuple[Action, ...] = ()
    duplicate: bool = False
    #: The hand-off this event belongs to: a new coach request (action ``coach``) or a message to relay
    #: (action ``relay``).
    handoff_id: int | None = None
    #: A file for the young person (``/export``): name and content.
    attachment: tuple[str, bytes] | None = None
    #: Coach topic (chat id, thread id) to tell that the person deleted their data.
    deleted_topic: tuple[int, int] | None = None


@dataclass
class CoachOptions:
    """How coach requests are answered: relayed to a coach group, or recorded with contact details."""

    relay: bool = False
    hours: CoachHours | None = None
    #: The operator's contact text per language (``COACH_CONTACT_TEXT_TR`` …); a language without one gets
    #: the translated ``CONTACT_TEXT``.
    contact_texts: Mapping[str, str] = field(default_factory=dict)
    #: The coach groups (``COACH_GROUPS``, ``COACH_CHAT_ID``): a request goes to the person's group, whose
    #: hours and contact text the reply names.
    routing: CoachRouting | None = None
    #: Messages a coach group takes per minute (``COACH_GROUP_RATE``), to say how long a backlog lasts.
    group_rate_per_minute: float = 20.0


class DialogService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: StateStore,
        engine: Engine,
        places: PlacesController,
        handoffs: HandoffStore,
        coach: CoachOptions | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        companies: CompanyService | None = None,
    ) -> None:
        self.sessions = sessions
        #: The company flow (``bot/companies/service.py``): company contacts talk to it instead.
        self.companies = companies
        self.store = store
        self.engine = engine
        self.places = places
        self.handoffs = handoffs
        self.coach = coach or CoachOptions()
        #: The time now (UTC), for coach hours; tests pass a fixed one.
        self.clock = clock
        self._pending: OrderedDict[int, State] = OrderedDict()
        #: When each pending person sent their first message (the funnel's "started", stored with consent).
        self._started: dict[int, dt.datetime] = {}
        self.funnel = Funnel(sessions)
        self.sources = SourceStore(sessions)
        self.followups = FollowUps(sessions)

    async def handle(
        self, user_id: int, event: Event, lang: str, update_id: int | None = None, first_name: str = ""
    ) -> Result:
        """Apply ``event``; ``update_id`` makes a redelivered Telegram update a no-op (it re-asks instead)."""
        if self.companies is not None and await self._may_be_for_companies(user_id, event):
            routed = await self.companies.route(user_id, event, lang, first_name, self.state, update_id)
            if isinstance(routed, Result):
                return routed
            event = routed or event
        outside = event.kind == "button" or (self.coach.relay and event.kind in ("text", "unsupported"))
        current = await self.state(user_id) if outside else None
        if current is not None and current.consented:
            early = await self._outside_dialog(user_id, current, event)
            if early is not None:
                return early
        for _attempt in range(WRITE_ATTEMPTS):
            stored = await self.store.load(user_id)
            state = stored.state if stored else self._pending.get(user_id)
            if stored is not None and update_id is not None and stored.applied(update_id):
                # Telegram redelivered an update that was applied already: ask the current question again.
                return Result([self.engine.current(stored.state)], stored.state, duplicate=True)
            outcome: Outcome = self.engine.handle(state, event, lang)
            new = outcome.state
            if not new.consented:
                self._remember(user_id, new)
                break
            if stored is None and new.profile.source is not None:  # consent: the deep link's source
                new.profile.source = await self.sources.resolve(new.profile.source)
            if await self.store.save(user_id, stored, new, update_id) is not None:
                self._pending.pop(user_id, None)
                break
        else:
            raise RuntimeError(f"the dialog state changed {WRITE_ATTEMPTS} times while being written")
        topic = await self._delete(user_id) if stored is not None and not new.consented else None
        if new.consented:
            await self._milestones(user_id, stored.state if stored is not None else None, new)
        replies = list(outcome.replies)
        handoff_id, attachment = None, None
        for action in outcome.actions:
            if action == "places":
                replies.append(await self.places.page(user_id, new, 0))
                await self.funnel.reach(user_id, "places_seen", self.clock())
            elif action == "coach":
                group = self.coach.routing.group_for(new.profile.location) if self.coach.routing else None
                handoff, created = await self.handoffs.open(
                    user_id, first_name, group.chat_id if group else None, card=self.coach.relay
                )
                if self.coach.routing is not None:  # an open request stays in its group, after a move too
                    group = self.coach.routing.of_handoff(handoff.coach_chat_id)
                handoff_id = handoff.id if created else None
                await self.funnel.reach(user_id, "coach_asked", self.clock())
                replies += await self._coach_replies(new, created, group)
                if self.coach.relay and not new.completed:  # asked mid-profile: the way back to it
                    replies.append(self.engine.current(new))
            elif action == "company" and self.companies is not None:  # /betrieb, ?start=betrieb
                routed = await self.companies.open(user_id, lang)
                if isinstance(routed, Result):
                    self._pending.pop(user_id, None)  # the company side has them now (nothing was stored)
                    return routed
            elif action == "export" and stored is not None:
                async with self.sessions() as session:
                    attachment = await export_user(session, user_id, self.engine)
                replies.append(
                    Reply(translator(new.lang).gettext(N_("📦 Here is everything I have stored about you.")))
                )
        return Result(
            replies, new, outcome.actions, handoff_id=handoff_id, attachment=attachment,
            deleted_topic=(topic.chat_id, topic.thread_id) if topic else None,
        )  # fmt: skip

    async def apply_retention(
        self, inactive_days: int, message_days: int, now: dt.datetime | None = None
    ) -> tuple[int, int]:
        """The retention clean-up (``bot/privacy.py``); no copy of a deleted profile stays in the cache."""
        profiles, messages = await apply_retention(self.sessions, inactive_days, message_days, now)
        if profiles:
            self.store.clear()
            self.funnel.clear()
        return profiles, messages

    async def _delete(self, user_id: int) -> CoachTopic | None:
        """Remove every row of the person (their rows cascade); returns their coach topic, if any."""
        async with self.sessions.begin() as session:
            topic = await session.get(CoachTopic, user_id)
            await session.execute(delete(User).where(User.id == user_id))
        self.store.forget(user_id)
        self.funnel.forget(user_id)
        return topic

    async def _may_be_for_companies(self, user_id: int, event: Event) -> bool:
        """Could the company side want this event? Not from a young person in the middle of their dialog
        (kept in memory before consent, or stored after it): their updates skip the companies lookup,
        which keeps the young people's hot path at one state read."""
        if isinstance(event.callback, StillOpen | CompanyMeet | ShareAnswer):
            return True
        if self.companies is not None and self.companies.talking_to(user_id):
            return True
        if user_id in self._pending or await self.store.load(user_id) is not None:
            return False
        return await self.store.is_company_contact(user_id)

    async def _outside_dialog(self, user_id: int, state: State, event: Event) -> Result | None:
        """Places buttons, ratings and messages for the coach, which do not move the dialog."""
        if isinstance(event.callback, Rating):
            return Result(await self._rate(user_id, state, event.callback), state)
        if isinstance(event.callback, FollowUpAnswer):
            return Result(await self._follow_up(user_id, state, event.callback.choice), state)
        if event.callback is not None:
            replies = await self.places.handle(user_id, state, event.callback)
            if isinstance(event.callback, PlaceInterested):
                await self.funnel.reach(user_id, "place_interested", self.clock())
            elif isinstance(event.callback, PlacesPage | PlaceDetails):
                await self.funnel.reach(user_id, "places_seen", self.clock())
            return Result(replies, state)
        if self.coach.relay and self.engine.relays(state) and event.kind in ("text", "unsupported"):
            handoff = await self.handoffs.active(user_id)
            if handoff is not None:
                return Result([], state, ("relay",), handoff_id=handoff.id)
        return None

    async def _coach_replies(self, state: State, created: bool, group: CoachGroup | None) -> list[Reply]:
        t = translator(state.lang)
        hours, later = (group.hours if group else self.coach.hours), ""
        if hours is not None and not hours.open_at(self.clock()):
            later = "\n\n" + t.gettext(
                N_("Coaches answer {days}, {start}–{end}, so it may take a while before you get an answer."),
                days=_day_range(t, hours),
                start=hours.start.strftime("%H:%M"),
                end=hours.end.strftime("%H:%M"),
            )
        contact = group.contact_texts.get(state.lang, "") if group else ""
        if not self.coach.relay:
            text = contact or self.coach.contact_texts.get(state.lang) or t.gettext(CONTACT_TEXT)
            return [
                Reply(t.gettext(N_("✅ Your request is saved.")) + "\n\n" + text + later),
                self.engine.current(state),
            ]
        text = t.gettext(
            N_(
                "✅ A coach has been told and will answer you right here. Write your question – I pass on "
                "everything you send (text, photos, voice messages, documents)."
            )
            if created
            else N_("Your coach request is still open. Just write here – I pass it on.")
        )
        if contact:
            text += "\n\n" + t.gettext(N_("Your coaches: {contact}"), contact=contact)
        if group is not None:
            later += await self._busy_notice(t, group.chat_id)
        return [Reply(text + later)]

    async def _busy_notice(self, t: Translator, chat_id: int) -> str:
        """When the group's outbox is backed up: honestly, how long until the coaches see the message."""
        backlog = await self.handoffs.outbox.backlog(chat_id)
        if not backlog.busy(self.clock()):
            return ""
        minutes = max(1, math.ceil(backlog.pending / self.coach.group_rate_per_minute))
        return "\n\n" + t.ngettext(
            "⏳ Our coaches are very busy right now: your messages will reach them in about {n} minute.",
            "⏳ Our coaches are very busy right now: your messages will reach them in about {n} minutes.",
            minutes,
        )

    async def _follow_up(self, user_id: int, state: State, choice: str) -> list[Reply]:
        """A button under a reminder or the "still looking?" check (``bot/followup.py``)."""
        replies = await self.followups.answer(user_id, state, choice, self.clock())
        if choice == "resume":
            return [self.engine.current(state)]
        if choice == "searching":
            replies.append(await self.places.page(user_id, state, 0))
            await self.funnel.reach(user_id, "places_seen", self.clock())
        return replies

    async def _rate(self, user_id: int, state: State, rating: Rating) -> list[Reply]:
        handoff = await self.handoffs.get(rating.handoff_id)
        if handoff is not None and handoff.user_id == user_id and handoff.rating is None:
            await self.handoffs.update(handoff.id, rating=rating.stars)
            t = translator(state.lang)
            return [Reply(t.gettext(N_("Thank you for your feedback! 🙏"))), self.engine.current(state)]
        return [self.engine.current(state)]

    async def state(self, user_id: int) -> State | None:
        """The person's dialog state as stored now (or the unsaved one before consent)."""
        stored = await self.store.read(user_id)
        return stored.state if stored else self._pending.get(user_id)

    def _remember(self, user_id: int, state: State) -> None:
        self._pending[user_id] = state
        self._pending.move_to_end(user_id)
        self._started.setdefault(user_id, self.clock())
        while len(self._pending) > MAX_PENDING:
            forgotten, _ = self._pending.popitem(last=False)
            self._started.pop(forgotten, None)

    async def _milestones(self, user_id: int, before: State | None, now: State) -> None:
        """The funnel's steps reached by this event: the consent (with the first message's time and the
        follow-ups it covers) and the finished profile."""
        moment = self.clock()
        if before is None:
            started = self._started.pop(user_id, moment)
            await self.store.record(user_id, [("started", started), ("consented", moment)], follow_ups=True)
        if now.completed and (before is None or not before.completed):
            await self.store.record(user_id, [("profile_done", moment)])
