"""The dialog engine: (stored state, input event) in, (replies, new state) out.

It is pure: no I/O and no Telegram. The transport loads the state, calls :meth:`Engine.handle`,
stores the returned state and only then sends the replies.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dialogs.i18n import LANGUAGES, N_, translator
from dialogs.model import Button, Event, Outcome, Reply, Services, State
from dialogs.steps import (
    FIRST_STEP,
    LANGUAGE_CHOICES,
    MAX_WISHES,
    STEPS,
    Answer,
    Choice,
    Ctx,
    Retry,
    Step,
    occupation_label,
)

#: Longest text the dialog reads; Telegram allows 4096 characters, nobody types a job wish that long.
MAX_INPUT = 200
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")
#: Button namespaces that work on any step.
LANG, MENU, PRIVACY = "lang", "menu", "pv"
DONE = "_done"

LANGUAGE_NAMES = {"de": "Deutsch", **{c.value: c.label for c in LANGUAGE_CHOICES if c.raw}}

Handler = Callable[[Ctx, Event], list[Reply]]


class Engine:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._special: dict[str, Handler] = {
            "consent": self._consent,
            "wish": self._wish,
            "wish_pick": self._wish_pick,
            "wish_more": self._wish_more,
            "summary": self._summary,
            "menu": self._menu,
            "wishes": self._wishes,
        }

    # ------------------------------------------------------------ entry points

    def handle(self, state: State | None, event: Event, lang: str) -> Outcome:
        """Apply one event. ``lang`` is the language for a young person without a stored state."""
        new_state = state.copy() if state is not None else State(lang=lang)
        if new_state.step not in STEPS:
            new_state.step = resume_step(new_state)
            new_state.scratch = {}
        ctx = Ctx(new_state, translator(new_state.lang), self.services)
        replies = self._dispatch(ctx, event)
        return Outcome(replies, ctx.state, tuple(ctx.actions))

    def current(self, state: State) -> Reply:
        """The current question again (after a restart, a language switch, a coach message)."""
        return self._render(Ctx(state, translator(state.lang), self.services))

    # ------------------------------------------------------------ dispatch

    def _dispatch(self, ctx: Ctx, event: Event) -> list[Reply]:
        state = ctx.state
        if event.kind == "command":
            return self._command(ctx, event.text)
        if event.kind == "choice" and event.step == LANG:
            return self._switch_language(ctx, event.text)
        if event.kind == "choice" and event.step == MENU:
            return self._menu(ctx, Event("choice", event.text, step="menu"))
        if event.kind == "choice" and event.step == PRIVACY:
            return self._privacy(ctx, event.text)
        if event.kind == "choice" and event.step == "consent" and not state.consented:
            restored = _age_of_consent_button(event.text)
            if restored is not None:
                state.answers["age"], state.step = restored, "consent"
        if event.kind == "choice" and event.step != state.step:
            return [self._again(ctx, N_("This question is already closed. Here is the current one:"))]
        if event.kind == "unsupported":
            return [self._again(ctx, N_("I can only read text and buttons here."))]
        if event.kind == "text" and len(event.text) > MAX_INPUT:
            return [self._again(ctx, N_("That's a lot of text! Please answer in a few words."))]
        special = self._special.get(state.step)
        if special is not None:
            return special(ctx, event)
        return self._generic(ctx, STEPS[state.step], event)

    def _generic(self, ctx: Ctx, step: Step, event: Event) -> list[Reply]:
        if step.kind == "multi":
            return self._multi(ctx, step, event)
        choice = self._chosen(ctx, step, event)
        if choice is not None:
            return self._answer(ctx, step, Answer(choice.value))
        if event.kind == "choice":  # a value this step does not offer: forged or outdated
            return [self._again(ctx, N_("This question is already closed. Here is the current one:"))]
        if step.parse is not None and event.kind in ("text", "location"):
            result = step.parse(ctx, event)
            if isinstance(result, Retry):
                return [self._render(ctx, prefix=result.message)]
            return self._answer(ctx, step, result)
        return [self._again(ctx, N_("Please tap one of the buttons."))]

    def _chosen(self, ctx: Ctx, step: Step, event: Event) -> Choice | None:
        choices = step.choices_for(ctx)
        if event.kind == "choice":
            return next((c for c in choices if c.value == event.text), None)
        if event.kind == "text":  # typed instead of tapped: accept the label or its number
            typed = event.text.strip().casefold()
            for index, choice in enumerate(choices, start=1):
                label = choice.label if choice.raw else ctx.t.gettext(choice.label)
                if typed in (label.casefold(), str(index), choice.value.casefold()):
                    return choice
        return None

    def _multi(self, ctx: Ctx, step: Step, event: Event) -> list[Reply]:
        selected: list[str] = ctx.state.scratch.setdefault("selected", [])
        choice = self._chosen(ctx, step, event)
        if choice is not None and choice.value == step.none_choice:
            return self._answer(ctx, step, Answer([]))
        if choice is not None:
            if choice.value in selected:
                selected.remove(choice.value)
            else:
                selected.append(choice.value)
            return [self._render(ctx, replace=event.kind == "choice")]
        if (event.kind == "choice" and event.text == DONE) or (
            event.kind == "text" and event.text.strip() == "0"
        ):
            if not selected:
                return [self._again(ctx, N_("Please tap at least one button first."))]
            order = [c.value for c in step.choices_for(ctx)]
            return self._answer(ctx, step, Answer(sorted(selected, key=order.index)))
        if event.kind == "choice":
            return [self._again(ctx, N_("This question is already closed. Here is the current one:"))]
        return [self._again(ctx, N_("Please tap one of the buttons."))]

    # ------------------------------------------------------------ moving between steps

    def _answer(self, ctx: Ctx, step: Step, answer: Answer) -> list[Reply]:
        ctx.answers[step.id] = answer.value
        notes = [Reply(note) for note in answer.notes]
        if step.kind == "location":
            place = step.show(ctx, answer.value) if step.show else ""
            notes.append(Reply(ctx.t.gettext(N_("📍 Got it: {place}"), place=place), remove_keyboard=True))
        return notes + self._advance(ctx, step)

    def _advance(self, ctx: Ctx, step: Step, target: str | None = None) -> list[Reply]:
        nxt = target or step.next_for(ctx)
        if ctx.state.return_to and nxt not in step.then:
            nxt, ctx.state.return_to = ctx.state.return_to, None
        self._go(ctx, nxt)
        return [self._render(ctx)]

    def _go(self, ctx: Ctx, step_id: str, scratch: dict[str, object] | None = None) -> None:
        ctx.state.step = step_id
        ctx.state.scratch = dict(scratch or {})
        step = STEPS[step_id]
        if step.kind == "multi":
            ctx.state.scratch["selected"] = list(ctx.answers.get(step_id) or ())

    # ------------------------------------------------------------ rendering

    def _render(self, ctx: Ctx, prefix: str = "", replace: bool = False) -> Reply:
        step = STEPS[ctx.state.step]
        t = ctx.t
        params = step.params(ctx) if step.params else {}
        text = t.gettext(step.prompt, **params) if step.prompt != "{intro}" else str(params["intro"])
        text = _BLANK_LINES.sub("\n\n", text)  # an empty placeholder leaves no gap
        if ctx.state.return_to and step.show is not None and step.key in ctx.answers:
            text += "\n\n" + t.gettext(
                N_("Your answer so far: {answer}"), answer=step.show(ctx, ctx.answers[step.key])
            )
        if prefix:
            text = f"{prefix}\n\n{text}"
        selected = set(ctx.state.scratch.get("selected", ())) if step.kind == "multi" else set()
        rows: list[tuple[Button, ...]] = []
        row: list[Button] = []
        for choice in step.choices_for(ctx):
            label = choice.label if choice.raw else t.gettext(choice.label)
            if choice.value in selected:
                label = "✅ " + label
            button = Button(label, step.id, choice.value)
            if choice.wide:
                rows.append((button,))
                continue
            row.append(button)
            if len(row) == step.columns:
                rows.append(tuple(row))
                row = []
        if row:
            rows.append(tuple(row))
        if step.kind == "multi":
            rows.append((Button(t.gettext(N_("Done ✔️")), step.id, DONE),))
        return Reply(text, tuple(rows), ask_location=step.kind == "location", replace_previous=replace)

    def _again(self, ctx: Ctx, message: str) -> Reply:
        return self._render(ctx, prefix=ctx.t.gettext(message))

    # ------------------------------------------------------------ commands and global buttons

    def _command(self, ctx: Ctx, name: str) -> list[Reply]:
        state, t = ctx.state, ctx.t
        if name == "start":
            if not state.answers:
                self._go(ctx, FIRST_STEP)
                return [self._render(ctx)]
            return [self._render(ctx, prefix=t.gettext(N_("Welcome back! Let's go on where you stopped.")))]
        if name in ("menu", "profile", "coach") and not state.completed:
            return [self._again(ctx, N_("Let's finish your profile first – it only takes a minute."))]
        if name == "menu":
            self._go(ctx, "menu")
            return [self._render(ctx)]
        if name == "profile":
            self._go(ctx, "summary")
            return [self._render(ctx)]
        if name == "coach":
            return self._menu(ctx, Event("choice", "coach", step="menu"))
        if name == "cancel":
            if state.return_to:
                target, state.return_to = state.return_to, None
                self._go(ctx, target)
                return [self._again(ctx, N_("Okay, nothing was changed."))]
            if state.completed:
                self._go(ctx, "menu")
                return [self._render(ctx)]
            return [Reply(t.gettext(N_("Okay, we'll pause here. Send /start whenever you want to go on.")))]
        if name == "language":
            return [self._language_picker(ctx)]
        if name == "privacy":
            return [self._privacy_reply(ctx)]
        if name in ("export", "delete"):
            return self._privacy(ctx, name)
        if name == "help":
            return [Reply(t.gettext(HELP_TEXT))]
        return [Reply(t.gettext(N_("I don't know this command.")) + "\n\n" + t.gettext(HELP_TEXT))]

    def _language_picker(self, ctx: Ctx) -> Reply:
        buttons = [Button(LANGUAGE_NAMES[code], LANG, code) for code in LANGUAGES]
        rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
        return Reply(ctx.t.gettext(N_("Which language do you want me to speak?")), rows)

    def _switch_language(self, ctx: Ctx, code: str) -> list[Reply]:
        if code not in LANGUAGES:
            return [self._again(ctx, N_("This question is already closed. Here is the current one:"))]
        ctx.state.lang = code
        ctx.t = translator(code)
        return [self._render(ctx, prefix=ctx.t.gettext(N_("Okay, from now on I'll write in English.")))]

    def _privacy_reply(self, ctx: Ctx) -> Reply:
        t = ctx.t
        if not ctx.state.consented:
            return Reply(t.gettext(PRIVACY_TEXT))
        rows = (
            (Button(t.gettext(N_("📦 Download my data")), PRIVACY, "export"),),
            (Button(t.gettext(N_("🗑 Delete my data")), PRIVACY, "delete"),),
        )
        return Reply(t.gettext(PRIVACY_TEXT), rows)

    def _privacy(self, ctx: Ctx, action: str) -> list[Reply]:
        """Export and deletion: the transport carries them out (``export`` / ``delete`` actions)."""
        t = ctx.t
        if not ctx.state.consented:
            return [Reply(t.gettext(N_("I have not stored anything about you.")))]
        if action == "export":
            ctx.actions.append("export")
            return []
        if action == "delete":
            rows = (
                (Button(t.gettext(N_("🗑 Yes, delete everything")), PRIVACY, "delete_yes"),),
                (Button(t.gettext(N_("No, keep my data")), PRIVACY, "delete_no"),),
            )
            text = N_(
                "Do you really want to delete all your data? Your profile, job wishes and coach chats will be gone. This cannot be undone."
            )
            return [Reply(t.gettext(text), rows)]
        if action == "delete_yes":
            ctx.actions.append("delete")
            ctx.state = State(lang=ctx.state.lang)
            return [
                Reply(
                    t.gettext(
                        N_("All your data has been deleted. If you want to start again, just send /start.")
                    )
                )
            ]
        if action == "delete_no":
            return [self._render(ctx, prefix=t.gettext(N_("Okay, nothing was deleted.")))]
        return [self._again(ctx, N_("This question is already closed. Here is the current one:"))]

    # ------------------------------------------------------------ steps with their own logic

    def _consent(self, ctx: Ctx, event: Event) -> list[Reply]:
        step = STEPS["consent"]
        choice = self._chosen(ctx, step, event)
        if choice is None:
            return self._generic(ctx, step, event)
        if choice.value == "no":
            ctx.state = State(lang=ctx.state.lang)
            return [
                Reply(
                    ctx.t.gettext(
                        N_(
                            "Okay, I haven't saved anything. Without your okay I can't build a profile for you. "
                            "If you change your mind, just send /start."
                        )
                    )
                )
            ]
        ctx.answers["consent"] = self.services.today().isoformat()
        ctx.answers["guardian_consent"] = int(ctx.answers.get("age", 99)) < 16
        return self._advance(ctx, step)

    def _wish(self, ctx: Ctx, event: Event) -> list[Reply]:
        choice = self._chosen(ctx, STEPS["wish"], event) if event.kind == "choice" else None
        if choice is not None and choice.value == "unsure":
            return self._suggest(ctx, mode="suggest")
        if event.kind == "text" and event.text.strip():
            return self._search(ctx, event.text.strip())
        return self._generic(ctx, STEPS["wish"], event)

    def _search(self, ctx: Ctx, query: str) -> list[Reply]:
        hits = self.services.occupations.match(query, ctx.t.lang, limit=3)
        if not hits:
            return self._suggest(ctx, mode="nomatch", query=query)
        self._go(ctx, "wish_pick", {"mode": "match", "query": query, "cands": [h.id for h in hits]})
        return [self._render(ctx)]

    def _suggest(self, ctx: Ctx, mode: str, query: str = "") -> list[Reply]:
        fields = [f for f in ctx.answers.get("interests") or () if f != "unsure"]
        hits = self.services.occupations.suggest(fields, ctx.answers.get("certificate"), ctx.t.lang, limit=5)
        taken = set(ctx.answers.get("wishes") or ())
        cands = [h.id for h in hits if h.id not in taken]
        self._go(ctx, "wish_pick", {"mode": mode, "query": query, "cands": cands})
        return [self._render(ctx)]

    def _wish_pick(self, ctx: Ctx, event: Event) -> list[Reply]:
        choice = self._chosen(ctx, STEPS["wish_pick"], event)
        if choice is None and event.kind == "text" and event.text.strip():  # a new wish instead of a pick
            return self._search(ctx, event.text.strip())
        if choice is None:
            return self._generic(ctx, STEPS["wish_pick"], event)
        if choice.value == "none":
            return self._suggest(ctx, mode="suggest")
        if choice.value == "retype":
            self._go(ctx, "wish")
            return [self._render(ctx)]
        wishes: list[str] = ctx.answers.setdefault("wishes", [])
        if choice.value not in wishes:
            wishes.append(choice.value)
        if len(wishes) >= MAX_WISHES:
            return self._advance(ctx, STEPS["wish_more"])
        hit = self.services.occupations.get(choice.value, ctx.t.lang)
        saved = occupation_label(ctx, hit.name, hit.local_name) if hit else choice.value
        self._go(ctx, "wish_more", {"saved": saved})
        return [self._render(ctx)]

    def _wish_more(self, ctx: Ctx, event: Event) -> list[Reply]:
        step = STEPS["wish_more"]
        choice = self._chosen(ctx, step, event)
        if choice is not None and choice.value == "add":
            return self._advance(ctx, step, target="wish")
        if choice is not None:
            return self._advance(ctx, step)
        return self._generic(ctx, step, event)

    def _summary(self, ctx: Ctx, event: Event) -> list[Reply]:
        choice = self._chosen(ctx, STEPS["summary"], event)
        if choice is None:
            return self._generic(ctx, STEPS["summary"], event)
        if choice.value == "ok":
            first_time = not ctx.state.completed
            ctx.answers["completed"] = True
            self._go(ctx, "menu")
            done = N_("Great, your profile is complete! 🎉") if first_time else N_("Saved.")
            return [self._render(ctx, prefix=ctx.t.gettext(done))]
        ctx.state.return_to = "summary"
        self._go(ctx, "wishes" if choice.value == "wish" else choice.value)
        return [self._render(ctx)]

    def _menu(self, ctx: Ctx, event: Event) -> list[Reply]:
        if not ctx.state.completed:
            return [self._again(ctx, N_("Let's finish your profile first – it only takes a minute."))]
        choice = self._chosen(ctx, STEPS["menu"], event)
        if choice is None and event.text == "home":
            self._go(ctx, "menu")
            return [self._render(ctx)]
        if choice is None:
            return self._generic(ctx, STEPS["menu"], event)
        ctx.state.return_to = None
        if choice.value == "profile":
            self._go(ctx, "summary")
        elif choice.value == "occupations":
            self._go(ctx, "wishes")
        elif choice.value == "language":
            return [self._language_picker(ctx)]
        elif choice.value == "privacy":
            return [self._privacy_reply(ctx)]
        elif choice.value in ("places", "coach"):
            self._go(ctx, "menu")
            ctx.actions.append(choice.value)
            return []
        else:
            self._go(ctx, "menu")
        return [self._render(ctx)]

    def _wishes(self, ctx: Ctx, event: Event) -> list[Reply]:
        step = STEPS["wishes"]
        choice = self._chosen(ctx, step, event)
        if choice is None:
            return self._generic(ctx, step, event)
        if choice.value == "_back":
            target, ctx.state.return_to = ctx.state.return_to or "menu", None
            self._go(ctx, target)
            return [self._render(ctx)]
        if choice.value == "_add":
            ctx.state.return_to = "wishes"
            self._go(ctx, "wish")
            return [self._render(ctx)]
        wishes: list[str] = ctx.answers.get("wishes") or []
        if choice.value in wishes:
            wishes.remove(choice.value)
        return [self._render(ctx, replace=event.kind == "choice")]


def _age_of_consent_button(value: str) -> int | None:
    _, _, age = value.partition(":")
    return int(age) if age.isdigit() and 10 <= int(age) <= 99 else None


def resume_step(state: State) -> str:
    """Where a young person whose stored step no longer exists picks up again."""
    if not state.consented:
        return FIRST_STEP
    if state.completed:
        return "menu"
    for step_id in ("situation", "certificate", "german", "languages", "location", "radius", "interests"):
        if step_id not in state.answers:
            return step_id
    return (
        "wish" if not state.answers.get("wishes") else "start" if "start" not in state.answers else "summary"
    )


HELP_TEXT = N_(
    "I help you find an Ausbildung and a coach. Commands:\n"
    "/start – start or go on\n/menu – main menu\n/profile – your profile\n/coach – talk to a coach\n"
    "/language – change the language\n/privacy – your data (/export, /delete)\n/cancel – stop the current question"
)

PRIVACY_TEXT = N_(
    "🔒 Your data\n\nWhat I save: your age, school certificate, situation, German level and languages, "
    "where you live (postcode or town, and how far you can travel), interests, job wishes, start date, "
    "the places you liked, your messages with the coaches and your chosen language.\n"
    "Why: so that the coaches of Ausbildungswege NRW can find a fitting Ausbildung for you.\n"
    "Who sees it: only you and the coaches. Employers see nothing unless you agree.\n"
    "How long: until you delete it, or 180 days after your last message.\n"
    "I never save anything before you agree. /export sends you everything as a file, /delete removes it."
)
