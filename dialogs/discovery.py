"""Discovery for the undecided: a few one-tap questions, then 3-5 occupation cards to keep or leave.

"I don't know yet" (button or typed, in any language) leads here instead of to a list of names. The
questions come from the catalogue's traits (``knowledge/data/traits.toml``), two topics per question where
they make a natural either/or ("🌳 outdoors or 📁 office?"), at most ``MAX_QUESTIONS``. The cards say what
you do, how long it takes, the usual certificate, how many places are open nearby and where to read more
(BERUFENET). Every screen has a way on (keep none and continue, talk to a coach) and a way back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dialogs.flow import Choice, Ctx, Replies, Step
from dialogs.i18n import N_
from dialogs.questions import choice_label
from dialogs.wishes import MAX_WISHES, occupation_label
from knowledge.discovery import Trait

#: Topics asked together as one either/or question; topics not listed are asked alone.
PAIRS: tuple[tuple[str, str], ...] = (
    ("outdoors", "office"),
    ("hands", "computer"),
    ("people", "technology"),
    ("vehicles", "animals"),
    ("care", "creative"),
)
MAX_QUESTIONS = 8
#: How many cards the discovery shows at most.
MAX_CARDS = 5


def questions(ctx: Ctx) -> list[tuple[Trait, ...]]:
    """The questions in order: pairs first, then the single topics."""
    by_id = {trait.id: trait for trait in ctx.services.occupations.traits()}
    paired = [tuple(by_id[t] for t in pair) for pair in PAIRS if all(t in by_id for t in pair)]
    taken = {trait.id for pair in paired for trait in pair}
    single = [(trait,) for trait in by_id.values() if trait.id not in taken]
    return [*paired, *single][:MAX_QUESTIONS]


def start(ctx: Ctx) -> Replies:
    """Begin the discovery (from the wish step, a typed "keine Ahnung", or a list without a fit)."""
    return ctx.ask("discover", {"q": 0, "answers": {}})


def _topic(ctx: Ctx, trait: Trait) -> str:
    return f"{trait.emoji} {trait.label(ctx.t.lang)}".strip()


# ---------------------------------------------------------------- the questions


def _question_text(ctx: Ctx) -> str:
    asked = questions(ctx)
    index = min(int(ctx.state.scratch.get("q", 0)), len(asked) - 1)
    traits = asked[index]
    progress = ctx.gettext(
        N_("Question {n} of {total}"), n=ctx.t.number(index + 1), total=ctx.t.number(len(asked))
    )
    if len(traits) == 2:
        question = ctx.gettext(
            N_("What do you like more: {first} or {second}?"),
            first=_topic(ctx, traits[0]),
            second=_topic(ctx, traits[1]),
        )
    else:
        question = ctx.gettext(N_("{topic} – is that something for you?"), topic=_topic(ctx, traits[0]))
    return f"{progress}\n\n{question}"


def _question_choices(ctx: Ctx) -> Sequence[Choice]:
    asked = questions(ctx)
    index = min(int(ctx.state.scratch.get("q", 0)), len(asked) - 1)
    traits = asked[index]
    q = f"{index}:"
    if len(traits) == 2:
        options = [
            Choice(q + "a", _topic(ctx, traits[0]), raw=True),
            Choice(q + "b", _topic(ctx, traits[1]), raw=True),
            Choice(q + "both", N_("👍 Both")),
            Choice(q + "neither", N_("👎 Neither")),
        ]
    else:
        options = [
            Choice(q + "yes", N_("👍 Yes")),
            Choice(q + "no", N_("👎 No")),
            Choice(q + "skip", N_("🤷 Don't mind")),
        ]
    return [*options, Choice(q + "back", N_("⬅️ Back"), wide=True)]


#: What each button says about the question's topics (first, second): True yes, False no, None not said.
ANSWERS: dict[str, tuple[bool | None, bool | None]] = {
    "yes": (True, None),
    "no": (False, None),
    "skip": (None, None),
    "a": (True, None),
    "b": (None, True),
    "both": (True, True),
    "neither": (False, False),
}


def _answered(ctx: Ctx, value: str) -> Replies:
    index_text, _, answer = value.partition(":")
    index, asked = int(index_text), questions(ctx)
    answers: dict[str, bool] = dict(ctx.state.scratch.get("answers") or {})
    if answer == "back":
        if index == 0:
            return ctx.ask("wish")
        for trait in asked[index - 1]:
            answers.pop(trait.id, None)
        return ctx.ask("discover", {"q": index - 1, "answers": answers})
    for trait, said in zip(asked[index], ANSWERS[answer], strict=False):
        if said is not None:
            answers[trait.id] = said
    if index + 1 < len(asked):
        return ctx.ask("discover", {"q": index + 1, "answers": answers})
    return _results(ctx, answers)


def _results(ctx: Ctx, answers: dict[str, bool]) -> Replies:
    profile = ctx.profile
    hits = ctx.services.occupations.discover(answers, profile.certificate, ctx.t.lang, limit=MAX_CARDS)
    cands = [h.id for h in hits if h.id not in profile.wishes]
    why = {h.id: h.why_label for h in hits}
    return ctx.ask("discover_pick", {"cands": cands, "why": why, "kept": [], "answers": answers})


# ---------------------------------------------------------------- the cards


def _duration(ctx: Ctx, months: int) -> str:
    if months % 12 == 0:
        return ctx.t.ngettext("{n} year", "{n} years", months // 12)
    return ctx.t.ngettext("{n} month", "{n} months", months)


def _card(ctx: Ctx, number: int, occupation_id: str) -> str:
    facts = ctx.services.occupations.facts(occupation_id, ctx.t.lang)
    if facts is None:
        return ""
    t, profile = ctx.t, ctx.profile
    lines = [f"{t.number(number)}. {occupation_label(ctx, facts.name, facts.local_name)}", facts.description]
    details = [
        "⏱ " + _duration(ctx, facts.duration_months),
        "🎓 "
        + ctx.gettext(
            N_("usually {certificate}"), certificate=choice_label(ctx, "certificate", facts.certificate)
        ),
    ]
    if profile.location is not None:
        km = profile.radius or 10
        count = ctx.services.open_places.count(facts.id, profile.location.lat, profile.location.lon, km)
        details.append(
            "📍 "
            + t.ngettext(
                "{n} open place within {km} km", "{n} open places within {km} km", count, km=t.number(km)
            )
        )
    lines.append(" · ".join(details))
    why = str(dict(ctx.state.scratch.get("why") or {}).get(occupation_id, ""))
    if why:
        lines.append(ctx.gettext(N_("fits: {what}"), what=why))
    lines.append(t.keep_ltr(facts.url))
    return "\n".join(lines)


def _pick_text(ctx: Ctx) -> str:
    cands = list(ctx.state.scratch.get("cands") or ())
    if not cands:
        return ctx.gettext(
            N_(
                "I couldn't find a clear fit from your answers – that's okay. A coach can help you find out, "
                "or answer the questions again. You can also go on without a job wish for now."
            )
        )
    intro = ctx.gettext(N_("These could fit you. Tap up to {n} to keep them, then “Continue”:"), n=MAX_WISHES)
    cards = [_card(ctx, number, occupation_id) for number, occupation_id in enumerate(cands, start=1)]
    return "\n\n".join([intro, *(card for card in cards if card)])


def _pick_choices(ctx: Ctx) -> Sequence[Choice]:
    kept = set(ctx.state.scratch.get("kept") or ())
    choices = []
    for occupation_id in ctx.state.scratch.get("cands") or ():
        hit = ctx.services.occupations.get(occupation_id, ctx.t.lang)
        if hit is not None:
            mark = "✅" if occupation_id in kept else "☐"
            choices.append(
                Choice(occupation_id, f"{mark} {occupation_label(ctx, hit.name, hit.local_name)}", raw=True)
            )
    return [
        *choices,
        Choice("_done", N_("Continue ▶️"), wide=True),
        Choice("_coach", N_("💬 Talk to a coach"), wide=True),
        Choice("_again", N_("🔁 Answer the questions again")),
        Choice("_back", N_("⬅️ Back")),
    ]


def _picked(ctx: Ctx, value: str) -> Replies:
    scratch = ctx.state.scratch
    kept: list[str] = list(scratch.get("kept") or ())
    profile = ctx.profile
    if value == "_done":
        for occupation_id in kept:
            if occupation_id not in profile.wishes and len(profile.wishes) < MAX_WISHES:
                profile.wishes.append(occupation_id)
        profile.undecided = not profile.wishes
        return ctx.advance(ctx.flow.by_id["wish_more"])
    if value == "_coach":
        return ctx.flow.commands["coach"].run(ctx)
    if value == "_again":
        return start(ctx)
    if value == "_back":
        asked = questions(ctx)
        answers: dict[str, Any] = dict(scratch.get("answers") or {})
        for trait in asked[-1]:
            answers.pop(trait.id, None)
        return ctx.ask("discover", {"q": len(asked) - 1, "answers": answers})
    if value in kept:
        kept.remove(value)
    elif len(kept) + len(profile.wishes) < MAX_WISHES:
        kept.append(value)
    else:
        scratch["kept"] = kept
        return [ctx.show(prefix=ctx.gettext(N_("You can keep up to {n} jobs."), n=MAX_WISHES))]
    scratch["kept"] = kept
    return [ctx.show(replace=True)]


DISCOVER = Step(
    id="discover",
    text=_question_text,
    choices=_question_choices,
    columns=2,
    on_choice=_answered,
)

DISCOVER_PICK = Step(
    id="discover_pick",
    text=_pick_text,
    choices=_pick_choices,
    then=("wish",),
    on_choice=_picked,
)
