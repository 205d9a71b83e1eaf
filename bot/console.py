"""Console chat: the same dialogs and database as on Telegram, in a terminal.

Buttons are numbered: type the number (or the button's text). Commands work as on Telegram
(/start, /menu, /profile, /language, /privacy, /cancel, /help); /quit ends the chat.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from bot.chat.service import DialogService
from dialogs.model import Button, Event, Reply


def render(reply: Reply) -> tuple[str, list[Button]]:
    """Reply as console text, with its buttons numbered in reading order."""
    buttons = [button for row in reply.buttons for button in row]
    lines = [
        f"bot> {line}" if i == 0 else f"     {line}" for i, line in enumerate(reply.text.splitlines() or [""])
    ]
    lines += [f"     [{n}] {button.label}" for n, button in enumerate(buttons, start=1)]
    if reply.ask_location:
        lines.append("     (type your postcode or town)")
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


async def chat(
    service: DialogService,
    user_id: int,
    lang: str,
    export_dir: Path,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> None:
    def say(reply: Reply) -> list[Button]:
        text, buttons = render(reply)
        print(text, file=stdout, flush=True)
        return buttons

    buttons: list[Button] = []
    state = await service.state(user_id)
    first = Event("command", "start")
    if state is not None:
        lang = state.lang
    result = await service.handle(user_id, first, lang)
    for reply in result.replies:
        buttons = say(reply)
    while True:
        print("you> ", end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line or line.strip() in ("/quit", "/exit"):
            print("\nbye!", file=stdout)
            return
        if not line.strip():
            continue
        result = await service.handle(user_id, to_event(line, buttons), lang)
        lang = result.state.lang
        for reply in result.replies:
            buttons = say(reply)
        if result.attachment is not None:
            name, content = result.attachment
            path = export_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            print(f"     (saved to {path})", file=stdout, flush=True)
