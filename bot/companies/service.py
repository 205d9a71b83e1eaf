"""Applies the company flow (``dialogs.company``) for company contacts, and the buttons about company places.

Which flow a person gets is decided here, before the young people's dialog: a person with a ``companies``
row (or who has just opened the company flow, not yet stored) talks to the company flow; everyone else to
the young people's. A young person reaches the company flow only with ``/betrieb`` or the link
``?start=betrieb`` (action ``company`` of the young people's flow), and its first screen takes them back
(action ``youth``). Before the contact goes on past that screen nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.chat.service import Result
from bot.companies.store import CompanyStore
from bot.models import Company, PlaceStatus, utcnow
from dialogs.callbacks import CompanyMeet, ShareAnswer, StillOpen
from dialogs.company.profile import PlaceDraft
from dialogs.company.steps import COMPANY_FLOW, company_lang
from dialogs.engine import Engine
from dialogs.i18n import N_, translator
from dialogs.model import Event, Reply, Services, State
from dialogs.places_view import may_share

#: Companies that opened the flow but did not go on yet, kept in memory (nothing is stored before).
MAX_PENDING = 1_000


@dataclass(frozen=True)
class CompanyResult(Result):
    """A result of the company side, with what the coach group must hear about."""

    #: Places submitted or changed: a verification card goes to the coach group.
    verify: tuple[int, ...] = ()
    #: The company whose message goes to its topic (an open coach question; action ``relay``).
    company_id: int | None = None
    #: A young person agreed to share their profile (a notice with "send" for the coaches).
    shared: int | None = None
    #: A company would like to meet the young person of this share.
    meet: int | None = None


def _details(state: State) -> tuple[object, ...]:
    """The company's own answers, to see whether an event changed them."""
    answers = state.company
    return (answers.name, answers.contact, answers.reach, answers.address)


class CompanyService:
    def __init__(
        self, store: CompanyStore, services: Services, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self.store = store
        self.engine = Engine(services, COMPANY_FLOW)
        self.clock = clock
        self._pending: OrderedDict[int, State] = OrderedDict()

    def talking_to(self, user_id: int) -> bool:
        """This process holds the person's company dialog before it was first stored."""
        return user_id in self._pending

    async def route(
        self,
        user_id: int,
        event: Event,
        lang: str,
        first_name: str,
        youth_state: Callable[[int], Awaitable[State | None]],
        update_id: int | None = None,
    ) -> Result | Event | None:
        """The company side's answer to ``event``; an :class:`Event` for the young people's dialog to handle
        instead (a young person going back); ``None`` when the event is not for the company side."""
        if isinstance(event.callback, ShareAnswer):
            state = await youth_state(user_id)
            if state is None or not state.consented:
                return None
            return await self._share(user_id, state, event.callback, first_name)
        company = await self.store.get(user_id)
        if company is None and user_id not in self._pending:
            return None
        if company is not None and update_id is not None and self.store.applied(company, update_id):
            state = await self.store.state(company)  # delivered again after a crash: only the question again
            return CompanyResult([self.engine.current(state)], state, duplicate=True)
        if isinstance(event.callback, StillOpen | CompanyMeet):
            return await self._company_button(company, event.callback, lang)
        return await self.handle(user_id, event, lang, company, update_id)

    async def open(self, user_id: int, lang: str) -> Result | Event:
        """A young person (or a newcomer) asked for the company flow (``/betrieb``)."""
        return await self.handle(user_id, Event("command", "betrieb"), lang, await self.store.get(user_id))

    async def handle(
        self, user_id: int, event: Event, lang: str, company: Company | None, update_id: int | None = None
    ) -> Result | Event:
        state = await self.store.state(company) if company is not None else self._pending.get(user_id)
        if (
            company is not None
            and state is not None
            and company.question_open
            and self.engine.relays(state)
            and event.kind in ("text", "unsupported")
        ):
            return CompanyResult([], state, ("relay",), company_id=company.id)
        outcome = self.engine.handle(state, event, company_lang(lang))
        new = outcome.state
        if "youth" in outcome.actions:
            self._pending.pop(user_id, None)
            return Event("command", "start")
        if "delete" in outcome.actions:
            self._pending.pop(user_id, None)
            await self.store.delete(user_id)
            return CompanyResult(outcome.replies, new, outcome.actions)
        if not new.company.accepted:
            self._remember(user_id, new)
            return CompanyResult(outcome.replies, new, outcome.actions)
        self._pending.pop(user_id, None)
        answers = new.company
        chosen = answers.editing
        changed = state is not None and state.company.registered and _details(state) != _details(new)
        if "company_submit" in outcome.actions:
            draft, answers.draft, answers.editing = answers.draft, PlaceDraft(), None
        company = await self.store.save(user_id, new, update_id)
        verify: tuple[int, ...] = ()
        now = self.clock()
        if "company_submit" in outcome.actions:
            verify = (await self.store.submit(company, draft, chosen, now.date()),)
        elif chosen is not None and (
            "company_filled" in outcome.actions or "company_withdraw" in outcome.actions
        ):
            status: PlaceStatus = "filled" if "company_filled" in outcome.actions else "withdrawn"
            await self.store.set_status(chosen, status, now)
            verify = (chosen,)  # the card in the coach group shows the new status
        if changed:  # new company details: its places are checked again before young people see them
            for place in new.company.places:
                if place.status in ("pending", "approved") and place.id not in verify:
                    await self.store.set_status(place.id, "pending", now)
                    verify += (place.id,)
        return CompanyResult(outcome.replies, new, outcome.actions, verify=verify, company_id=company.id)

    # ------------------------------------------------------------ buttons outside the flow

    async def _company_button(
        self, company: Company | None, button: StillOpen | CompanyMeet, lang: str
    ) -> Result:
        if company is None:
            return Result([], State(lang=company_lang(lang)))
        state = await self.store.state(company)
        t = translator(state.lang)
        current = self.engine.current(state)
        if isinstance(button, CompanyMeet):
            share = await self.store.get_share(button.share_id)
            info = await self.store.info(share.place_id) if share is not None else None
            if share is None or info is None or info.company.id != company.id:
                return CompanyResult([current], state)
            await self.store.share_done(share.id, self.clock(), meet=True)
            text = t.gettext(N_("✅ Thank you! A coach of Ausbildungswege NRW will arrange the contact."))
            return CompanyResult([Reply(text), current], state, meet=share.id)
        info = await self.store.info(button.place_id)
        if info is None or info.company.id != company.id or info.place.status != "approved":
            return CompanyResult([current], state)
        now = self.clock()
        if button.open:
            await self.store.confirm(button.place_id, now)
            text = t.gettext(N_("👍 Thank you! The place stays visible for young people."))
            return CompanyResult([Reply(text), current], state)
        await self.store.set_status(button.place_id, "filled", now)
        text = t.gettext(N_("Thank you! The place is no longer shown."))
        return CompanyResult([Reply(text), await self._fresh(company)], state, verify=(button.place_id,))

    async def _fresh(self, company: Company) -> Reply:
        return self.engine.current(await self.store.state(company))

    async def _share(self, user_id: int, state: State, answer: ShareAnswer, first_name: str) -> Result:
        t = translator(state.lang)
        info = await self.store.info(answer.place_id)
        if not answer.yes or info is None or info.place.status != "approved" or not may_share(state.profile):
            text = t.gettext(N_("Okay, nothing is sent to the company."))
            return CompanyResult([Reply(text)], state)
        share_id = await self.store.share(user_id, answer.place_id, first_name)
        text = t.gettext(
            N_(
                "✅ Thank you! A coach sends the company your first name and your profile – no phone number, "
                "no address. If the company is interested, the coach arranges the contact."
            )
        )
        return CompanyResult([Reply(text)], state, shared=share_id)

    def _remember(self, user_id: int, state: State) -> None:
        self._pending[user_id] = state
        self._pending.move_to_end(user_id)
        while len(self._pending) > MAX_PENDING:
            self._pending.popitem(last=False)
