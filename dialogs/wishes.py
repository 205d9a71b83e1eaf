"""Job wishes: typed in any words and matched to official Ausbildungsberufe, confirmed with buttons.

``wish`` asks; a typed wish is matched (``knowledge.matcher``) and ``wish_pick`` shows the candidates (or
suggestions when nothing matched, or for "I don't know yet"); ``wish_more`` offers another one, up to
``MAX_WISHES``. ``wishes`` is the list screen where wishes are removed or added later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dialogs.flow import Choice, Ctx, Replies, Step
from dialogs.i18n import N_

MAX_WISHES = 3


def occupation_label(ctx: Ctx, name: str, local_name: str) -> str:
    """Official German name, plus the name in the young person's language where there is one."""
    official = ctx.t.keep_ltr(name)
    return f"{official} ({local_name})" if local_name and local_name != name else official


def _label_of(ctx: Ctx, occupation_id: str) -> str | None:
    hit = ctx.services.occupations.get(occupation_id, ctx.t.lang)
    return occupation_label(ctx, hit.name, hit.local_name) if hit else None


def show_wishes(ctx: Ctx, value: Any) -> str:
    names = [name for name in (_label_of(ctx, w) for w in value or ()) if name]
    return ctx.t.join_long(names) if names else ctx.gettext(N_("not sure yet"))


def _search(ctx: Ctx, query: str) -> Replies:
    occupations = ctx.services.occupations
    if occupations.is_undecided(query, ctx.t.lang):  # "keine Ahnung", "idk", "не знаю" …
        return _discover(ctx)
    hits = occupations.match(query, ctx.t.lang, limit=3)
    if not hits:
        return ctx.ask("wish_pick", {"mode": "nomatch", "query": query, "cands": []})
    why = {h.id: h.why_label for h in hits if h.kind == "description" and h.why_label}
    return ctx.ask("wish_pick", {"mode": "match", "query": query, "cands": [h.id for h in hits], "why": why})


def _discover(ctx: Ctx) -> Replies:
    """The discovery's questions (``dialogs.discovery``)."""
    return ctx.ask("discover", {"q": 0, "answers": {}})


def _suggest(ctx: Ctx) -> Replies:
    """Occupations of the chosen interests that fit the certificate (after "none of these")."""
    profile = ctx.profile
    hits = ctx.services.occupations.suggest(profile.interest_fields, profile.certificate, ctx.t.lang, limit=5)
    cands = [h.id for h in hits if h.id not in profile.wishes]
    return ctx.ask("wish_pick", {"mode": "suggest", "cands": cands})


# ---------------------------------------------------------------- wish


def _wish_chosen(ctx: Ctx, value: str) -> Replies:
    return _discover(ctx)  # the only button: "I don't know yet"


# ---------------------------------------------------------------- wish_pick


def _pick_choices(ctx: Ctx) -> Sequence[Choice]:
    choices = []
    for occupation_id in ctx.state.scratch.get("cands", ()):
        label = _label_of(ctx, occupation_id)
        if label is not None:
            choices.append(Choice(occupation_id, label, raw=True))
    if ctx.state.scratch.get("mode") == "match":
        choices.append(Choice("none", N_("❌ None of these")))
    choices.append(Choice("discover", N_("🧭 Find out with a few questions")))
    choices.append(Choice("retype", N_("✏️ Type again")))
    return choices


def _pick_text(ctx: Ctx) -> str:
    scratch = ctx.state.scratch
    mode, query, cands = scratch.get("mode"), scratch.get("query", ""), scratch.get("cands", ())
    if mode == "match":
        text = ctx.gettext(
            N_("Did you mean this Ausbildung?") if len(cands) == 1 else N_("Did you mean one of these?")
        )
        why: dict[str, str] = dict(scratch.get("why") or {})
        reasons = [
            f"• {label} – {ctx.gettext(N_('fits: {what}'), what=why[c])}"
            for c in cands
            if c in why and (label := _label_of(ctx, c))
        ]
        return "\n".join([text, *reasons]) if reasons else text
    if mode == "nomatch":
        return ctx.gettext(
            N_(
                "I couldn't find an Ausbildung for “{query}”. Type it in other words – or let's find out "
                "together with a few quick questions."
            ),
            query=query,
        )
    return ctx.gettext(N_("These jobs fit your interests and your school certificate:"))


def _picked(ctx: Ctx, value: str) -> Replies:
    if value == "none":
        return _suggest(ctx)
    if value == "retype":
        return ctx.ask("wish")
    if value == "discover":
        return _discover(ctx)
    wishes = ctx.profile.wishes
    if value not in wishes:
        wishes.append(value)
    ctx.profile.undecided = False
    if len(wishes) >= MAX_WISHES:
        return ctx.advance(ctx.flow.by_id["wish_more"])
    return ctx.ask("wish_more", {"saved": _label_of(ctx, value) or value})


# ---------------------------------------------------------------- wish_more


def _more_chosen(ctx: Ctx, value: str) -> Replies:
    step = ctx.flow.by_id["wish_more"]
    return ctx.advance(step, target="wish" if value == "add" else None)


# ---------------------------------------------------------------- wishes (list screen)


def _list_choices(ctx: Ctx) -> Sequence[Choice]:
    wishes = ctx.profile.wishes
    choices = []
    for occupation_id in wishes:
        label = _label_of(ctx, occupation_id)
        if label is not None:
            choices.append(Choice(occupation_id, "❌ " + label, raw=True))
    if len(wishes) < MAX_WISHES:
        choices.append(Choice("_add", N_("➕ Add a job")))
    choices.append(Choice("_back", N_("⬅️ Back")))
    return choices


def _list_chosen(ctx: Ctx, value: str) -> Replies:
    if value == "_back":
        target, ctx.state.return_to = ctx.state.return_to or "menu", None
        return ctx.ask(target)
    if value == "_add":
        ctx.state.return_to = "wishes"
        return ctx.ask("wish")
    if value in ctx.profile.wishes:
        ctx.profile.wishes.remove(value)
    return [ctx.show(replace=True)]


WISH = Step(
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
    edit_via="wishes",
    show=show_wishes,
    todo=lambda state: not state.profile.wishes and not state.profile.undecided,
    on_choice=_wish_chosen,
    on_text=_search,
)

WISH_PICK = Step(
    id="wish_pick",
    text=_pick_text,
    choices=_pick_choices,
    next="wish_more",
    then=("wish_more", "wish"),
    on_choice=_picked,
    on_text=_search,  # a new wish instead of a pick
)

WISH_MORE = Step(
    id="wish_more",
    prompt=N_("Saved: {name}. Would you like to add another job? (up to 3)"),
    choices=(Choice("add", N_("➕ Add another job")), Choice("done", N_("Continue"))),
    params=lambda ctx: {"name": ctx.state.scratch.get("saved", "")},
    next="start",
    then=("wish",),
    on_choice=_more_chosen,
)

WISHES = Step(
    id="wishes",
    prompt=N_("Your job wishes:\n{list}\n\nTap a job to remove it, or add a new one."),
    choices=_list_choices,
    params=lambda ctx: {"list": show_wishes(ctx, ctx.profile.wishes)},
    on_choice=_list_chosen,
)
