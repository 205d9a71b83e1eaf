"""Screens around the questions: the profile card, the main menu, the language picker, privacy, and the
slash commands.

Menu, language and privacy buttons work from any step (``anywhere``); language and privacy are shown
on top of the current question without moving away from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dialogs.flow import CONFIRM_STEP, Answer, Choice, Command, Ctx, Replies, Step
from dialogs.followup import PRIVACY_NOTE
from dialogs.i18n import LANGUAGES, N_
from dialogs.model import State
from dialogs.questions import LANGUAGE_CHOICES
from knowledge.sources import UNKNOWN as UNKNOWN_SOURCE
from knowledge.sources import is_code

LANGUAGE_NAMES = {"de": "Deutsch", **{c.value: c.label for c in LANGUAGE_CHOICES if c.raw}}
NOT_YET = N_("Let's finish your profile first – it only takes a minute.")


def always(_state: State) -> bool:
    return True


def profile_steps(ctx: Ctx) -> tuple[Step, ...]:
    """Steps whose answers make up the profile card, in declared order."""
    return tuple(step for step in ctx.flow.steps if step.edit_label)


@dataclass(frozen=True)
class ShownAnswer:
    """One answer of the profile as the chat shows it: the question's label and the answer's text."""

    #: The profile field (``Step.key``).
    key: str
    label: str
    shown: str


def profile_answers(ctx: Ctx) -> list[ShownAnswer]:
    """The answered profile questions in declared order, labelled in the context's language: what the
    summary card shows, the coach card shows and the data export names."""
    answers = []
    for step in profile_steps(ctx):
        value = ctx.profile.get(step.key)
        if value is None or step.show is None:
            continue
        answers.append(ShownAnswer(step.key, ctx.gettext(step.edit_label), step.show(ctx, value)))
    return answers


def profile_card(ctx: Ctx) -> str:
    return "\n".join(f"• {answer.label}: {answer.shown}" for answer in profile_answers(ctx))


# ---------------------------------------------------------------- summary


def _summary_choices(ctx: Ctx) -> Sequence[Choice]:
    edits = [Choice(step.id, "✏️ " + ctx.gettext(step.edit_label), raw=True) for step in profile_steps(ctx)]
    return [Choice("ok", N_("✅ All correct"), wide=True), *edits]


def _summary_chosen(ctx: Ctx, value: str) -> Replies:
    if value == "ok":
        first_time = not ctx.state.completed
        ctx.profile.completed = True
        return ctx.ask(
            "menu", prefix=N_("Great, your profile is complete! 🎉") if first_time else N_("Saved.")
        )
    ctx.state.return_to = "summary"
    step = ctx.flow.by_id[value]
    return ctx.ask(step.edit_via or step.id)


SUMMARY = Step(
    id="summary",
    prompt=N_("Here is your profile:\n\n{card}\n\nIs everything right? Tap a button to change an answer."),
    choices=_summary_choices,
    params=lambda ctx: {"card": profile_card(ctx)},
    columns=2,
    todo=lambda state: not state.completed,
    on_choice=_summary_chosen,
)

# ---------------------------------------------------------------- menu


def _finished_profile(ctx: Ctx) -> str | None:
    return None if ctx.state.completed else NOT_YET


def _menu_chosen(ctx: Ctx, value: str) -> Replies:
    ctx.state.return_to = None
    if value == "profile":
        return ctx.ask("summary")
    if value == "occupations":
        return ctx.ask("wishes")
    if value in ("language", "privacy"):
        return [ctx.show(step=ctx.flow.by_id[value])]
    ctx.go("menu")
    if value == "places":
        ctx.actions.append("places")
        return []
    if value == "coach":
        ctx.actions.append("coach")
        return []
    return [ctx.show()]


MENU = Step(
    id="menu",
    prompt=N_("What would you like to do?"),
    choices=(
        Choice("places", N_("🔎 Open places")),
        Choice("coach", N_("💬 Talk to a coach")),
        Choice("profile", N_("👤 My profile")),
        Choice("occupations", N_("🎯 My job wishes")),
        Choice("language", N_("🌐 Language")),
        Choice("privacy", N_("🔒 Privacy")),
        Choice("home", N_("🏠 Menu"), hidden=True),
    ),
    columns=2,
    todo=always,
    anywhere=always,
    guard=_finished_profile,
    relay=True,
    on_choice=_menu_chosen,
)

# ---------------------------------------------------------------- language


def _language_chosen(ctx: Ctx, value: str) -> Replies:
    ctx.set_language(value)
    return [ctx.show(prefix=ctx.gettext(N_("Okay, from now on I'll write in English.")))]


LANGUAGE = Step(
    id="language",
    prompt=N_("Which language do you want me to speak?"),
    choices=tuple(Choice(code, LANGUAGE_NAMES[code], raw=True) for code in LANGUAGES),
    columns=2,
    anywhere=always,
    on_choice=_language_chosen,
)

# ---------------------------------------------------------------- privacy

PRIVACY_TEXT = N_(
    "🔒 Your data\n\nWhat I save: your age, school certificate, situation, German level and languages, "
    "where you live (postcode or town, and how far you can travel), interests, job wishes, start date, "
    "the places you liked, your messages with the coaches and your chosen language.\n"
    "Why: so that the coaches of Ausbildungswege NRW can find a fitting Ausbildung for you.\n"
    "Who sees it: only you and the coaches. Employers see nothing unless you agree.\n"
    "How long: until you delete it, or {days} days after your last message.\n"
    "I never save anything before you agree. /export sends you everything as a file, /delete removes it."
)


def _privacy_choices(ctx: Ctx) -> Sequence[Choice]:
    if not ctx.state.consented:
        return ()
    return (
        Choice("export", N_("📦 Download my data")),
        Choice("delete", N_("🗑 Delete my data")),
    )


def _privacy_text(ctx: Ctx) -> str:
    days = ctx.t.number(ctx.services.retention_days)
    return ctx.gettext(PRIVACY_TEXT, days=days) + "\n\n" + ctx.gettext(PRIVACY_NOTE)


def _privacy_chosen(ctx: Ctx, value: str) -> Replies:
    if value == "export":
        ctx.actions.append("export")
        return []
    return [ctx.show(step=ctx.flow.by_id["delete"])]


PRIVACY = Step(
    id="privacy",
    text=_privacy_text,
    choices=_privacy_choices,
    anywhere=always,
    on_choice=_privacy_chosen,
)


def _delete_chosen(ctx: Ctx, value: str) -> Replies:
    if value == "no":
        return [ctx.show(prefix=ctx.gettext(N_("Okay, nothing was deleted.")))]
    ctx.actions.append("delete")
    ctx.state = State(lang=ctx.state.lang)
    return ctx.say(N_("All your data has been deleted. If you want to start again, just send /start."))


DELETE = Step(
    id="delete",
    prompt=N_(
        "Do you really want to delete all your data? Your profile, job wishes and coach chats will be gone. This cannot be undone."
    ),
    choices=(Choice("yes", N_("🗑 Yes, delete everything")), Choice("no", N_("No, keep my data"))),
    anywhere=lambda state: state.consented,
    on_choice=_delete_chosen,
)

# ---------------------------------------------------------------- commands

HELP_TEXT = N_(
    "I help you find an Ausbildung and a coach. Commands:\n"
    "/start – start or go on\n/menu – main menu\n/profile – your profile\n/coach – talk to a coach\n"
    "/language – change the language\n/privacy – your data (/export, /delete)\n/cancel – stop the current question"
)
NOTHING_STORED = N_("I have not stored anything about you.")


def _start(ctx: Ctx) -> Replies:
    """``/start``, also from a deep link: a keyword of the flow opens what it stands for; any other
    argument is the code of the source the person came from, noted only before consent and only once
    (the first contact wins). It is stored with the consent, like the age: before it nothing is."""
    keyword = ctx.flow.start_keywords.get(ctx.argument)
    if keyword is not None:
        return keyword.run(ctx)
    if ctx.argument and not ctx.state.consented and ctx.profile.source is None:
        ctx.profile.source = ctx.argument if is_code(ctx.argument) else UNKNOWN_SOURCE
    if not ctx.state.consented and ctx.profile.age is None:
        return ctx.ask(ctx.flow.first.id)
    return [ctx.show(prefix=ctx.gettext(N_("Welcome back! Let's go on where you stopped.")))]


def _needs_profile(then: str) -> Command:
    def run(ctx: Ctx) -> Replies:
        if not ctx.state.completed:
            return [ctx.again(NOT_YET)]
        return ctx.ask(then)

    return Command(run)


def _coach(ctx: Ctx) -> Replies:
    """A human is always reachable once the person agreed that their answers may be stored."""
    if not ctx.state.consented:
        return [ctx.again(N_("To pass you on to a coach I need your okay to save your answers first."))]
    if ctx.state.completed:
        return _menu_chosen(ctx, "coach")
    ctx.go("coach_chat")
    ctx.actions.append("coach")
    return []


COACH_CHAT = Step(
    id="coach_chat",
    prompt=N_("You can go on with your profile at any time – the coach sees your answers so far."),
    choices=(Choice("resume", N_("▶️ Go on with my profile")),),
    relay=True,
    on_choice=lambda ctx, value: ctx.ask(ctx.flow.resume(ctx.state).id),
)


def _cancel(ctx: Ctx) -> Replies:
    if ctx.state.return_to:
        target, ctx.state.return_to = ctx.state.return_to, None
        return ctx.ask(target, prefix=N_("Okay, nothing was changed."))
    if ctx.state.completed:
        return ctx.ask("menu")
    return ctx.say(N_("Okay, we'll pause here. Send /start whenever you want to go on."))


def _overlay(step_id: str) -> Command:
    return Command(lambda ctx: [ctx.show(step=ctx.flow.by_id[step_id])])


def _privacy_action(value: str) -> Command:
    def run(ctx: Ctx) -> Replies:
        if not ctx.state.consented:
            return ctx.say(NOTHING_STORED)
        return _privacy_chosen(ctx, value)

    return Command(run)


def unknown_command(ctx: Ctx) -> Replies:
    return [ctx.show(prefix=ctx.gettext(N_("I don't know this command.")), step=ctx.flow.by_id["help"])]


HELP = Step(id="help", prompt=HELP_TEXT)

COMMANDS = {
    "start": Command(_start),
    "menu": _needs_profile("menu"),
    "profile": _needs_profile("summary"),
    "coach": Command(_coach),
    "cancel": Command(_cancel),
    "language": _overlay("language"),
    "privacy": _overlay("privacy"),
    "export": _privacy_action("export"),
    "delete": _privacy_action("delete"),
    "help": _overlay("help"),
}

# ---------------------------------------------------------------- "did you mean …?"


def _confirm_text(ctx: Ctx) -> str:
    scratch = ctx.state.scratch
    return ctx.gettext(str(scratch.get("question", "")), **dict(scratch.get("params") or {}))


def _confirmed(ctx: Ctx, value: str) -> Replies:
    scratch = ctx.state.scratch
    step = ctx.flow.by_id[str(scratch.get("for"))]
    if value == "yes":
        return ctx.answer(step, Answer(scratch.get("value")))
    return ctx.ask(step.id)


CONFIRM = Step(
    id=CONFIRM_STEP,
    text=_confirm_text,
    choices=(Choice("yes", N_("✅ Yes")), Choice("no", N_("✏️ No, I'll type it again"))),
    on_choice=_confirmed,
)
