"""The guided profile dialog, declared as data: one ``Step`` per question.

A step names its prompt, its choices or parser, and the step that follows. The engine in
``dialogs.engine`` drives them; nothing here knows about Telegram.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from dialogs.i18n import N_, Translator
from dialogs.model import Event, Services, State

StepKind = Literal["text", "choice", "multi", "location"]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    #: ``label`` is shown as it is (a language's own name, a formatted date), not translated.
    raw: bool = False
    #: The button gets a row of its own.
    wide: bool = False


@dataclass
class Ctx:
    state: State
    t: Translator
    services: Services
    #: Work for the transport that the dialog cannot do itself ("places", "coach").
    actions: list[str] = field(default_factory=list)

    @property
    def answers(self) -> dict[str, Any]:
        return self.state.answers

    def today(self) -> dt.date:
        today: dt.date = self.services.today()
        return today


@dataclass(frozen=True)
class Answer:
    """A valid answer: the value to store, plus notes to show before the next question."""

    value: Any
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Retry:
    """The input was not usable: say why (already translated) and ask again."""

    message: str


Parser = Callable[[Ctx, Event], Answer | Retry]
ChoicesFn = Callable[[Ctx], Sequence[Choice]]


@dataclass(frozen=True)
class Step:
    id: str
    prompt: str
    kind: StepKind
    next: str | Callable[[Ctx], str]
    choices: Sequence[Choice] | ChoicesFn = ()
    parse: Parser | None = None
    #: Extra placeholders for the prompt.
    params: Callable[[Ctx], dict[str, Any]] | None = None
    #: Steps that belong to this one and are asked right after it, even while editing one answer.
    then: tuple[str, ...] = ()
    #: Label of the "edit" button on the summary card; empty when the answer is not editable there.
    edit_label: str = ""
    #: How the stored answer reads on the summary card.
    show: Callable[[Ctx, Any], str] | None = None
    #: Multi-select: the choice that means "none of these" and ends the step at once.
    none_choice: str = ""
    columns: int = 1
    #: Answer key when it differs from the step id (the wish step collects ``wishes``).
    field: str = ""

    @property
    def key(self) -> str:
        return self.field or self.id

    def choices_for(self, ctx: Ctx) -> Sequence[Choice]:
        return self.choices(ctx) if callable(self.choices) else self.choices

    def next_for(self, ctx: Ctx) -> str:
        return self.next(ctx) if callable(self.next) else self.next


# ---------------------------------------------------------------- parsers


def parse_age(ctx: Ctx, event: Event) -> Answer | Retry:
    numbers = re.findall(r"\d+", event.text)
    if len(numbers) != 1 or not 10 <= int(numbers[0]) <= 99:
        return Retry(ctx.t.gettext(N_("Please send your age as a number, for example 17.")))
    age = int(numbers[0])
    notes: list[str] = []
    if age < 15:
        notes.append(
            ctx.t.gettext(
                N_(
                    "An Ausbildung usually starts after you finish school. Until then you can do a "
                    "Praktikum (internship), talk to the Berufsberatung at your school and find out here "
                    "which jobs you like. Let's go on!"
                )
            )
        )
    elif age > 27:
        notes.append(
            ctx.t.gettext(
                N_(
                    "Good to know: an Ausbildung is possible at any age. For adults the Agentur für Arbeit "
                    "and the Jobcenter also have their own support, for example an Umschulung (retraining). "
                    "You are welcome to go on here."
                )
            )
        )
    return Answer(age, tuple(notes))


def parse_location(ctx: Ctx, event: Event) -> Answer | Retry:
    gazetteer = ctx.services.gazetteer
    place = None
    if event.kind == "location" and event.lat is not None and event.lon is not None:
        place = gazetteer.nearest(event.lat, event.lon)
        if place is not None:  # keep the shared point, name the nearest town for the summary
            return Answer({"name": place.name, "lat": event.lat, "lon": event.lon, "postcode": ""})
        return Retry(
            ctx.t.gettext(
                N_("This location is too far from the Ruhr area for me. Please type your postcode.")
            )
        )
    text = event.text.strip()
    if text and len(text) <= 80:
        place = gazetteer.resolve(text)
    if place is None:
        return Retry(
            ctx.t.gettext(
                N_(
                    "I don't know this place. Please type your postcode (for example 44623) or the name of your town."
                )
            )
        )
    return Answer({"name": place.name, "lat": place.lat, "lon": place.lon, "postcode": place.postcode})


_MONTH_YEAR = re.compile(r"^\s*(\d{1,2})\s*[./\-\s]\s*(\d{4})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


def parse_start(ctx: Ctx, event: Event) -> Answer | Retry:
    today = ctx.today()
    m = _MONTH_YEAR.match(event.text)
    y = _YEAR.match(event.text)
    month, year = (int(m.group(1)), int(m.group(2))) if m else (8, int(y.group(1))) if y else (0, 0)
    if 1 <= month <= 12 and (year, month) >= (today.year, today.month) and year <= today.year + 4:
        return Answer(f"{year:04d}-{month:02d}")
    return Retry(ctx.t.gettext(N_("Please tap a button or type month and year, for example 08.2027.")))


# ---------------------------------------------------------------- dynamic choices and display


def _consent_choices(ctx: Ctx) -> Sequence[Choice]:
    # The "yes" button carries the age: nothing is stored before consent, so any bot process that gets
    # the tap (after a restart, or one of several webhook workers) can still complete the consent.
    age = int(ctx.answers.get("age", 99))
    label = N_("Yes – and my parent or guardian agrees") if age < 16 else N_("Yes, I agree")
    return (Choice(f"yes:{age}", label), Choice("no", N_("No")))


def _consent_params(ctx: Ctx) -> dict[str, Any]:
    guardian = ""
    if int(ctx.answers.get("age", 99)) < 16:
        guardian = ctx.t.gettext(
            N_(
                "You are under 16, so a parent or guardian must agree too (GDPR Art. 8). Please ask them first."
            )
        )
    return {"guardian": guardian}


def start_month_values(today: dt.date) -> list[dt.date]:
    """The next two training starts (1 August) from today."""
    first = today.year if (today.month, today.day) < (8, 1) else today.year + 1
    return [dt.date(first, 8, 1), dt.date(first + 1, 8, 1)]


def _start_choices(ctx: Ctx) -> Sequence[Choice]:
    months = [Choice(d.strftime("%Y-%m"), ctx.t.month(d), raw=True) for d in start_month_values(ctx.today())]
    return [Choice("asap", N_("As soon as possible")), *months]


def _radius_choices(ctx: Ctx) -> Sequence[Choice]:
    return [Choice(str(km), f"{ctx.t.number(km)} km", raw=True) for km in (5, 10, 25, 50)]


def _choice_label(step_id: str) -> Callable[[Ctx, Any], str]:
    def show(ctx: Ctx, value: Any) -> str:
        for choice in STEPS[step_id].choices_for(ctx):
            if choice.value == value:
                return choice.label if choice.raw else ctx.t.gettext(choice.label)
        return str(value)

    return show


def _labels(step_id: str) -> Callable[[Ctx, Any], str]:
    one = _choice_label(step_id)

    def show(ctx: Ctx, values: Any) -> str:
        if not values:
            return ctx.t.gettext(N_("none"))
        return ", ".join(one(ctx, v) for v in values)

    return show


def _show_location(ctx: Ctx, value: Any) -> str:
    where = ctx.t.keep_ltr(" ".join(p for p in (value.get("postcode", ""), value.get("name", "")) if p))
    radius = ctx.answers.get("radius")
    if radius:
        return ctx.t.gettext(N_("{place}, up to {km} km away"), place=where, km=ctx.t.number(int(radius)))
    return where


def _show_start(ctx: Ctx, value: Any) -> str:
    if value == "asap":
        return ctx.t.gettext(N_("As soon as possible"))
    year, month = (int(p) for p in str(value).split("-"))
    return ctx.t.month(dt.date(year, month, 1))


def _show_wishes(ctx: Ctx, value: Any) -> str:
    names = []
    for occupation_id in value or ():
        hit = ctx.services.occupations.get(occupation_id, ctx.t.lang)
        if hit is not None:
            names.append(occupation_label(ctx, hit.name, hit.local_name))
    return "; ".join(names) if names else ctx.t.gettext(N_("not sure yet"))


def occupation_label(ctx: Ctx, name: str, local_name: str) -> str:
    """Official German name, plus the name in the young person's language where there is one."""
    official = ctx.t.keep_ltr(name)
    return f"{official} ({local_name})" if local_name and local_name != name else official


def _after_certificate(ctx: Ctx) -> str:
    return "cert_recognised" if ctx.answers.get("certificate") == "foreign" else "german"


# ---------------------------------------------------------------- occupation wishes and profile card

MAX_WISHES = 3


def _wish_pick_choices(ctx: Ctx) -> Sequence[Choice]:
    choices = []
    for occupation_id in ctx.state.scratch.get("cands", ()):
        hit = ctx.services.occupations.get(occupation_id, ctx.t.lang)
        if hit is not None:
            choices.append(Choice(hit.id, occupation_label(ctx, hit.name, hit.local_name), raw=True))
    if ctx.state.scratch.get("mode") == "match":
        choices.append(Choice("none", N_("❌ None of these")))
    choices.append(Choice("retype", N_("✏️ Type again")))
    return choices


def _wish_pick_params(ctx: Ctx) -> dict[str, Any]:
    scratch = ctx.state.scratch
    mode, query = scratch.get("mode"), scratch.get("query", "")
    cands = scratch.get("cands", ())
    if mode == "match":
        intro = ctx.t.gettext(
            N_("Did you mean this Ausbildung?") if len(cands) == 1 else N_("Did you mean one of these?")
        )
    elif mode == "nomatch" and cands:
        intro = ctx.t.gettext(
            N_(
                "I couldn't find an Ausbildung for “{query}”. Maybe one of these fits you? Or type it in other words."
            ),
            query=query,
        )
    elif mode == "nomatch":
        intro = ctx.t.gettext(
            N_("I couldn't find an Ausbildung for “{query}”. Please type it in other words."), query=query
        )
    else:
        intro = ctx.t.gettext(N_("These jobs fit your interests and your school certificate:"))
    return {"intro": intro}


def _wish_more_params(ctx: Ctx) -> dict[str, Any]:
    return {"name": ctx.state.scratch.get("saved", "")}


def _wishes_params(ctx: Ctx) -> dict[str, Any]:
    return {"list": _show_wishes(ctx, ctx.answers.get("wishes"))}


def _wishes_choices(ctx: Ctx) -> Sequence[Choice]:
    wishes = list(ctx.answers.get("wishes") or ())
    choices = []
    for occupation_id in wishes:
        hit = ctx.services.occupations.get(occupation_id, ctx.t.lang)
        if hit is not None:
            choices.append(Choice(hit.id, "❌ " + occupation_label(ctx, hit.name, hit.local_name), raw=True))
    if len(wishes) < MAX_WISHES:
        choices.append(Choice("_add", N_("➕ Add a job")))
    choices.append(Choice("_back", N_("⬅️ Back")))
    return choices


def _summary_choices(ctx: Ctx) -> Sequence[Choice]:
    edits = [Choice(step.id, "✏️ " + ctx.t.gettext(step.edit_label), raw=True) for step in PROFILE_STEPS]
    return [Choice("ok", N_("✅ All correct"), wide=True), *edits]


def _summary_params(ctx: Ctx) -> dict[str, Any]:
    return {"card": profile_card(ctx)}


def profile_card(ctx: Ctx) -> str:
    lines = []
    for step in PROFILE_STEPS:
        value = ctx.answers.get(step.key)
        if value is None or step.show is None:
            continue
        shown = step.show(ctx, value)
        if step.id == "certificate" and value == "foreign" and "cert_recognised" in ctx.answers:
            shown += " – " + STEPS["cert_recognised"].show(ctx, ctx.answers["cert_recognised"])  # type: ignore[misc]
        lines.append(f"• {ctx.t.gettext(step.edit_label)}: {shown}")
    return "\n".join(lines)


MENU_CHOICES = (
    Choice("places", N_("🔎 Open places")),
    Choice("coach", N_("💬 Talk to a coach")),
    Choice("profile", N_("👤 My profile")),
    Choice("occupations", N_("🎯 My job wishes")),
    Choice("language", N_("🌐 Language")),
    Choice("privacy", N_("🔒 Privacy")),
)


# ---------------------------------------------------------------- the steps

INTEREST_CHOICES = (
    Choice("technik", N_("🔧 Technology")),
    Choice("handwerk", N_("🔨 Crafts")),
    Choice("it", N_("💻 IT and computers")),
    Choice("buero", N_("📁 Office")),
    Choice("handel", N_("🛒 Shops and sales")),
    Choice("gesundheit", N_("🩺 Health")),
    Choice("soziales", N_("🤝 Working with people")),
    Choice("gastronomie", N_("🍳 Cooking and hotels")),
    Choice("logistik", N_("📦 Logistics and driving")),
    Choice("natur", N_("🌱 Nature and animals")),
    Choice("kreatives", N_("🎨 Creative and media")),
    Choice("unsure", N_("🤷 Not sure yet")),
)

LANGUAGE_CHOICES = (
    Choice("en", "English", raw=True),
    Choice("tr", "Türkçe", raw=True),
    Choice("ar", "العربية", raw=True),
    Choice("uk", "Українська", raw=True),
    Choice("ru", "Русский", raw=True),
    Choice("pl", "Polski", raw=True),
    Choice("ku", "Kurdî", raw=True),
    Choice("fa", "فارسی", raw=True),
    Choice("ro", "Română", raw=True),
    Choice("bg", "Български", raw=True),
    Choice("sq", "Shqip", raw=True),
    Choice("other", N_("Another language")),
    Choice("none", N_("Only German")),
)

STEP_LIST: tuple[Step, ...] = (
    Step(
        id="age",
        prompt=N_(
            "Hi! 👋 I'm the Ausbildung assistant of Ausbildungswege NRW in Herne and Bochum. "
            "I help you find an Ausbildung (apprenticeship) and connect you with a coach.\n\n"
            "First question: how old are you?"
        ),
        kind="text",
        parse=parse_age,
        next="consent",
        edit_label=N_("Age"),
        show=lambda ctx, v: ctx.t.number(int(v)),
    ),
    Step(
        id="consent",
        prompt=N_(
            "Before we start: to help you, I save your answers (age, school, where you live, interests, "
            "job wishes). Only you and the coaches of Ausbildungswege NRW can see them. We never sell "
            "them or show them to employers without asking you. You can see, download or delete your "
            "data at any time with /privacy.\n{guardian}\n\nIs that okay for you?"
        ),
        kind="choice",
        choices=_consent_choices,
        params=_consent_params,
        next="situation",
    ),
    Step(
        id="situation",
        prompt=N_("What are you doing at the moment?"),
        kind="choice",
        choices=(
            Choice("pupil", N_("I'm still at school")),
            Choice("school_done", N_("I've finished school")),
            Choice("measure", N_("I'm in a course or programme (Maßnahme)")),
            Choice("working", N_("I'm working or have a job")),
            Choice("other", N_("Something else")),
        ),
        next="certificate",
        edit_label=N_("Situation"),
        show=_choice_label("situation"),
    ),
    Step(
        id="certificate",
        prompt=N_("Which school certificate do you have (or will you have soon)?"),
        kind="choice",
        choices=(
            Choice("none", N_("None yet")),
            Choice("esa", N_("Hauptschulabschluss (ESA)")),
            Choice("eesa", N_("Hauptschulabschluss after class 10 (EESA)")),
            Choice("msa", N_("Fachoberschulreife (MSA)")),
            Choice("fhr", N_("Fachhochschulreife")),
            Choice("abi", N_("Abitur")),
            Choice("foreign", N_("A certificate from another country")),
        ),
        next=_after_certificate,
        then=("cert_recognised",),
        edit_label=N_("School certificate"),
        show=_choice_label("certificate"),
    ),
    Step(
        id="cert_recognised",
        prompt=N_("Is your certificate from abroad already recognised in Germany?"),
        kind="choice",
        choices=(
            Choice("yes", N_("Yes")),
            Choice("pending", N_("I've applied")),
            Choice("no", N_("No")),
            Choice("unknown", N_("I don't know")),
        ),
        next="german",
        show=_choice_label("cert_recognised"),
    ),
    Step(
        id="german",
        prompt=N_("How well do you speak German?"),
        kind="choice",
        choices=(
            Choice("native", N_("German is my first language")),
            Choice("good", N_("Good – I understand almost everything")),
            Choice("some", N_("Okay – I understand a lot")),
            Choice("little", N_("Only a little")),
        ),
        next="languages",
        edit_label=N_("German"),
        show=_choice_label("german"),
    ),
    Step(
        id="languages",
        prompt=N_("Which other languages do you speak? Tap all that fit, then tap “Done”."),
        kind="multi",
        choices=LANGUAGE_CHOICES,
        none_choice="none",
        next="location",
        edit_label=N_("Languages"),
        show=_labels("languages"),
        columns=3,
    ),
    Step(
        id="location",
        prompt=N_(
            "Where do you live? Type your postcode (for example 44623) or your town, "
            "or tap the button to share your location."
        ),
        kind="location",
        parse=parse_location,
        next="radius",
        then=("radius",),
        edit_label=N_("Where I live"),
        show=_show_location,
    ),
    Step(
        id="radius",
        prompt=N_("How far can you travel to your Ausbildung each day?"),
        kind="choice",
        choices=_radius_choices,
        next="interests",
        columns=4,
    ),
    Step(
        id="interests",
        prompt=N_("What are you interested in? Tap all that fit, then tap “Done”."),
        kind="multi",
        choices=INTEREST_CHOICES,
        none_choice="unsure",
        next="wish",
        edit_label=N_("Interests"),
        show=_labels("interests"),
        columns=2,
    ),
    Step(
        id="wish",
        prompt=N_(
            "Which job would you like to learn? Just type it in your own words, "
            "for example “car mechanic”, “Friseurin” or “something with computers”."
        ),
        kind="text",
        choices=(Choice("unsure", N_("🤷 I don't know yet")),),
        field="wishes",
        next="start",
        then=("wish_pick",),
        edit_label=N_("Job wishes"),
        show=_show_wishes,
    ),
    Step(
        id="wish_pick",
        prompt="{intro}",
        kind="choice",
        choices=_wish_pick_choices,
        params=_wish_pick_params,
        next="wish_more",
        then=("wish_more", "wish"),
    ),
    Step(
        id="wish_more",
        prompt=N_("Saved: {name}. Would you like to add another job? (up to 3)"),
        kind="choice",
        choices=(Choice("add", N_("➕ Add another job")), Choice("done", N_("Continue"))),
        params=_wish_more_params,
        next="start",
        then=("wish",),
    ),
    Step(
        id="start",
        prompt=N_("When could you start an Ausbildung at the earliest? Tap a button or type month and year."),
        kind="choice",
        choices=_start_choices,
        parse=parse_start,
        next="summary",
        edit_label=N_("Start"),
        show=_show_start,
    ),
    Step(
        id="summary",
        prompt=N_(
            "Here is your profile:\n\n{card}\n\nIs everything right? Tap a button to change an answer."
        ),
        kind="choice",
        choices=_summary_choices,
        params=_summary_params,
        next="menu",
        columns=2,
    ),
    Step(
        id="menu",
        prompt=N_("What would you like to do?"),
        kind="choice",
        choices=MENU_CHOICES,
        next="menu",
        columns=2,
    ),
    Step(
        id="wishes",
        prompt=N_("Your job wishes:\n{list}\n\nTap a job to remove it, or add a new one."),
        kind="choice",
        choices=_wishes_choices,
        params=_wishes_params,
        next="menu",
    ),
)

STEPS: dict[str, Step] = {step.id: step for step in STEP_LIST}
FIRST_STEP = STEP_LIST[0].id
#: Steps whose answers make up the profile card, in order.
PROFILE_STEPS = tuple(step for step in STEP_LIST if step.edit_label)
