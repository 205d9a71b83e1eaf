"""The profile questions, declared as data: age and consent, school, languages, home, interests, start.

Each :class:`~dialogs.flow.Step` names its prompt, its choices or parser and how its answer reads on the
profile card; the step after it is the one declared after it in ``dialogs.steps`` unless it says otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

from dialogs.dates import read_month
from dialogs.flow import Answer, Choice, Confirm, Ctx, Replies, Retry, Step
from dialogs.followup import CONSENT_NOTE
from dialogs.i18n import ARABIC_DIGITS, N_
from dialogs.model import Event, Reply, State
from dialogs.profile import Location
from knowledge.gazetteer import distance_km
from knowledge.region import CENTRE, USUAL_AREA_KM

#: Below this age a parent or guardian must agree too (GDPR Art. 8, as Germany applies it).
GUARDIAN_AGE = 16
MIN_AGE, MAX_AGE = 10, 99
#: A start month further ahead than this many years is a typo.
MAX_YEARS_AHEAD = 4
#: A town guessed from a typo with at least this score (and near Herne/Bochum) needs no confirmation.
SURE_TOWN_SCORE = 90.0


def unanswered(key: str) -> Callable[[State], bool]:
    return lambda state: not state.profile.has(key)


# ---------------------------------------------------------------- parsers


def parse_age(ctx: Ctx, event: Event) -> Answer | Retry:
    numbers = re.findall(r"\d+", event.text.translate(ARABIC_DIGITS))
    if len(numbers) != 1:
        return Retry(ctx.gettext(N_("Please send your age as a number, for example 17.")))
    age = int(numbers[0])
    if not MIN_AGE <= age <= MAX_AGE:
        return Retry(
            ctx.gettext(
                N_("Please send your real age: a number from {min} to {max}."),
                min=ctx.t.number(MIN_AGE),
                max=ctx.t.number(MAX_AGE),
            )
        )
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


def _age_answered(ctx: Ctx, answer: Answer) -> Replies | None:
    """An under-16 age given after consent needs a parent's or guardian's okay before it is stored."""
    if ctx.state.consented and answer.value < GUARDIAN_AGE and not ctx.profile.guardian_consent:
        notes = [Reply(note) for note in answer.notes]
        return notes + ctx.ask("consent", {"age": answer.value})
    return None


def _age_text(ctx: Ctx) -> str:
    if ctx.state.consented:  # editing: just the question, not the whole welcome again
        return ctx.gettext(N_("How old are you?"))
    return ctx.gettext(AGE_WELCOME)


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
    location = Location(home.name, home.lat, home.lon, home.postcode)
    if home.exact or (home.score >= SURE_TOWN_SCORE and _in_usual_area(location)):
        return Answer(location)
    place = f"{home.name} ({home.area})" if home.area else home.name
    return Answer(location, confirm=Confirm(N_("Did you mean {place}?"), {"place": ctx.t.keep_ltr(place)}))


def _in_usual_area(location: Location) -> bool:
    return distance_km(location.lat, location.lon, *CENTRE) <= USUAL_AREA_KM


def parse_start(ctx: Ctx, event: Event) -> Answer | Retry:
    today = ctx.today()
    found = read_month(event.text)
    if found is None:
        return Retry(ctx.gettext(N_("Please tap a button or type month and year, for example 08.2027.")))
    year, month = found
    if (year, month) < (today.year, today.month):
        return Retry(
            ctx.gettext(
                N_("{month} has already passed. Tap “As soon as possible” or type a later month."),
                month=ctx.t.month(dt.date(year, month, 1)),
            )
        )
    if year > today.year + MAX_YEARS_AHEAD:
        return Retry(
            ctx.gettext(
                N_("That is very far ahead. Please type a month within the next {n} years."),
                n=ctx.t.number(MAX_YEARS_AHEAD),
            )
        )
    return Answer(f"{year:04d}-{month:02d}")


# ---------------------------------------------------------------- consent


def _age(ctx: Ctx) -> int:
    """The age the consent is for: a changed age waiting for it, else the stored one."""
    pending = ctx.state.scratch.get("age")
    if isinstance(pending, int):
        return pending
    return ctx.profile.age if ctx.profile.age is not None else MAX_AGE


def _consent_choices(ctx: Ctx) -> Sequence[Choice]:
    # The "yes" button carries the age: nothing is stored before consent, so any bot process that gets
    # the tap (after a restart, or one of several webhook workers) can still complete the consent.
    age = _age(ctx)
    label = N_("Yes – and my parent or guardian agrees") if age < GUARDIAN_AGE else N_("Yes, I agree")
    return (Choice(f"yes:{age}", label), Choice("no", N_("No")))


def _consent_params(ctx: Ctx) -> dict[str, Any]:
    # What the consent covers besides the answers (the follow-ups), then the guardian's part if needed.
    guardian = ctx.gettext(CONSENT_NOTE)
    if _age(ctx) < GUARDIAN_AGE:
        guardian += "\n" + ctx.gettext(
            N_(
                "You are under 16, so a parent or guardian must agree too (GDPR Art. 8). Please ask them first."
            )
        )
    return {"guardian": guardian}


def _age_of(value: str) -> int | None:
    _, _, age = value.partition(":")
    return int(age) if age.isdigit() and MIN_AGE <= int(age) <= MAX_AGE else None


def _restore_age(ctx: Ctx, value: str) -> None:
    """The consent button carries the age: restore it when this process no longer has the answer."""
    age = _age_of(value)
    if not ctx.state.consented and age is not None:
        ctx.profile.age = age
        ctx.go("consent")


def _consent_chosen(ctx: Ctx, value: str) -> Replies:
    if value == "no":
        had_data = ctx.state.consented
        ctx.state = State(lang=ctx.state.lang)
        if had_data:  # an under-16 age without a guardian's okay: nothing of it may stay
            ctx.actions.append("delete")
            return ctx.say(
                N_(
                    "Okay. Without the okay of a parent or guardian I can't keep a profile for someone under "
                    "16, so I have deleted your data. If you want to start again, just send /start."
                )
            )
        return ctx.say(
            N_(
                "Okay, I haven't saved anything. Without your okay I can't build a profile for you. "
                "If you change your mind, just send /start."
            )
        )
    age = _age_of(value)
    if age is not None:
        ctx.profile.age = age
    ctx.profile.consent = ctx.today().isoformat()
    ctx.profile.guardian_consent = _age(ctx) < GUARDIAN_AGE or ctx.profile.guardian_consent
    ctx.state.scratch.pop("age", None)
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
    return [Choice(str(km), ctx.t.km(km), raw=True) for km in RADIUS_KM]


def choice_label(ctx: Ctx, step_id: str, value: Any) -> str:
    """How a stored value of a choice step reads on the profile card."""
    for choice in ctx.flow.by_id[step_id].choices_for(ctx):
        if choice.value == str(value):
            return ctx.label(choice, shown=True)
    return str(value)


def _show_choice(step_id: str) -> Callable[[Ctx, Any], str]:
    return lambda ctx, value: choice_label(ctx, step_id, value)


def _show_choices(step_id: str, none: str) -> Callable[[Ctx, Any], str]:
    """A multi-select answer; ``none`` (a message id) when the exclusive "none of these" was chosen."""

    def show(ctx: Ctx, values: Any) -> str:
        if not values:
            return ctx.gettext(none)
        return ctx.t.join(choice_label(ctx, step_id, v) for v in values)

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
        return ctx.gettext(N_("{place}, radius up to {km} km"), place=where, km=ctx.t.number(radius))
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
    Choice("unsure", N_("🤷 Not sure yet"), wide=True),
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
    Choice("none", N_("Only German"), wide=True),
)

# ---------------------------------------------------------------- the steps

AGE_WELCOME = N_(
    "Hi! 👋 I'm the Ausbildung assistant of Ausbildungswege NRW in Herne and Bochum. "
    "I help you find an Ausbildung (apprenticeship) and connect you with a coach.\n\n"
    "First question: how old are you?"
)

AGE = Step(
    id="age",
    text=_age_text,
    kind="text",
    parse=parse_age,
    edit_label=N_("Age"),
    show=lambda ctx, v: ctx.t.number(int(v)),
    todo=lambda state: not state.consented,
    on_answer=_age_answered,
)

CONSENT = Step(
    id="consent",
    prompt=N_(
        "Before we start: to help you, I save your answers (age, school, where you live, interests, "
        "job wishes). Only you and the coaches of Ausbildungswege NRW can see them. We never sell "
        "them or show them to employers without asking you. You can see, download or delete your "
        "data at any time with /privacy.\n{guardian}\n\nIs that okay with you?"
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
        Choice("working", N_("I'm working (also a Minijob)")),
        Choice("other", N_("Something else")),
    ),
    edit_label=N_("Situation"),
    show=_show_choice("situation"),
    todo=unanswered("situation"),
)

CERTIFICATE = Step(
    id="certificate",
    # The buttons carry the official NRW names (since 2022), short enough for a Telegram button in every
    # language (tests/test_locales.py); what they mean is explained in the question.
    prompt=N_(
        "Which school certificate do you have (or will you have soon)?\n\n"
        "• ESA: after Year 9 (formerly Hauptschulabschluss)\n"
        "• EESA: after Year 10 (formerly Hauptschulabschluss nach Klasse 10)\n"
        "• MSA: after Year 10, also called Fachoberschulreife or Realschulabschluss\n"
        "• Fachabi (Fachhochschulreife): German entrance qualification for universities of "
        "applied sciences\n"
        "• Abitur: German university entrance qualification\n\n"
        "Did you go to school in another country? Then tap “A certificate from another country” – "
        "even if your certificate lets you study at a university there."
    ),
    choices=(
        Choice("none", N_("None yet")),
        Choice("esa", N_("Erster Schulabschluss (ESA)")),
        Choice("eesa", N_("Erweiterter Erster Schulabschluss (EESA)")),
        Choice("msa", N_("Mittlerer Schulabschluss (MSA)")),
        Choice("fhr", N_("Fachhochschulreife (Fachabi)")),
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
        Choice("yes", N_("Yes"), shown=N_("recognised")),
        Choice("pending", N_("I've applied for recognition"), shown=N_("recognition applied for")),
        Choice("no", N_("No"), shown=N_("not recognised yet")),
        Choice("unknown", N_("I don't know"), shown=N_("recognition unclear")),
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
    show=_show_choices("languages", N_("only German")),
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
    edit_label=N_("Town"),
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
    show=_show_choices("interests", N_("not sure yet")),
    columns=2,
    todo=unanswered("interests"),
)

START = Step(
    id="start",
    prompt=N_("When could you start an Ausbildung at the earliest? Tap a button or type month and year."),
    choices=_start_choices,
    parse=parse_start,
    next="summary",
    edit_label=N_("Start date"),
    show=show_start,
    todo=unanswered("start"),
)
