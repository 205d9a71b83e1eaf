"""The building blocks of a declared dialog: steps, their choices and hooks, and the context they act on.

A :class:`Step` is data: its prompt, its choices or parser, the step that follows, how its answer reads
on the profile card, and — where a step does more than store an answer — hooks (``on_choice``,
``on_text``) that act through the :class:`Ctx` navigation methods (``ask``, ``advance``, ``show`` …).
The engine (``dialogs.engine``) only dispatches events to the declared steps; it names no step.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from dialogs.i18n import N_, Translator, translator
from dialogs.model import Action, Button, Event, Reply, Services, State
from dialogs.profile import Location, Profile

StepKind = Literal["text", "choice", "multi", "location"]

#: Said when a button of another step (or a value the step does not offer) is pressed.
CLOSED = N_("This question is already closed. Here is the current one:")
#: Value and label of the "Done" button of multi-select steps.
DONE = "_done"
DONE_LABEL = N_("Done ✔️")
#: The step that asks "did you mean …?" for an answer with ``Answer.confirm`` (``dialogs.screens``).
CONFIRM_STEP = "confirm"
#: Typed yes and no, in every language the bot speaks: they answer a yes/no question like its buttons.
YES_WORDS = frozenset(
    [
        "ja",
        "jo",
        "jep",
        "jaa",
        "klar",
        "yes",
        "yeah",
        "yep",
        "yup",
        "ok",
        "okay",
        "evet",
        "tamam",
        "نعم",
        "اي",
        "ايوه",
        "أجل",
        "так",
        "ага",
        "да",
        "tak",
    ]
)
NO_WORDS = frozenset(
    ["nein", "nö", "ne", "nee", "no", "nope", "hayır", "hayir", "yok", "لا", "ні", "нi", "нет", "не", "nie"]
)
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")

Replies = list[Reply]
#: Longest text a step reads unless it says otherwise; Telegram allows 4096 characters, nobody types a job
#: wish that long.
MAX_INPUT = 200


class Answers(Protocol):
    """The typed answers a flow's steps fill by ``Step.key`` (``Profile``, ``CompanyProfile``)."""

    def get(self, key: str) -> Any: ...

    def has(self, key: str) -> bool: ...

    def set(self, key: str, value: Any) -> None: ...


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    #: ``label`` is shown as it is (a language's own name, a formatted date), not translated.
    raw: bool = False
    #: The button gets a row of its own.
    wide: bool = False
    #: Accepted when pressed (e.g. a "menu" button under another message) but not shown.
    hidden: bool = False
    #: How the chosen answer reads on the profile card, when the button's label would not say it.
    shown: str = ""


@dataclass(frozen=True)
class Confirm:
    """Ask "did you mean …?" before storing an answer that was only guessed (a town from a typo)."""

    question: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """A valid answer: the value to store, plus notes to show before the next question."""

    value: Any
    notes: tuple[str, ...] = ()
    confirm: Confirm | None = None


@dataclass(frozen=True)
class Retry:
    """The input was not usable: say why (already translated) and ask again."""

    message: str


Parser = Callable[["Ctx", Event], Answer | Retry]
ChoicesFn = Callable[["Ctx"], Sequence[Choice]]
#: A hook returns the replies, or ``None`` to leave the event to the step's default behaviour.
ChoiceHook = Callable[["Ctx", str], Replies | None]
TextHook = Callable[["Ctx", str], Replies | None]
StatePredicate = Callable[[State], bool]


def never(_state: State) -> bool:
    return False


@dataclass(frozen=True)
class Step:
    id: str
    #: Message id of the question (with ``{placeholders}`` from ``params``); or ``text`` computes it.
    prompt: str = ""
    kind: StepKind = "choice"
    #: The step that follows an answer (a step id, or a function of the context); by default the step
    #: declared after this one.
    next: str | Callable[[Ctx], str] = ""
    choices: Sequence[Choice] | ChoicesFn = ()
    parse: Parser | None = None
    #: Extra placeholders for the prompt.
    params: Callable[[Ctx], dict[str, Any]] | None = None
    #: The whole text, for screens whose wording depends on the situation (instead of ``prompt``).
    text: Callable[[Ctx], str] | None = None
    #: Steps that belong to this one and are asked right after it, even while editing one answer.
    then: tuple[str, ...] = ()
    #: Label of the "edit" button on the summary card; empty when the answer is not editable there.
    edit_label: str = ""
    #: The step that opens when the summary's edit button is pressed (default: this one).
    edit_via: str = ""
    #: How the stored answer reads on the summary card.
    show: Callable[[Ctx, Any], str] | None = None
    #: Multi-select: the choice that means "none of these" and ends the step at once.
    none_choice: str = ""
    columns: int = 1
    #: Profile field the answer goes to, when it differs from the step id.
    field: str = ""
    #: Still to be answered? The first declared step for which this holds is where a person resumes.
    todo: StatePredicate = never
    #: Its buttons work while another step is current (menu, language, privacy, consent after a restart).
    anywhere: StatePredicate = never
    #: Before its buttons do anything: a message id saying why not yet, or ``None``.
    guard: Callable[[Ctx], str | None] | None = None
    #: A pressed button carries state that a restart may have lost (the consent button carries the age).
    restore: Callable[[Ctx, str], None] | None = None
    #: While this step is current and a coach conversation is open, what the person types goes to the coach.
    relay: bool = False
    on_choice: ChoiceHook | None = None
    on_text: TextHook | None = None
    #: Called with a valid answer before it is stored; returns replies to do something else instead.
    on_answer: Callable[[Ctx, Answer], Replies | None] | None = None
    #: Longest text the step reads (a company's free text may be longer than a job wish).
    max_length: int = MAX_INPUT

    @property
    def key(self) -> str:
        return self.field or self.id

    def choices_for(self, ctx: Ctx) -> Sequence[Choice]:
        return self.choices(ctx) if callable(self.choices) else self.choices

    def next_for(self, ctx: Ctx) -> str:
        return self.next(ctx) if callable(self.next) else self.next


@dataclass(frozen=True)
class Command:
    """A slash command and what it does."""

    run: Callable[[Ctx], Replies]
    description: str = ""


@dataclass(frozen=True)
class Flow:
    """All steps in their declared order (the order a person resumes in) and the commands."""

    steps: tuple[Step, ...]
    commands: Mapping[str, Command]
    #: Reply to a command the flow does not know.
    unknown_command: Callable[[Ctx], Replies]
    #: Where the steps' answers live in the state: the young person's profile, or a company's answers.
    answers_of: Callable[[State], Answers] = lambda state: state.profile
    #: ``/start <keyword>`` from a deep link that opens something else than the young people's dialog
    #: (declared in ``dialogs.steps``); any other argument of ``/start`` is the code of a source.
    start_keywords: Mapping[str, Command] = field(default_factory=dict)
    by_id: Mapping[str, Step] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {step.id: step for step in self.steps})

    @property
    def first(self) -> Step:
        return self.steps[0]

    def following(self, step: Step) -> Step:
        """The step declared after ``step``."""
        index = self.steps.index(step)
        return self.steps[min(index + 1, len(self.steps) - 1)]

    def resume(self, state: State) -> Step:
        """The first declared step still to be answered."""
        return next((step for step in self.steps if step.todo(state)), self.steps[0])


@dataclass
class Ctx:
    """One event being applied: the state (changed in place), the flow, translations and services."""

    state: State
    flow: Flow
    t: Translator
    services: Services
    #: Work for the transport that the dialog cannot do itself.
    actions: list[Action] = field(default_factory=list)
    #: What followed the name of the command being run (``/start <code>``); empty otherwise.
    argument: str = ""

    @property
    def profile(self) -> Profile:
        return self.state.profile

    @property
    def answers(self) -> Answers:
        """The answers this flow's steps fill (``Step.key``)."""
        return self.flow.answers_of(self.state)

    @property
    def step(self) -> Step:
        return self.flow.by_id[self.state.step]

    def today(self) -> dt.date:
        today: dt.date = self.services.today()
        return today

    def gettext(self, message: str, **params: object) -> str:
        return self.t.gettext(message, **params)

    def label(self, choice: Choice, shown: bool = False) -> str:
        """A choice's button text in the reader's language (``shown``: as the profile card reads it)."""
        if choice.raw:
            return choice.label
        return self.gettext(choice.shown or choice.label if shown else choice.label)

    def set_language(self, lang: str) -> None:
        self.state.lang = lang
        self.t = translator(lang)

    # ------------------------------------------------------------ moving between steps

    def go(self, step_id: str, scratch: dict[str, Any] | None = None) -> None:
        """Make ``step_id`` the current step (a multi-select starts from the stored answer)."""
        self.state.step = step_id
        self.state.scratch = dict(scratch or {})
        step = self.step
        if step.kind == "multi":
            self.state.scratch["selected"] = list(self.answers.get(step.key) or ())

    def ask(self, step_id: str, scratch: dict[str, Any] | None = None, prefix: str = "") -> Replies:
        """Go to ``step_id`` and ask its question (``prefix`` is a message id shown before it)."""
        self.go(step_id, scratch)
        return [self.show(prefix=self.gettext(prefix) if prefix else "")]

    def advance(self, step: Step, target: str | None = None) -> Replies:
        """After ``step``: its next step, or back to where an edit started."""
        nxt = target or step.next_for(self) or self.flow.following(step).id
        if self.state.return_to and nxt not in step.then:
            nxt, self.state.return_to = self.state.return_to, None
        return self.ask(nxt)

    def answer(self, step: Step, answer: Answer) -> Replies:
        if step.on_answer is not None:
            replies = step.on_answer(self, answer)
            if replies is not None:
                return replies
        if answer.confirm is not None:
            value = answer.value
            if isinstance(value, Location):  # scratch is stored as JSON
                value = dataclasses.asdict(value)
            confirm = {"for": step.id, "value": value, "question": answer.confirm.question}
            return self.ask(CONFIRM_STEP, {**confirm, "params": answer.confirm.params})
        self.answers.set(step.key, answer.value)
        notes = [Reply(note) for note in answer.notes]
        if step.kind == "location":
            place = step.show(self, self.answers.get(step.key)) if step.show else ""
            notes.append(Reply(self.gettext(N_("📍 Got it: {place}"), place=place), remove_keyboard=True))
        return notes + self.advance(step)

    # ------------------------------------------------------------ rendering

    def show(self, prefix: str = "", replace: bool = False, step: Step | None = None) -> Reply:
        """The question of the current step (or of ``step``, shown without moving there)."""
        step = step or self.step
        if step.text is not None:
            text = step.text(self)
        else:
            text = self.gettext(step.prompt, **(step.params(self) if step.params else {}))
        text = _BLANK_LINES.sub("\n\n", text)  # an empty placeholder leaves no gap
        if self.state.return_to and step.show is not None and self.answers.has(step.key):
            text += "\n\n" + self.gettext(
                N_("Your answer so far: {answer}"), answer=step.show(self, self.answers.get(step.key))
            )
        if prefix:
            text = f"{prefix}\n\n{text}"
        return Reply(
            text,
            self.buttons(step),
            ask_location=step.kind == "location",
            replace_previous=replace,
        )

    def buttons(self, step: Step) -> tuple[tuple[Button, ...], ...]:
        selected = set(self.state.scratch.get("selected", ())) if step.kind == "multi" else set()
        rows: list[tuple[Button, ...]] = []
        row: list[Button] = []
        for choice in step.choices_for(self):
            if choice.hidden:
                continue
            label = self.label(choice)
            if choice.value in selected:
                label = "✅ " + label
            button = Button(label, step.id, choice.value)
            if choice.wide:  # a row of its own, after the buttons before it
                if row:
                    rows.append(tuple(row))
                    row = []
                rows.append((button,))
                continue
            row.append(button)
            if len(row) == step.columns:
                rows.append(tuple(row))
                row = []
        if row:
            rows.append(tuple(row))
        if step.kind == "multi":
            rows.append((Button(self.gettext(DONE_LABEL), step.id, DONE),))
        return tuple(rows)

    def again(self, message: str) -> Reply:
        """The current question again, after ``message`` (a message id)."""
        return self.show(prefix=self.gettext(message))

    def say(self, message: str, **params: object) -> Replies:
        """Just a text, no question (``message`` is a message id)."""
        return [Reply(self.gettext(message, **params))]
