"""The company flow, declared like the young people's (``dialogs.steps``): a company contact reports a place.

``b_intro`` says what is stored and lets a young person who opened the link by mistake go back (action
``youth``); then the company (name, contact person, phone or e-mail, address geocoded offline), then one
place (occupation typed and matched with the young people's matcher and confirmed with buttons, number,
start, least certificate or none, a short text), a summary to submit (action ``company_submit``), and the
company's own menu: another place, its places (change, filled, withdraw), its details, language, privacy.
Step ids start with ``b_`` (Betrieb) so that no button of one flow is read as one of the other.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from typing import Any

from dialogs.company.profile import (
    NO_REQUIREMENT,
    Address,
    CompanyProfile,
    PlaceDraft,
    StoredPlace,
    isolate,
)
from dialogs.flow import Answer, Choice, Command, Ctx, Flow, Replies, Retry, Step
from dialogs.i18n import ARABIC_DIGITS, N_
from dialogs.model import Event, State
from dialogs.questions import CERTIFICATE, parse_start, show_start, start_month_values
from dialogs.screens import always
from dialogs.wishes import occupation_label

#: Longest free text about a place.
NOTE_MAX = 500
#: Most places of one kind a company reports at once.
MAX_COUNT = 50
#: Languages the company flow speaks (every other language gets English).
COMPANY_LANGUAGES = ("de", "en")
_DIGITS = re.compile(r"\d")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTCODE = re.compile(r"\b\d{5}\b")

#: Why a coach rejects a place (``bot/coach/verification.py``); the company reads it in its language.
REJECT_REASONS = {
    "incomplete": N_("The details are incomplete or unclear."),
    "occupation": N_("This is not a recognised Ausbildung."),
    "unreachable": N_("We could not reach you to check the details."),
    "other": N_("The place does not fit the programme."),
}
STATUS_LABELS = {
    "pending": N_("⏳ waiting for a coach's check"),
    "approved": N_("✅ shown to young people"),
    "rejected": N_("❌ not approved"),
    "withdrawn": N_("🗑 withdrawn"),
    "filled": N_("🤝 filled"),
    "expired": N_("⌛ no longer shown (not confirmed)"),
}


def company(ctx: Ctx) -> CompanyProfile:
    return ctx.state.company


def _needs(key: str, place: bool = False) -> Callable[[State], bool]:
    """Still to be answered: a company field, or a field of the first place."""

    def todo(state: State) -> bool:
        answers = state.company
        if not answers.accepted:
            return False
        if place and (answers.places or not answers.registered):
            return False
        return not answers.has(key)

    return todo


# ---------------------------------------------------------------- parsers


def _plain_text(ctx: Ctx, event: Event) -> Answer | Retry:
    text = event.text.strip()
    if not text:
        return Retry(ctx.gettext(N_("Please type a few words.")))
    return Answer(text)


def _parse_reach(ctx: Ctx, event: Event) -> Answer | Retry:
    text = event.text.strip()
    digits = len(_DIGITS.findall(text.translate(ARABIC_DIGITS)))
    if _EMAIL.match(text) or digits >= 6:
        return Answer(text)
    return Retry(
        ctx.gettext(N_("Please type a phone number (for example 02323 123456) or an e-mail address."))
    )


def _parse_address(ctx: Ctx, event: Event) -> Answer | Retry:
    """Street, postcode and town: the postcode (or else the town after the last comma) is geocoded offline."""
    text = event.text.strip()
    finder = ctx.services.gazetteer
    postcode = _POSTCODE.search(text)
    street, _, town = text.rpartition(",") if "," in text else ("", "", text)
    home = finder.resolve(postcode.group()) if postcode else None
    if home is None and town.strip():
        home = finder.resolve(town.strip()[:80])
    if home is None:
        return Retry(
            ctx.gettext(
                N_(
                    "I can't find this address. Please type street, postcode and town, for example "
                    "Bahnhofstraße 5, 44623 Herne."
                )
            )
        )
    if postcode and not street:
        street = text[: postcode.start()].strip(" ,")
    address = Address(street.strip()[:200], home.postcode, home.name, home.lat, home.lon)
    note = ctx.gettext(N_("📍 Got it: {place}"), place=ctx.t.keep_ltr(_show_address(ctx, address)))
    return Answer(dataclasses.asdict(address), notes=(note,))


def _parse_count(ctx: Ctx, event: Event) -> Answer | Retry:
    numbers = re.findall(r"\d+", event.text.translate(ARABIC_DIGITS))
    if len(numbers) == 1 and 1 <= int(numbers[0]) <= MAX_COUNT:
        return Answer(int(numbers[0]))
    return Retry(ctx.gettext(N_("Please type a number from 1 to {n}."), n=ctx.t.number(MAX_COUNT)))


def _parse_note(ctx: Ctx, event: Event) -> Answer | Retry:
    return Answer(event.text.strip())


# ---------------------------------------------------------------- how answers read


def _show_text(_ctx: Ctx, value: Any) -> str:
    return isolate(str(value))


def _show_address(ctx: Ctx, value: Any) -> str:
    address = value if isinstance(value, Address) else Address.from_json(value)
    if address is None:
        return ""
    town = " ".join(p for p in (address.postcode, address.town) if p)
    return ", ".join(p for p in (isolate(address.street), town) if p)


def occupation_name(ctx: Ctx, occupation_id: str) -> str:
    hit = ctx.services.occupations.get(occupation_id, ctx.t.lang)
    return occupation_label(ctx, hit.name, hit.local_name) if hit else occupation_id


def certificate_label(value: str) -> str:
    """The message id of a least-certificate answer (``any`` is "No requirement")."""
    return next((c.label for c in _certificate_choices() if c.value == value), value)


def _show_certificate(ctx: Ctx, value: Any) -> str:
    return ctx.gettext(certificate_label(str(value)))


def _show_note(ctx: Ctx, value: Any) -> str:
    return isolate(str(value)) if value else ctx.gettext(N_("(none)"))


COMPANY_STEPS = ("b_name", "b_contact", "b_reach", "b_address")
PLACE_STEPS = ("b_occupation", "b_count", "b_start", "b_certificate", "b_note")


def _card(ctx: Ctx, step_ids: Sequence[str], answers: Callable[[str], Any]) -> str:
    lines = []
    for step_id in step_ids:
        step = ctx.flow.by_id[step_id]
        value = answers(step.key)
        if value is not None and step.show is not None:
            lines.append(f"• {ctx.gettext(step.edit_label)}: {step.show(ctx, value)}")
    return "\n".join(lines)


def company_card(ctx: Ctx) -> str:
    return _card(ctx, COMPANY_STEPS, company(ctx).get)


def place_card(ctx: Ctx, draft: PlaceDraft) -> str:
    return _card(ctx, PLACE_STEPS, lambda key: getattr(draft, key))


# ---------------------------------------------------------------- intro


def _language_choice(ctx: Ctx) -> Choice:
    other = "en" if ctx.t.lang == "de" else "de"
    return Choice(f"lang_{other}", "🇬🇧 English" if other == "en" else "🇩🇪 Deutsch", raw=True)


def _switch_language(ctx: Ctx, value: str) -> Replies:
    ctx.set_language(value.removeprefix("lang_"))
    return [ctx.show()]


def _intro_chosen(ctx: Ctx, value: str) -> Replies:
    if value.startswith("lang_"):
        return _switch_language(ctx, value)
    if value == "youth":
        ctx.state = State(lang=ctx.state.lang)
        ctx.actions.append("youth")
        return []
    company(ctx).accepted = ctx.today().isoformat()
    return ctx.ask(ctx.flow.resume(ctx.state).id)


COMPANY_DATA = N_(
    "What we store: company name, contact person, phone or e-mail, address and your places – until you "
    "delete them (/delete) or {days} days after your last activity. Coaches of Ausbildungswege NRW see "
    "everything; young people see the place, your company name and town, never your phone or e-mail."
)


def _data_note(ctx: Ctx) -> str:
    return ctx.gettext(COMPANY_DATA, days=ctx.t.number(ctx.services.retention_days))


B_INTRO = Step(
    id="b_intro",
    prompt=N_(
        "🏢 Hello! Here companies report open Ausbildung places to Ausbildungswege NRW in Herne and Bochum. "
        "A coach checks each place; then young people of the programme nearby see it, and a coach arranges "
        "the contact.\n\n{data}"
    ),
    params=lambda ctx: {"data": _data_note(ctx)},
    choices=lambda ctx: (
        Choice("go", N_("✅ Report a place"), wide=True),
        Choice("youth", N_("⬅️ Back – I'm looking for an Ausbildung myself"), wide=True),
        _language_choice(ctx),
    ),
    todo=lambda state: not state.company.accepted,
    anywhere=lambda state: not state.company.accepted,
    on_choice=_intro_chosen,
)

# ---------------------------------------------------------------- the company


B_NAME = Step(
    id="b_name",
    prompt=N_("What is the name of your company?"),
    kind="text",
    parse=_plain_text,
    field="name",
    edit_label=N_("Company"),
    show=_show_text,
    todo=_needs("name"),
)

B_CONTACT = Step(
    id="b_contact",
    prompt=N_("Who is the contact person for the coaches? (name)"),
    kind="text",
    parse=_plain_text,
    field="contact",
    edit_label=N_("Contact person"),
    show=_show_text,
    todo=_needs("contact"),
)

B_REACH = Step(
    id="b_reach",
    prompt=N_("How can the coaches reach you? A phone number or an e-mail address."),
    kind="text",
    parse=_parse_reach,
    field="reach",
    edit_label=N_("Phone or e-mail"),
    show=_show_text,
    todo=_needs("reach"),
)

B_ADDRESS = Step(
    id="b_address",
    prompt=N_(
        "Where will the trainee work? Street, postcode and town, for example Bahnhofstraße 5, 44623 Herne."
    ),
    kind="text",
    parse=_parse_address,
    field="address",
    edit_label=N_("Address"),
    show=_show_address,
    todo=_needs("address"),
)

# ---------------------------------------------------------------- the place


def _search(ctx: Ctx, query: str) -> Replies:
    hits = ctx.services.occupations.match(query, ctx.t.lang, limit=3)
    return ctx.ask("b_occ_pick", {"query": query, "cands": [h.id for h in hits]})


def _pick_choices(ctx: Ctx) -> Sequence[Choice]:
    cands = [Choice(c, occupation_name(ctx, c), raw=True) for c in ctx.state.scratch.get("cands", ())]
    return [*cands, Choice("retype", N_("✏️ Type again"))]


def _pick_text(ctx: Ctx) -> str:
    if ctx.state.scratch.get("cands"):
        return ctx.gettext(N_("Which Ausbildung is it? Tap it to confirm."))
    return ctx.gettext(
        N_(
            "I couldn't find an Ausbildung for “{query}”. Please type it in other words, for example the official name."
        ),
        query=ctx.state.scratch.get("query", ""),
    )


def _picked(ctx: Ctx, value: str) -> Replies:
    if value == "retype":
        return ctx.ask("b_occupation")
    return ctx.answer(ctx.flow.by_id["b_occupation"], Answer(value))


B_OCCUPATION = Step(
    id="b_occupation",
    prompt=N_(
        "Which Ausbildung is the place for? Type the occupation, for example “Bäcker” or “Kfz-Mechatroniker”."
    ),
    kind="text",
    field="occupation",
    next="b_count",
    then=("b_occ_pick",),
    edit_label=N_("Ausbildung"),
    show=lambda ctx, value: occupation_name(ctx, str(value)),
    todo=_needs("occupation", place=True),
    on_text=_search,
)

B_OCC_PICK = Step(
    id="b_occ_pick",
    text=_pick_text,
    choices=_pick_choices,
    on_choice=_picked,
    on_text=_search,
)

B_COUNT = Step(
    id="b_count",
    prompt=N_("How many places of this kind do you offer? Tap or type a number."),
    choices=tuple(Choice(str(n), str(n), raw=True) for n in range(1, 6)),
    parse=_parse_count,
    columns=5,
    field="count",
    edit_label=N_("Places"),
    show=lambda ctx, value: ctx.t.number(int(value)),
    todo=_needs("count", place=True),
)


def _start_choices(ctx: Ctx) -> Sequence[Choice]:
    months = [Choice(d.strftime("%Y-%m"), ctx.t.month(d), raw=True) for d in start_month_values(ctx.today())]
    return [Choice("asap", N_("As soon as possible")), *months]


B_START = Step(
    id="b_start",
    prompt=N_("When does the Ausbildung start? Tap a button or type month and year."),
    choices=_start_choices,
    parse=parse_start,
    field="start",
    edit_label=N_("Start"),
    show=show_start,
    todo=_needs("start", place=True),
)


def _certificate_choices() -> Sequence[Choice]:
    declared = CERTIFICATE.choices if isinstance(CERTIFICATE.choices, tuple) else ()
    return (
        Choice(NO_REQUIREMENT, N_("No requirement")),
        *(c for c in declared if c.value != "foreign"),
    )


B_CERTIFICATE = Step(
    id="b_certificate",
    prompt=N_("Which school certificate do you expect at least? (optional – tap “No requirement”)"),
    choices=lambda ctx: _certificate_choices(),
    field="certificate",
    edit_label=N_("Least school certificate"),
    show=_show_certificate,
    todo=_needs("certificate", place=True),
)

B_NOTE = Step(
    id="b_note",
    prompt=N_(
        "Anything young people should know about the place? A short text, at most {n} characters – or tap “Skip”."
    ),
    params=lambda ctx: {"n": ctx.t.number(NOTE_MAX)},
    kind="text",
    choices=(Choice("skip", N_("Skip")),),
    parse=_parse_note,
    field="note",
    edit_label=N_("About the place"),
    show=_show_note,
    todo=_needs("note", place=True),
    on_choice=lambda ctx, value: ctx.answer(ctx.flow.by_id["b_note"], Answer("")),
    max_length=NOTE_MAX,
)

# ---------------------------------------------------------------- summary and submit


def _summary_choices(ctx: Ctx) -> Sequence[Choice]:
    edits = [
        Choice(step_id, "✏️ " + ctx.gettext(ctx.flow.by_id[step_id].edit_label), raw=True)
        for step_id in (*PLACE_STEPS, *COMPANY_STEPS)
    ]
    return [Choice("send", N_("✅ Submit"), wide=True), *edits, Choice("discard", N_("✖️ Discard"), wide=True)]


def _summary_text(ctx: Ctx) -> str:
    answers = company(ctx)
    return ctx.gettext(
        N_("Your place:\n\n{place}\n\nYour company:\n{company}\n\nIs everything right? Then tap “Submit”."),
        place=place_card(ctx, answers.draft),
        company=company_card(ctx),
    )


def _summary_chosen(ctx: Ctx, value: str) -> Replies:
    answers = company(ctx)
    if value == "discard":
        answers.draft, answers.editing = PlaceDraft(), None
        return ctx.ask("b_menu", prefix=N_("Okay, nothing was changed."))
    if value == "send":
        ctx.actions.append("company_submit")
        ctx.go("b_menu")
        thanks = N_(
            "✅ Thank you! A coach of Ausbildungswege NRW checks the place, usually within two working "
            "days. I'll tell you when it is shown to young people."
        )
        return [*ctx.say(thanks), ctx.show()]
    ctx.state.return_to = "b_summary"
    return ctx.ask(value)


B_SUMMARY = Step(
    id="b_summary",
    text=_summary_text,
    choices=_summary_choices,
    columns=2,
    todo=lambda state: state.company.draft.complete,
    on_choice=_summary_chosen,
)

# ---------------------------------------------------------------- menu


def _registered(state: State) -> bool:
    return bool(state.company.accepted) and state.company.registered


def _menu_chosen(ctx: Ctx, value: str) -> Replies:
    ctx.state.return_to = None
    answers = company(ctx)
    if value.startswith("lang_"):
        ctx.go("b_menu")
        return _switch_language(ctx, value)
    if value == "new":
        answers.draft, answers.editing = PlaceDraft(), None
        return ctx.ask("b_occupation")
    if value == "privacy":
        return [ctx.show(step=ctx.flow.by_id["b_privacy"])]
    return ctx.ask({"places": "b_places", "company": "b_company"}.get(value, "b_menu"))


B_MENU = Step(
    id="b_menu",
    prompt=N_("What would you like to do?"),
    choices=lambda ctx: (
        Choice("new", N_("➕ Report a place")),
        Choice("places", N_("📋 My places")),
        Choice("company", N_("🏢 Company details")),
        Choice("privacy", N_("🔒 Privacy")),
        _language_choice(ctx),
    ),
    columns=2,
    todo=always,
    anywhere=_registered,
    relay=True,
    on_choice=_menu_chosen,
)

# ---------------------------------------------------------------- the company's places


def place_line(ctx: Ctx, place: StoredPlace) -> str:
    start = show_start(ctx, place.start)
    status = ctx.gettext(STATUS_LABELS.get(place.status, place.status))
    return f"{occupation_name(ctx, place.occupation)} · {ctx.t.number(place.count)} · {start} – {status}"


def _places_text(ctx: Ctx) -> str:
    places = company(ctx).places
    if not places:
        return ctx.gettext(N_("You have not reported a place yet."))
    lines = [f"{n}. {place_line(ctx, p)}" for n, p in enumerate(places, start=1)]
    return ctx.gettext(N_("Your places:\n{list}\n\nTap a place to change it."), list="\n".join(lines))


def _places_choices(ctx: Ctx) -> Sequence[Choice]:
    places = [
        Choice(str(p.id), f"{n}. {occupation_name(ctx, p.occupation)}", raw=True, wide=True)
        for n, p in enumerate(company(ctx).places, start=1)
    ]
    return [*places, Choice("back", N_("⬅️ Back"))]


def _places_chosen(ctx: Ctx, value: str) -> Replies:
    if value == "back":
        return ctx.ask("b_menu")
    company(ctx).editing = int(value)
    return ctx.ask("b_place")


B_PLACES = Step(
    id="b_places",
    text=_places_text,
    choices=_places_choices,
    relay=True,
    on_choice=_places_chosen,
)

#: What a company can still do with a place in each status.
PLACE_ACTIONS = {
    "pending": ("edit", "withdraw"),
    "approved": ("edit", "filled", "withdraw"),
    "rejected": ("edit", "withdraw"),
    "expired": ("edit", "withdraw"),
}


def _chosen_place(ctx: Ctx) -> StoredPlace | None:
    answers = company(ctx)
    return answers.place(answers.editing)


def _place_text(ctx: Ctx) -> str:
    place = _chosen_place(ctx)
    if place is None:
        return ctx.gettext(N_("This place no longer exists."))
    text = (
        place_card(ctx, place.draft())
        + "\n\n"
        + ctx.gettext(
            N_("Status: {status}"), status=ctx.gettext(STATUS_LABELS.get(place.status, place.status))
        )
    )
    if place.reason in REJECT_REASONS:
        text += "\n" + ctx.gettext(N_("Reason: {reason}"), reason=ctx.gettext(REJECT_REASONS[place.reason]))
    return text


def _place_choices(ctx: Ctx) -> Sequence[Choice]:
    place = _chosen_place(ctx)
    labels = {"edit": N_("✏️ Change"), "filled": N_("🤝 The place is filled"), "withdraw": N_("🗑 Withdraw")}
    allowed = PLACE_ACTIONS.get(place.status, ()) if place is not None else ()
    return [*(Choice(a, labels[a]) for a in allowed), Choice("back", N_("⬅️ Back"))]


def _place_chosen(ctx: Ctx, value: str) -> Replies:
    place = _chosen_place(ctx)
    if value == "back" or place is None:
        return ctx.ask("b_places")
    if value == "edit":
        company(ctx).draft = place.draft()
        return ctx.ask("b_summary")
    ctx.actions.append("company_filled" if value == "filled" else "company_withdraw")
    done = (
        N_("Thank you! The place is no longer shown.") if value == "filled" else N_("The place is withdrawn.")
    )
    return ctx.ask("b_menu", prefix=done)


B_PLACE = Step(
    id="b_place",
    text=_place_text,
    choices=_place_choices,
    relay=True,
    on_choice=_place_chosen,
)

# ---------------------------------------------------------------- company details


def _company_chosen(ctx: Ctx, value: str) -> Replies:
    if value == "done":
        return ctx.ask("b_menu", prefix=N_("Saved."))
    ctx.state.return_to = "b_company"
    return ctx.ask(value)


B_COMPANY = Step(
    id="b_company",
    text=lambda ctx: ctx.gettext(N_("Your company:\n{company}"), company=company_card(ctx)),
    choices=lambda ctx: [
        *(Choice(s, "✏️ " + ctx.gettext(ctx.flow.by_id[s].edit_label), raw=True) for s in COMPANY_STEPS),
        Choice("done", N_("✅ Done"), wide=True),
    ],
    columns=2,
    relay=True,
    on_choice=_company_chosen,
)

# ---------------------------------------------------------------- privacy and deletion


def _delete_chosen(ctx: Ctx, value: str) -> Replies:
    if value == "no":
        return [ctx.show(prefix=ctx.gettext(N_("Okay, nothing was deleted.")), step=ctx.flow.by_id["b_menu"])]
    ctx.actions.append("delete")
    ctx.state = State(lang=ctx.state.lang)
    return ctx.say(N_("Your company's data and places have been deleted."))


B_PRIVACY = Step(
    id="b_privacy",
    prompt=N_("🔒 Your company's data\n\n{data}"),
    params=lambda ctx: {"data": _data_note(ctx)},
    choices=lambda ctx: (
        (Choice("delete", N_("🗑 Delete my company's data")),) if company(ctx).accepted else ()
    ),
    anywhere=lambda state: bool(state.company.accepted),
    on_choice=lambda ctx, value: [ctx.show(step=ctx.flow.by_id["b_delete"])],
)

B_DELETE = Step(
    id="b_delete",
    prompt=N_(
        "Do you really want to delete your company's data and all its places? Young people will no longer see them."
    ),
    choices=(Choice("yes", N_("🗑 Yes, delete everything")), Choice("no", N_("No, keep my data"))),
    anywhere=lambda state: bool(state.company.accepted),
    on_choice=_delete_chosen,
)

B_HELP = Step(
    id="b_help",
    prompt=N_(
        "Here you report open Ausbildung places. Commands:\n/start – go on\n/menu – your menu\n"
        "/privacy – your data (/delete)\n/cancel – stop the current question"
    ),
)

# ---------------------------------------------------------------- commands


def _start(ctx: Ctx) -> Replies:
    if not company(ctx).accepted:
        return ctx.ask("b_intro")
    return [ctx.show(prefix=ctx.gettext(N_("Welcome back! Let's go on where you stopped.")))]


def _menu(ctx: Ctx) -> Replies:
    if not _registered(ctx.state):
        return [ctx.again(N_("Let's finish your company's details first."))]
    return ctx.ask("b_menu")


def _cancel(ctx: Ctx) -> Replies:
    if ctx.state.return_to:
        target, ctx.state.return_to = ctx.state.return_to, None
        return ctx.ask(target, prefix=N_("Okay, nothing was changed."))
    return _menu(ctx)


def _privacy(ctx: Ctx) -> Replies:
    return [ctx.show(step=ctx.flow.by_id["b_privacy"])]


def _delete(ctx: Ctx) -> Replies:
    if not company(ctx).accepted:
        return ctx.say(N_("I have not stored anything about you."))
    return [ctx.show(step=ctx.flow.by_id["b_delete"])]


def _unknown(ctx: Ctx) -> Replies:
    return [ctx.show(prefix=ctx.gettext(N_("I don't know this command.")), step=ctx.flow.by_id["b_help"])]


COMPANY_COMMANDS = {
    "start": Command(_start),
    "betrieb": Command(_start),
    "menu": Command(_menu),
    "cancel": Command(_cancel),
    "privacy": Command(_privacy),
    "delete": Command(_delete),
    "help": Command(lambda ctx: [ctx.show(step=ctx.flow.by_id["b_help"])]),
}

COMPANY_STEP_LIST: tuple[Step, ...] = (
    B_INTRO,
    B_NAME,
    B_CONTACT,
    B_REACH,
    B_ADDRESS,
    B_OCCUPATION,
    B_OCC_PICK,
    B_COUNT,
    B_START,
    B_CERTIFICATE,
    B_NOTE,
    B_SUMMARY,
    B_MENU,
    B_PLACES,
    B_PLACE,
    B_COMPANY,
    B_PRIVACY,
    B_DELETE,
    B_HELP,
)


def _to_company(ctx: Ctx) -> Replies:
    """In the young people's flow, ``/betrieb`` and the link ``?start=betrieb`` hand over to this flow."""
    ctx.actions.append("company")
    return []


#: The command of the young people's flow that opens this one (``dialogs.steps``).
TO_COMPANY = Command(_to_company)

COMPANY_FLOW = Flow(COMPANY_STEP_LIST, COMPANY_COMMANDS, _unknown, answers_of=lambda state: state.company)


def company_lang(lang: str) -> str:
    """The language the company flow speaks for a Telegram language: German, else English."""
    return lang if lang in COMPANY_LANGUAGES else "en"
