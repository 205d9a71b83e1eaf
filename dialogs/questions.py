"""The profile questions, declared as data: age and consent, school, languages, home, interests, start.

Each :class:`~dialogs.flow.Step` names its prompt, its choices or parser and how its answer reads on the
profile card; the step after it is the one declared after it in ``dialogs.steps`` unless it says otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

from dialogs.flow import Answer, Choice, Ctx, Replies, Retry, Step
from dialogs.i18n import N_
from dialogs.model import Event, State
from dialogs.profile import Location, Profile

#: Below this age a parent or guardian must agree too (GDPR Art. 8, as Germany applies it).
GUARDIAN_AGE = 16


def unanswered(key: str) -> Callable[[State], bool]:
    return lambda state: not state.profile.has(key)


# ---------------------------------------------------------------- parsers


def parse_age(ctx: Ctx, event: Event) -> Answer | Retry:
    numbers = re.findall(r"\d+", event.text)
    if len(numbers) != 1 or not 10 <= int(numbers[0]) <= 99:
        return Retry(ctx.gettext(N_("Please send your age as a number, for example 17.")))
    age = int(numbers[0])
    notes: list[str] = []
    if age < 15:
        notes.append(
            ctx.gettext(
                N_(
                    "An Ausbildung usually starts after you finish school. Until then you can do a "
                    "Praktikum (internship), talk to the Berufsberatung at your school and find out here "
                    "which jobs you like. Let's go on!"
                )
            )
        )
    elif age > 27:
        notes.append(
            ctx.gettext(
                N_(
                    "Good to know: an Ausbildung is possible at any age. For adults the Agentur für Arbeit "
                    "and the Jobcenter also have their own support, for example an Umschulung (retraining). "
                    "You are welcome to go on here."
                )
            )
        )
    return Answer(age, tuple(notes))


def parse_location(ctx: Ctx, event: Event) -> Answer | Retry:
    finder = ctx.services.gazetteer
    if event.kind == "location" and event.lat is not None and event.lon is not None:
        home = finder.nearest(event.lat, event.lon)
        if home is not None:  # keep the shared point, name the nearest town for the summary
            return Answer(Location(home.name, event.lat, event.lon))
        return Retry(
            ctx.gettext(N_("This location is too far from the Ruhr area for me. Please type your postcode."))
        )
    text = event.text.strip()
    home = finder.resolve(text) if text and len(text) <= 80 else None
    if home is None:
        return Retry(
            ctx.gettext(
                N_(
                    "I don't know this place. Please type your postcode (for example 44623) or the name of your town."
                )
            )
        )
    return Answer(Location(home.name, home.lat, home.lon, home.postcode))


_MONTH_YEAR = re.compile(r"^\s*(\d{1,2})\s*[./\-\s]\s*(\d{4})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


def parse_start(ctx: Ctx, event: Event) -> Answer | Retry:
    today = ctx.today()
    m = _MONTH_YEAR.match(event.text)
    y = _YEAR.match(event.text)
    month, year = (int(m.group(1)), int(m.group(2))) if m else (8, int(y.group(1))) if y else (0, 0)
    if 1 <= month <= 12 and (year, month) >= (today.year, today.month) and year <= today.year + 4:
        return Answer(f"{year:04d}-{month:02d}")
    return Retry(ctx.gettext(N_("Please tap a button or type month and year, for example 08.2027.")))


# ---------------------------------------------------------------- consent


def _age(profile: Profile) -> int:
    return profile.age if profile.age is not None else 99


def _consent_choices(ctx: Ctx) -> Sequence[Choice]:
    # The "yes" button carries the age: nothing is stored before consent, so any bot process that gets
    # the tap (after a restart, or one of several webhook workers) can still complete the consent.
    age = _age(ctx.profile)
    label = N_("Yes – and my parent or guardian agrees") if age < GUARDIAN_AGE else N_("Yes, I agree")
    return (Choice(f"yes:{age}", label), Choice("no", N_("No")))


def _consent_params(ctx: Ctx) -> dict[str, Any]:
    guardian = ""
    if _age(ctx.profile) < GUARDIAN_AGE:
        guardian = ctx.gettext(
            N_(
                "You are under 16, so a parent or guardian must agree too (GDPR Art. 8). Please ask them first."
            )
        )
    return {"guardian": guardian}


def _restore_age(ctx: Ctx, value: str) -> None:
    """The consent button carries the age: restore it when this process no longer has the answer."""
    _, _, age = value.partition(":")
    if not ctx.state.consented and age.isdigit() and 10 <= int(age) <= 99:
        ctx.profile.age = int(age)
        ctx.go("consent")


def _consent_chosen(ctx: Ctx, value: str) -> Replies:
    if value == "no":
        ctx.state = State(lang=ctx.state.lang)
        return ctx.say(
            N_(
                "Okay, I haven't saved anything. Without your okay I can't build a profile for you. "
                "If you change your mind, just send /start."
            )
        )
    ctx.profile.consent = ctx.today().isoformat()
    ctx.profile.guardian_consent = _age(ctx.profile) < GUARDIAN_AGE
    return ctx.advance(ctx.flow.by_id["consent"])


# ---------------------------------------------------------------- choices and display


def start_month_values(today: dt.date) -> list[dt.date]:
    """The next two training starts (1 August) from today."""
    first = today.year if (today.month, today.day) < (8, 1) else today.year + 1
    return [dt.date(first, 8, 1), dt.date(first + 1, 8, 1)]


def _start_choices(ctx: Ctx) -> Sequence[Choice]:
    months = [Choice(d.strftime("%Y-%m"), ctx.t.month(d), raw=True) for d in start_month_values(ctx.today())]
    return [Choice("asap", N_("As soon as possible")), *months]


RADIUS_KM = (5, 10, 25, 50)


def _radius_choices(ctx: Ctx) -> Sequence[Choice]:
    return [Choice(str(km), f"{ctx.t.number(km)} km", raw=True) for km in RADIUS_KM]


def choice_label(ctx: Ctx, step_id: str, value: Any) -> str:
    """How a stored value of a choice step reads: its button's label."""
    for choice in ctx.flow.by_id[step_id].choices_for(ctx):
        if choice.value == str(value):
            return choice.label if choice.raw else ctx.gettext(choice.label)
    return str(value)


def _show_choice(step_id: str) -> Callable[[Ctx, Any], str]:
    return lambda ctx, value: choice_label(ctx, step_id, value)


def _show_choices(step_id: str) -> Callable[[Ctx, Any], str]:
    def show(ctx: Ctx, values: Any) -> str:
        if not values:
            return ctx.gettext(N_("none"))
        return ", ".join(choice_label(ctx, step_id, v) for v in values)

    return show


def _show_certificate(ctx: Ctx, value: Any) -> str:
    shown = choice_label(ctx, "certificate", value)
    recognised = ctx.profile.cert_recognised
    if value == "foreign" and recognised is not None:
        shown += " – " + choice_label(ctx, "cert_recognised", recognised)
    return shown


def _show_location(ctx: Ctx, value: Any) -> str:
    where = ctx.t.keep_ltr(" ".join(p for p in (value.postcode, value.name) if p))
    radius = ctx.profile.radius
    if radius:
        return ctx.gettext(N_("{place}, up to {km} km away"), place=where, km=ctx.t.number(radius))
    return where


def show_start(ctx: Ctx, value: Any) -> str:
    if value == "asap":
        return ctx.gettext(N_("As soon as possible"))
    year, month = (int(p) for p in str(value).split("-"))
    return ctx.t.month(dt.date(year, month, 1))


def _after_certificate(ctx: Ctx) -> str:
    return "cert_recognised" if ctx.profile.certificate == "foreign" else "german"


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

# ---------------------------------------------------------------- the steps

AGE = Step(
    id="age",
    prompt=N_(
        "Hi! 👋 I'm the Ausbildung assistant of Ausbildungswege NRW in Herne and Bochum. "
        "I help you find an Ausbildung (apprenticeship) and connect you with a coach.\n\n"
        "First question: how old are you?"
    ),
    kind="text",
    parse=parse_age,
    edit_label=N_("Age"),
    show=lambda ctx, v: ctx.t.number(int(v)),
    todo=lambda state: not state.consented,
)

CONSENT = Step(
    id="consent",
    prompt=N_(
        "Before we start: to help you, I save your answers (age, school, where you live, interests, "
        "job wishes). Only you and the coaches of Ausbildungswege NRW can see them. We never sell "
        "them or show them to employers without asking you. You can see, download or delete your "
        "data at any time with /privacy.\n{guardian}\n\nIs that okay for you?"
    ),
    choices=_consent_choices,
    params=_consent_params,
    anywhere=lambda state: not state.consented,
    restore=_restore_age,
    on_choice=_consent_chosen,
)

SITUATION = Step(
    id="situation",
    prompt=N_("What are you doing at the moment?"),
    choices=(
        Choice("pupil", N_("I'm still at school")),
        Choice("school_done", N_("I've finished school")),
        Choice("measure", N_("I'm in a course or programme (Maßnahme)")),
        Choice("working", N_("I'm working or have a job")),
        Choice("other", N_("Something else")),
    ),
    edit_label=N_("Situation"),
    show=_show_choice("situation"),
    todo=unanswered("situation"),
)

CERTIFICATE = Step(
    id="certificate",
    prompt=N_("Which school certificate do you have (or will you have soon)?"),
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
    show=_show_certificate,
    todo=unanswered("certificate"),
)

CERT_RECOGNISED = Step(
    id="cert_recognised",
    prompt=N_("Is your certificate from abroad already recognised in Germany?"),
    choices=(
        Choice("yes", N_("Yes")),
        Choice("pending", N_("I've applied")),
        Choice("no", N_("No")),
        Choice("unknown", N_("I don't know")),
    ),
    show=_show_choice("cert_recognised"),
    todo=lambda state: state.profile.certificate == "foreign" and not state.profile.has("cert_recognised"),
)

GERMAN = Step(
    id="german",
    prompt=N_("How well do you speak German?"),
    choices=(
        Choice("native", N_("German is my first language")),
        Choice("good", N_("Good – I understand almost everything")),
        Choice("some", N_("Okay – I understand a lot")),
        Choice("little", N_("Only a little")),
    ),
    edit_label=N_("German"),
    show=_show_choice("german"),
    todo=unanswered("german"),
)

LANGUAGES = Step(
    id="languages",
    prompt=N_("Which other languages do you speak? Tap all that fit, then tap “Done”."),
    kind="multi",
    choices=LANGUAGE_CHOICES,
    none_choice="none",
    edit_label=N_("Languages"),
    show=_show_choices("languages"),
    columns=3,
    todo=unanswered("languages"),
)

LOCATION = Step(
    id="location",
    prompt=N_(
        "Where do you live? Type your postcode (for example 44623) or your town, "
        "or tap the button to share your location."
    ),
    kind="location",
    parse=parse_location,
    then=("radius",),
    edit_label=N_("Where I live"),
    show=_show_location,
    todo=unanswered("location"),
)

RADIUS = Step(
    id="radius",
    prompt=N_("How far can you travel to your Ausbildung each day?"),
    choices=_radius_choices,
    columns=4,
    todo=unanswered("radius"),
)

INTERESTS = Step(
    id="interests",
    prompt=N_("What are you interested in? Tap all that fit, then tap “Done”."),
    kind="multi",
    choices=INTEREST_CHOICES,
    none_choice="unsure",
    edit_label=N_("Interests"),
    show=_show_choices("interests"),
    columns=2,
    todo=unanswered("interests"),
)

START = Step(
    id="start",
    prompt=N_("When could you start an Ausbildung at the earliest? Tap a button or type month and year."),
    choices=_start_choices,
    parse=parse_start,
    next="summary",
    edit_label=N_("Start"),
    show=show_start,
    todo=unanswered("start"),
)
