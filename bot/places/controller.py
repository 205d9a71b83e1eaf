"""The "open places" part of the chat: search for the stored profile, paging, details, marks, alerts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping

from bot.models import PlaceOffer
from bot.places.store import COMPANY_SOURCE, PlacesStore
from dialogs.callbacks import Packed, PlaceAlerts, PlaceDetails, PlaceDismissed, PlaceInterested, PlacesPage
from dialogs.company.profile import isolate
from dialogs.i18n import N_, Translator, translator
from dialogs.model import Reply, State
from dialogs.places_view import (
    PAGE_SIZE,
    PlaceCard,
    details_reply,
    fit_reason,
    list_reply,
    may_share,
    share_question,
)
from dialogs.profile import Profile
from dialogs.questions import GUARDIAN_AGE
from knowledge.catalogue import Catalogue
from knowledge.gazetteer import distance_km
from knowledge.places import FIT_FIELD, SearchProfile, targets
from knowledge.related import Relations, relations_for


def search_profile(profile: Profile, today: dt.date) -> SearchProfile | None:
    location = profile.location
    if location is None:
        return None
    # Places start on the first of a month: "as soon as possible" (or a month that has passed) is this month.
    earliest = today.replace(day=1)
    if profile.start is not None and profile.start != "asap":
        year, month = (int(p) for p in profile.start.split("-"))
        earliest = max(earliest, dt.date(year, month, 1))
    return SearchProfile(
        lat=location.lat,
        lon=location.lon,
        radius_km=float(profile.radius or 10),
        wishes=tuple(profile.wishes),
        interests=profile.interest_fields,
        certificate=profile.certificate,
        earliest_start=earliest,
    )


class PlacesController:
    def __init__(
        self,
        store: PlacesStore,
        catalogue: Catalogue,
        today: Callable[[], dt.date],
        relations: Relations | None = None,
    ) -> None:
        self.store = store
        self.catalogue = catalogue
        #: Today's date (the composition root's clock, as the dialog has it).
        self.today = today
        #: Which occupations are truly related, and why (``knowledge.related``).
        self.relations = relations or relations_for(catalogue)

    async def handle(self, user_id: int, state: State, button: Packed) -> list[Reply]:
        """A button of the places list or a place's details."""
        t = translator(state.lang)
        if isinstance(button, PlacesPage):
            return [await self.page(user_id, state, button.page)]
        if isinstance(button, PlaceDetails):
            card = await self._card(user_id, state, button.place_id)
            if card is None:
                return [await self.page(user_id, state, button.page)]
            return [details_reply(t, card, button.page)]
        if isinstance(button, PlaceInterested | PlaceDismissed):
            interested = isinstance(button, PlaceInterested)
            ok = await self.store.mark(user_id, button.place_id, "interested" if interested else "dismissed")
            if not ok:
                return [await self.page(user_id, state, button.page)]
            note = t.gettext(
                N_("❤️ Saved! When you talk to a coach, they will see this place.")
                if interested
                else N_("Okay, I won't show it again.")
            )
            replies = [await self.page(user_id, state, button.page, note=note)]
            row = (await self.store.get([button.place_id])).get(button.place_id)
            if interested and row is not None and row.source == COMPANY_SOURCE and may_share(state.profile):
                under_16 = state.profile.age is not None and state.profile.age < GUARDIAN_AGE
                replies.append(share_question(t, row.id, isolate(row.employer), guardian=under_16))
            return replies
        if isinstance(button, PlaceAlerts):
            await self.store.subscribe(user_id, button.on)
            note = (
                N_("🔔 Okay, I'll tell you about new places (at most once a day).")
                if button.on
                else N_("🔕 Okay, no more news about new places.")
            )
            return [await self.page(user_id, state, 0, note=t.gettext(note))]
        return [await self.page(user_id, state, 0)]

    async def page(self, user_id: int, state: State, page: int, note: str = "") -> Reply:
        t = translator(state.lang)
        profile = search_profile(state.profile, self.today())
        if profile is None:
            return Reply(t.gettext(N_("Tell me where you live first: /profile")))
        result = await self.store.search(profile)
        marks = await self.store.marks(user_id)
        ranked = [r for r in result.ranked if marks.get(r.place_id) != "dismissed"]
        total = result.total - (len(result.ranked) - len(ranked))
        pages = max(1, (len(ranked) + PAGE_SIZE - 1) // PAGE_SIZE)
        page = min(max(page, 0), pages - 1)
        shown = ranked[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        rows = await self.store.get([r.place_id for r in shown])
        fits = targets(self.catalogue, profile, self.relations)
        cards = [
            self._to_card(rows[r.place_id], t, r.distance_km, r.fit, marks, fits.why)
            for r in shown
            if r.place_id in rows
        ]
        related = []
        for occupation_id, count in result.related:
            occupation = self.catalogue.by_id.get(occupation_id)
            if occupation:
                why = self._why(t, fits.why.get(occupation_id))
                related.append(
                    f"{t.keep_ltr(occupation.name)} ({t.number(count)}{', ' + why if why else ''})"
                )
        subscribed = await self.store.subscribed(user_id)
        reply = list_reply(
            t,
            cards,
            page,
            total,
            len(ranked),
            int(profile.radius_km),
            related,
            subscribed,
            capped=result.capped,
            earlier_than=profile.earliest_start if result.earlier else None,
        )
        return Reply(f"{note}\n\n{reply.text}" if note else reply.text, reply.buttons)

    async def _card(self, user_id: int, state: State, place_id: int) -> PlaceCard | None:
        profile = search_profile(state.profile, self.today())
        rows = await self.store.get([place_id])
        if profile is None or place_id not in rows:
            return None
        row = rows[place_id]
        fits = targets(self.catalogue, profile, self.relations)
        card = self._to_card(
            row,
            translator(state.lang),
            distance_km(profile.lat, profile.lon, row.lat, row.lon),
            fits.fit.get(row.occupation_id or "", FIT_FIELD),
            await self.store.marks(user_id),
            fits.why,
        )
        return (
            dataclasses.replace(card, note=await self.store.company_note(place_id))
            if card.via_programme
            else card
        )

    def _why(self, t: Translator, why: tuple[str, str] | None) -> str:
        """Why a place's occupation fits, in a few words ("also: vehicles", "your interest: Crafts")."""
        if why is None:
            return ""
        code, detail = why
        concept = self.relations.concept_label(detail, t.lang) if detail else ""
        return fit_reason(t, code, concept or detail)

    def _to_card(
        self,
        row: PlaceOffer,
        t: Translator,
        distance: float,
        fit: int,
        marks: dict[int, str],
        why: Mapping[str, tuple[str, str]],
    ) -> PlaceCard:
        lang = t.lang
        occupation = self.catalogue.by_id.get(row.occupation_id or "")
        return PlaceCard(
            id=row.id,
            title=row.title,
            occupation=occupation.name if occupation else "",
            local_name=occupation.local_name(lang) if occupation else "",
            # a company's own typing (bot/companies/) is isolated: an RTL override cannot turn the line around
            employer=isolate(row.employer) if row.source == COMPANY_SOURCE else row.employer,
            street=row.street,
            postcode=row.postcode,
            city=row.city,
            distance_km=distance,
            start_date=row.start_date,
            url=row.url,
            contact=row.contact,
            demo=row.demo,
            fit=fit,
            interested=marks.get(row.id) == "interested",
            certificate=row.certificate,
            why=self._why(t, why.get(row.occupation_id or "")) if fit else "",
            via_programme=row.source == COMPANY_SOURCE,
        )
