"""The dialog engine: (stored state, input event) in, (replies, new state) out.

It is pure: no I/O and no Telegram. The transport loads the state, calls :meth:`Engine.handle`, stores the
returned state and only then sends the replies. The engine knows no step by name: it hands each event to
the step it belongs to, as declared in ``dialogs.steps`` (see ``dialogs.flow`` for what a step declares).
"""

from __future__ import annotations

from dialogs.flow import (
    CLOSED,
    DONE,
    DONE_LABEL,
    NO_WORDS,
    YES_WORDS,
    Answer,
    Choice,
    Ctx,
    Flow,
    Replies,
    Retry,
    Step,
)
from dialogs.i18n import N_, translator
from dialogs.model import Event, Outcome, Reply, Services, State
from dialogs.screens import ShownAnswer, profile_answers, profile_card
from dialogs.steps import FLOW

#: Said when the exclusive "none of these" choice replaces the ticks made before.
EXCLUSIVE = N_("Okay: “{choice}” – I removed the other ticks.")


class Engine:
    def __init__(self, services: Services, flow: Flow = FLOW) -> None:
        self.services = services
        self.flow = flow

    def handle(self, state: State | None, event: Event, lang: str) -> Outcome:
        """Apply one event. ``lang`` is the language for a young person without a stored state."""
        new_state = state.copy() if state is not None else State(lang=lang)
        if new_state.step not in self.flow.by_id:
            new_state.step = self.flow.resume(new_state).id
            new_state.scratch = {}
        ctx = self._ctx(new_state)
        replies = self._dispatch(ctx, event)
        if ctx.state.step not in self.flow.by_id:  # a fresh state after a refusal or a deletion
            ctx.state.step = self.flow.resume(ctx.state).id
        return Outcome(replies, ctx.state, tuple(ctx.actions))

    def current(self, state: State) -> Reply:
        """The current question again (after a restart, a language switch, a coach message)."""
        return self._ctx(state).show()

    def relays(self, state: State) -> bool:
        """Does free text at the person's current step go to an open coach conversation?"""
        step = self.flow.by_id.get(state.step)
        return step is not None and step.relay

    def _ctx(self, state: State) -> Ctx:
        return Ctx(state, self.flow, translator(state.lang), self.services)

    # ------------------------------------------------------------ dispatch

    def _dispatch(self, ctx: Ctx, event: Event) -> Replies:
        if event.kind == "command":
            command = self.flow.commands.get(event.text)
            ctx.argument = event.argument
            return command.run(ctx) if command else self.flow.unknown_command(ctx)
        if event.kind == "choice":
            return self._pressed(ctx, event.step, event.text)
        if event.kind in ("unsupported", "button"):
            return [ctx.again(N_("I can only read text and buttons here."))]
        step = ctx.step
        if event.kind == "text" and len(event.text) > step.max_length:
            return [ctx.again(N_("That's a lot of text! Please answer in a few words."))]
        if event.kind == "text":
            choice = self._typed_choice(ctx, step, event.text)
            if choice is not None:
                return self._chosen(ctx, step, choice.value, pressed=False)
            if step.kind == "multi" and self._typed_done(ctx, step, event.text):
                return self._chosen(ctx, step, DONE, pressed=False)
            if step.on_text is not None and event.text.strip():
                replies = step.on_text(ctx, event.text.strip())
                if replies is not None:
                    return replies
        if step.parse is not None and event.kind in ("text", "location"):
            result = step.parse(ctx, event)
            if isinstance(result, Retry):
                return [ctx.show(prefix=result.message)]
            return ctx.answer(step, result)
        return [ctx.again(N_("Please tap one of the buttons."))]

    def _pressed(self, ctx: Ctx, step_id: str, value: str) -> Replies:
        """A button of step ``step_id``: of the current step, or of a step that works from anywhere."""
        step = self.flow.by_id.get(step_id)
        if step is None or (step.id != ctx.state.step and not step.anywhere(ctx.state)):
            return [ctx.again(CLOSED)]
        if step.restore is not None:
            step.restore(ctx, value)
        offered = value == DONE and step.kind == "multi"
        if not offered and not any(c.value == value for c in step.choices_for(ctx)):
            return [ctx.again(CLOSED)]  # forged or outdated
        return self._chosen(ctx, step, value, pressed=True)

    def _chosen(self, ctx: Ctx, step: Step, value: str, pressed: bool) -> Replies:
        if step.guard is not None:
            refusal = step.guard(ctx)
            if refusal is not None:
                return [ctx.again(refusal)]
        if step.on_choice is not None:
            replies = step.on_choice(ctx, value)
            if replies is not None:
                return replies
        if step.kind == "multi":
            return self._toggle(ctx, step, value, pressed)
        return ctx.answer(step, Answer(value))

    def _toggle(self, ctx: Ctx, step: Step, value: str, pressed: bool) -> Replies:
        selected: list[str] = ctx.state.scratch.setdefault("selected", [])
        if value == step.none_choice:
            none = next(c for c in step.choices_for(ctx) if c.value == value)
            replaced = [Reply(ctx.gettext(EXCLUSIVE, choice=ctx.label(none)))] if selected else []
            return replaced + ctx.answer(step, Answer([]))
        if value == DONE:
            if not selected:
                return [ctx.again(N_("Please tap at least one button first."))]
            order = [c.value for c in step.choices_for(ctx)]
            return ctx.answer(step, Answer(sorted(selected, key=order.index)))
        if value in selected:
            selected.remove(value)
        else:
            selected.append(value)
        return [ctx.show(replace=pressed)]

    @staticmethod
    def _typed_done(ctx: Ctx, step: Step, typed: str) -> bool:
        """The "Done" button of a multi-select typed: its label, its number (after the choices) or 0."""
        typed = typed.strip().casefold()
        number = str(len([c for c in step.choices_for(ctx) if not c.hidden]) + 1)
        done = ctx.gettext(DONE_LABEL).casefold()
        return typed in ("0", number, done, done.rstrip(" ✔️"))

    @staticmethod
    def _typed_choice(ctx: Ctx, step: Step, typed: str) -> Choice | None:
        """Typed instead of tapped: the label, its number or the value itself."""
        typed = typed.strip().casefold().rstrip(".!")
        visible = [c for c in step.choices_for(ctx) if not c.hidden]
        for index, choice in enumerate(visible, start=1):
            if typed in (ctx.label(choice).casefold(), str(index), choice.value.casefold()):
                return choice
        if typed in YES_WORDS or typed in NO_WORDS:  # "ja", "evet", "так" at a yes/no question
            wanted = "yes" if typed in YES_WORDS else "no"
            return next((c for c in visible if c.value.partition(":")[0] == wanted), None)
        return None

    def profile_card(self, state: State, lang: str) -> str:
        """The profile as the summary shows it, in ``lang`` (the coach card shows it in German)."""
        return profile_card(Ctx(state, self.flow, translator(lang), self.services))

    def profile_answers(self, state: State, lang: str) -> list[ShownAnswer]:
        """The answers of the profile card one by one, labelled in ``lang`` (for the data export)."""
        return profile_answers(Ctx(state, self.flow, translator(lang), self.services))
