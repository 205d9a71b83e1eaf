"""How open places look in the chat: a paged list that explains each hit, and a details card.

Its buttons are the places kinds of ``dialogs.callbacks`` (page, details, interested, not for me, alerts);
"talk to a coach" and "menu" are buttons of the menu step, which work from anywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from dialogs.callbacks import (
    PlaceAlerts,
    PlaceDetails,
    PlaceDismissed,
    PlaceInterested,
    PlacesPage,
    ShareAnswer,
)
from dialogs.company.profile import isolate
from dialogs.i18n import N_, Translator
from dialogs.model import Button, Reply
from dialogs.profile import Profile
from dialogs.questions import CERTIFICATE, GUARDIAN_AGE, INTEREST_CHOICES

PAGE_SIZE = 5
#: Short names of the certificate a place asks for, on each line of the list: German terms, kept as they are.
SHORT_CERTIFICATES = {"esa": "ESA", "eesa": "EESA", "msa": "MSA", "fhr": "Fachabi", "abi": "Abitur"}


@dataclass(frozen=True)
class PlaceCard:
    id: int
    title: str
    occupation: str
    local_name: str
    employer: str
    street: str
    postcode: str
    city: str
    distance_km: float
    start_date: dt.date | None
    url: str
    contact: str
    demo: bool
    fit: int
    interested: bool = False
    #: The least school certificate the place asks for (``knowledge.catalogue.CERTIFICATES``); ``None``: not said.
    certificate: str | None = None
    #: Why a place of another occupation is shown, in a few words (see :func:`fit_reason`).
    why: str = ""
    #: A company reported it in the bot and a coach approved it ("über Ausbildungswege NRW").
    via_programme: bool = False
    #: The company's short text about the place.
    note: str = ""


def _occupation(t: Translator, card: PlaceCard) -> str:
    name = t.keep_ltr(card.occupation)
    return f"{name} ({card.local_name})" if card.local_name else name


def explain(t: Translator, card: PlaceCard) -> str:
    """One line: distance, start, and why it fits."""
    parts = [t.keep_ltr(t.km(round(card.distance_km, 1)))]
    if card.start_date:
        parts.append(t.gettext(N_("Start {month}"), month=t.keep_ltr(f"{card.start_date:%m/%Y}")))
    if card.certificate == "none":
        parts.append(t.gettext(N_("no certificate needed")))
    elif card.certificate in SHORT_CERTIFICATES:
        short = SHORT_CERTIFICATES[card.certificate]
        parts.append(t.gettext(N_("needs {certificate}"), certificate=t.keep_ltr(short)))
    if card.fit == 0:
        parts.append(t.gettext(N_("fits: {occupation}"), occupation=_occupation(t, card)))
    elif card.fit == 1:
        parts.append(t.gettext(N_("related: {occupation}"), occupation=_occupation(t, card)))
    else:
        parts.append(_occupation(t, card))
    if card.why:
        parts.append(card.why)
    return " · ".join(parts)


#: What the reason codes of ``knowledge.related`` and ``knowledge.places.targets`` say.
REASONS = {
    "listed": N_("a related job"),
    "same_subgroup": N_("almost the same work"),
    "same_group": N_("the same field of work"),
}


def fit_reason(t: Translator, code: str, detail: str = "") -> str:
    """Why an occupation is shown although it was not wished for: a related one, or one of an interest."""
    if code == "shared_activity" and detail:
        return t.gettext(N_("also: {what}"), what=detail)
    if code == "interest":
        label = next((c.label for c in INTEREST_CHOICES if c.value == detail), "")
        return t.gettext(N_("your interest: {what}"), what=t.gettext(label)) if label else ""
    return t.gettext(REASONS[code]) if code in REASONS else ""


def _certificate_needed(t: Translator, certificate: str) -> str:
    """The details' line about the certificate, with the name the dialog's certificate question uses."""
    if certificate == "none":
        return t.gettext(N_("School certificate: none needed"))
    choices = CERTIFICATE.choices if isinstance(CERTIFICATE.choices, tuple) else ()
    label = next((c.label for c in choices if c.value == certificate), None)
    if label is None:
        return ""
    return t.gettext(N_("School certificate: at least {certificate}"), certificate=t.gettext(label))


def _demo(t: Translator, card: PlaceCard) -> str:
    """The example set's marker, or the marker of a place a company reported through the programme."""
    if card.demo:
        return t.gettext(N_("🧪 EXAMPLE (not a real place)")) + " "
    return t.gettext(N_("🤝 via Ausbildungswege NRW")) + " " if card.via_programme else ""


def list_reply(
    t: Translator,
    cards: Sequence[PlaceCard],
    page: int,
    total: int,
    shown: int,
    radius_km: int,
    related: Sequence[str],
    subscribed: bool,
    capped: bool = False,
    earlier_than: dt.date | None = None,
) -> Reply:
    """The places of one page; ``earlier_than``: none starts from this month, the ones shown start earlier."""
    if total == 0:
        text = t.gettext(
            N_("I found no open places for you within {km} km yet. New places come in every week."),
            km=t.number(radius_km),
        )
    else:
        pages = (shown + PAGE_SIZE - 1) // PAGE_SIZE
        text = t.gettext(N_("I found more than {n} open places within {km} km."), n=t.number(total), km=t.number(radius_km)) if capped else t.ngettext(
            "I found {n} open place within {km} km.", "I found {n} open places within {km} km.", total,
            km=t.number(radius_km),
        )  # fmt: skip
        if pages > 1:
            text += " " + t.gettext(
                N_("Page {page} of {pages}."), page=t.number(page + 1), pages=t.number(pages)
            )
    lines = [text]
    if earlier_than is not None and cards:
        month = t.month(earlier_than)
        lines.append(t.gettext(N_("No place starts from {month}; these start earlier:"), month=month))
    for index, card in enumerate(cards, start=page * PAGE_SIZE + 1):
        heart = "❤️ " if card.interested else ""
        employer = f" – {t.keep_ltr(card.employer)}" if card.employer else ""
        title = t.keep_ltr(card.title)
        lines.append(f"\n{index}. {heart}{_demo(t, card)}{title}{employer}\n   {explain(t, card)}")
    if related:
        lines.append(
            "\n"
            + t.gettext(
                N_(
                    "There are only a few places for the job you want. "
                    "Related jobs with more places nearby: {jobs}"
                ),
                jobs=t.join_long(related),
            )
        )
    rows: list[tuple[Button, ...]] = []
    details = [
        Button(f"ℹ️ {i}", callback=PlaceDetails(card.id, page))
        for i, card in enumerate(cards, start=page * PAGE_SIZE + 1)
    ]
    if details:
        rows.append(tuple(details))
    nav = []
    if page > 0:
        nav.append(Button(t.gettext(N_("◀️ Back")), callback=PlacesPage(page - 1)))
    if (page + 1) * PAGE_SIZE < shown:
        nav.append(Button(t.gettext(N_("More ▶️")), callback=PlacesPage(page + 1)))
    if nav:
        rows.append(tuple(nav))
    if subscribed:
        rows.append((Button(t.gettext(N_("🔕 Stop news about new places")), callback=PlaceAlerts(False)),))
    else:
        rows.append((Button(t.gettext(N_("🔔 Tell me about new places")), callback=PlaceAlerts(True)),))
    rows.append(
        (
            Button(t.gettext(N_("💬 Talk to a coach")), "menu", "coach"),
            Button(t.gettext(N_("🏠 Menu")), "menu", "home"),
        )
    )
    return Reply("\n".join(lines), tuple(rows))


def details_reply(t: Translator, card: PlaceCard, page: int) -> Reply:
    # Names, phone numbers and links are isolated: inside Arabic text "+49 2323 123456" would otherwise
    # show its digit groups in reverse order.
    lines = [f"{_demo(t, card)}{t.keep_ltr(card.title)}".strip(), explain(t, card)]
    if card.employer:
        lines.append(t.gettext(N_("Employer: {name}"), name=t.keep_ltr(card.employer)))
    address = ", ".join(p for p in (card.street, f"{card.postcode} {card.city}".strip()) if p)
    if address:
        lines.append(t.gettext(N_("Address: {address}"), address=t.keep_ltr(address)))
    if card.start_date:
        lines.append(t.gettext(N_("Start: {date}"), date=t.date(card.start_date)))
    needed = _certificate_needed(t, card.certificate) if card.certificate else ""
    if needed:
        lines.append(needed)
    if card.note:
        lines.append(t.gettext(N_("From the company: {text}"), text=isolate(card.note)))
    if card.via_programme:
        lines.append(t.gettext(N_("A coach of Ausbildungswege NRW arranges the contact with the company.")))
    if card.contact:
        lines.append(t.gettext(N_("Contact: {contact}"), contact=t.keep_ltr(card.contact)))
    if card.url:
        lines.append(t.gettext(N_("More: {url}"), url=t.keep_ltr(card.url)))
    if card.interested:
        lines.append(t.gettext(N_("❤️ You marked this place as interesting.")))
    rows = (
        (
            Button(t.gettext(N_("👍 I'm interested")), callback=PlaceInterested(card.id, page)),
            Button(t.gettext(N_("👎 Not for me")), callback=PlaceDismissed(card.id, page)),
        ),
        (Button(t.gettext(N_("⬅️ Back to the list")), callback=PlacesPage(page)),),
    )
    return Reply("\n".join(lines), rows)


def may_share(profile: Profile) -> bool:
    """May the young person be asked to share their profile with a company? Under 16 only when their
    parent or guardian agreed (that consent covers it); otherwise it is not offered."""
    return profile.age is not None and (profile.age >= GUARDIAN_AGE or profile.guardian_consent)


def share_question(t: Translator, place_id: int, employer: str, guardian: bool) -> Reply:
    """After "interested" in a company's place: may the coach send the company the first name and profile?"""
    text = t.gettext(
        N_(
            "May the coach send {company} your first name and your profile (age, school certificate, "
            "languages, town, start date)? Never your phone number or address – the coach arranges the contact."
        ),
        company=t.keep_ltr(employer),
    )
    if guardian:
        text += "\n" + t.gettext(
            N_("Your parent or guardian agreed when you started, which covers this too.")
        )
    buttons = (
        (
            Button(t.gettext(N_("✅ Yes, send it")), callback=ShareAnswer(place_id, True)),
            Button(t.gettext(N_("No")), callback=ShareAnswer(place_id, False)),
        ),
    )
    return Reply(text, buttons)
