"""Console chat: the same dialogs and database as on Telegram, in a terminal.

Buttons are numbered: type the number (or the button's text). Commands work as on Telegram
(/start, /menu, /profile, /language, /privacy, /cancel, /help); /quit ends the chat. ``/export`` shows the
data in the terminal: nothing is written to disk.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot.chat.service import DialogService, Result
from dialogs.i18n import N_, translator
from dialogs.model import Button, Event, Reply, State

LOCATION_HINT = N_("(type your postcode or town)")
NO_SUCH_BUTTON = N_("There is no button {number}. Type a number from 1 to {count}.")


def render(reply: Reply, lang: str) -> tuple[str, list[Button]]:
    """Reply as console text, with its buttons numbered in reading order."""
    buttons = [button for row in reply.buttons for button in row]
    lines = [
        f"bot> {line}" if i == 0 else f"     {line}" for i, line in enumerate(reply.text.splitlines() or [""])
    ]
    lines += [f"     [{n}] {button.label}" for n, button in enumerate(buttons, start=1)]
    if reply.ask_location:
        lines.append("     " + translator(lang).gettext(LOCATION_HINT))
    return "\n".join(lines), buttons


def to_event(line: str, buttons: list[Button]) -> Event:
    text = line.strip()
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        button = buttons[int(text) - 1]
        return Event.pressed(button.data)
    for button in buttons:
        if text.casefold() == button.label.casefold():
            return Event.pressed(button.data)
    return Event.typed(line)


def wrong_number(line: str, buttons: list[Button], state: State | None) -> bool:
    """A number that is none of the shown buttons, where a typed number means nothing else.

    The buttons of the current question go to the dialog as typed text (it reads numbers, e.g. an age or
    "15" km, and asks again itself); the buttons of a places list or of /language, /privacy, /delete do
    not belong to the current question: a number there would answer a question that is not on screen.
    """
    text = line.strip()
    if not buttons or not text.isdigit() or 1 <= int(text) <= len(buttons):
        return False
    step = state.step if state is not None else ""
    return not all(button.callback is None and button.step == step for button in buttons)


async def chat(
    service: DialogService,
    user_id: int,
    lang: str,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    old_exports: Path | None = None,
) -> None:
    """Chat as ``user_id`` until /quit or the end of input.

    ``old_exports``: the directory where earlier versions saved ``/export`` files; ``/delete`` removes the
    person's file there too.
    """

    def say(reply: Reply) -> list[Button]:
        text, buttons = render(reply, lang)
        print(text, file=stdout, flush=True)
        return buttons

    def show(result: Result) -> list[Button]:
        shown: list[Button] = []
        for reply in result.replies:
            shown = say(reply)
        if result.attachment is not None:
            _name, content = result.attachment
            print(
                "\n".join("     " + line for line in content.decode().splitlines()), file=stdout, flush=True
            )
        if "delete" in result.actions and old_exports is not None:
            (old_exports / f"ausbildungsbot-data-{user_id}.json").unlink(missing_ok=True)
        # Nothing to tap on screen, but the current question has buttons: show it again, so that a number
        # or "please tap a button" refers to something the person sees.
        if not shown and result.state.step in service.engine.flow.by_id:
            current = service.engine.current(result.state)
            if current.buttons:
                shown = say(current)
        return shown

    state = await service.state(user_id)
    if state is not None:
        lang = state.lang
    result = await service.handle(user_id, Event("command", "start"), lang)
    buttons = show(result)
    while True:
        print("you> ", end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line or line.strip() in ("/quit", "/exit"):
            print("\nbye!", file=stdout)
            return
        if not line.strip():
            continue
        if wrong_number(line, buttons, result.state):
            text = translator(lang).gettext(NO_SUCH_BUTTON, number=line.strip(), count=len(buttons))
            print(f"bot> {text}", file=stdout, flush=True)
            continue
        result = await service.handle(user_id, to_event(line, buttons), lang)
        lang = result.state.lang
        buttons = show(result)
