"""Drives the dialog engine like a person would: type, tap buttons by their label, read replies."""

from __future__ import annotations

from bot.chat.service import DialogService, Result
from dialogs.engine import Engine
from dialogs.model import Button, Event, Reply, State


class Chat:
    def __init__(self, engine: Engine, lang: str = "en") -> None:
        self.engine = engine
        self.lang = lang
        self.state: State | None = None
        self.replies: list[Reply] = []
        self.history: list[Reply] = []
        self.actions: tuple[str, ...] = ()

    def _apply(self, event: Event) -> list[Reply]:
        outcome = self.engine.handle(self.state, event, self.lang)
        assert outcome.replies or outcome.actions, f"no reply to {event}"
        self.actions = outcome.actions
        self.state = outcome.state
        self.replies = outcome.replies
        self.history += outcome.replies
        return outcome.replies

    def send(self, text: str) -> list[Reply]:
        return self._apply(Event.typed(text))

    def location(self, lat: float, lon: float) -> list[Reply]:
        return self._apply(Event("location", lat=lat, lon=lon))

    def sticker(self) -> list[Reply]:
        return self._apply(Event("unsupported"))

    @property
    def last(self) -> Reply:
        return self.replies[-1]

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    def button(self, label: str, reply: Reply | None = None) -> Button:
        reply = reply or self.last
        buttons = [b for row in reply.buttons for b in row]
        exact = [b for b in buttons if b.label == label]
        found = exact or [b for b in buttons if label.casefold() in b.label.casefold()]
        assert found, f"no button {label!r} in {[b.label for b in buttons]}"
        return found[0]

    def labels(self, reply: Reply | None = None) -> list[str]:
        return [b.label for row in (reply or self.last).buttons for b in row]

    def tap(self, label: str, reply: Reply | None = None) -> list[Reply]:
        button = self.button(label, reply)
        return self._apply(Event.pressed(button.data))

    @property
    def step(self) -> str:
        assert self.state is not None
        return self.state.step

    @property
    def answers(self) -> dict[str, object]:
        assert self.state is not None
        return self.state.profile.to_json()

    def onboard(self, age: str = "17", until: str = "menu", resume: bool = False) -> None:
        """Answer every question with typical answers up to the step ``until``.

        ``resume`` goes on from the current step instead of starting with /start."""
        script: list[tuple[str, str, str]] = [
            ("age", "send", age),
            ("consent", "tap", "Yes"),
            ("situation", "tap", "finished school"),
            ("certificate", "tap", "Mittlerer Schulabschluss (MSA)"),
            ("german", "tap", "Good"),
            ("languages", "tap", "Türkçe"),
            ("languages", "tap", "Done"),
            ("location", "send", "Herne"),
            ("radius", "tap", "10 km"),
            ("interests", "tap", "Technology"),
            ("interests", "tap", "Done"),
            ("wish", "send", "Kfz Mechatroniker"),
            ("wish_pick", "tap", "Kraftfahrzeugmechatroniker"),
            ("wish_more", "tap", "Continue"),
            ("start", "tap", "August 2027"),
            ("summary", "tap", "All correct"),
        ]
        if resume:
            steps = [step for step, _, _ in script]
            script = script[steps.index(self.step) :] if self.step in steps else []
        else:
            self.send("/start")
        for step, action, value in script:
            if self.step == until:
                return
            assert self.step == step, f"expected step {step}, at {self.step}: {self.text}"
            if action == "send":
                self.send(value)
            else:
                self.tap(value)
        assert self.step == until, self.step


class ServiceChat:
    """Like ``Chat``, but through ``DialogService`` and a real database (async)."""

    def __init__(
        self, service: DialogService, user_id: int, lang: str = "en", first_name: str = "Lea"
    ) -> None:
        self.service = service
        self.user_id = user_id
        self.lang = lang
        self.first_name = first_name
        self.result: Result | None = None
        self.history: list[Reply] = []

    async def _apply(self, event: Event) -> Result:
        self.result = await self.service.handle(self.user_id, event, self.lang, first_name=self.first_name)
        self.history += self.result.replies
        return self.result

    async def send(self, text: str) -> Result:
        return await self._apply(Event.typed(text))

    async def tap(self, label: str) -> Result:
        buttons = [b for reply in reversed(self.history) for row in reply.buttons for b in row]
        found = [b for b in buttons if label.casefold() in b.label.casefold()]
        assert found, f"no button {label!r} in {[b.label for b in buttons]}"
        return await self._apply(Event.pressed(found[0].data))

    async def press(self, data: str) -> Result:
        """A button press with this callback data, as Telegram would deliver it (forged ones too)."""
        return await self._apply(Event.pressed(data))

    @property
    def text(self) -> str:
        assert self.result is not None
        return "\n".join(r.text for r in self.result.replies)

    def labels(self) -> list[str]:
        """The labels of every button in the last replies."""
        assert self.result is not None
        return [b.label for reply in self.result.replies for row in reply.buttons for b in row]

    @property
    def last(self) -> Reply:
        assert self.result is not None and self.result.replies
        return self.result.replies[-1]

    async def onboard(
        self,
        location: str = "Herne",
        wish: str = "Kfz Mechatroniker",
        pick: str = "Kraftfahrzeugmechatroniker",
    ) -> None:
        await self.send("/start")
        await self.send("17")
        for label in ("Yes", "finished school", "Erster Schulabschluss (ESA)", "Good", "Only German"):
            await self.tap(label)
        await self.send(location)
        await self.tap("10 km")
        await self.tap("Technology")
        await self.tap("Done")
        await self.send(wish)
        await self.tap(pick)
        await self.tap("Continue")
        await self.tap("As soon as possible")
        await self.tap("All correct")
        assert self.result is not None and self.result.state.step == "menu", self.text
