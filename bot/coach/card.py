"""The summary card of a hand-off in the young person's topic: its text (HTML) and its buttons."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.chat.service import DialogService
from bot.coach.routing import CoachGroup
from bot.coach.topics import Topics, display_name, thread_gone
from bot.models import Handoff
from bot.places.store import PlacesStore
from dialogs.callbacks import CoachClose, CoachHandOver, CoachReopen, CoachTake
from dialogs.i18n import DEFAULT_LANG, N_, Translator
from dialogs.model import State
from knowledge.region import LOCAL_TZ

log = logging.getLogger(__name__)

STATUS_LABELS = {"open": N_("open – waiting"), "taken": N_("taken"), "closed": N_("closed")}
TAKE = N_("✋ Take over")
CLOSE = N_("✅ Close")
REOPEN = N_("↩️ Reopen")
HAND_OVER = N_("➡️ Hand over to {town}")
REQUEST_FROM = N_("🆕 Request from {name}")
LIKED_PLACES = N_("Places they are interested in:")
#: Marks a place of the fictional example set.
EXAMPLE = N_("EXAMPLE")


def bold(text: str) -> str:
    return f"<b>{html.escape(text)}</b>"


class Card:
    def __init__(
        self,
        chat_id: int,
        dialogs: DialogService,
        places: PlacesStore,
        topics: Topics,
        t: Translator,
        hand_over_to: Sequence[CoachGroup] = (),
    ) -> None:
        self.chat_id = chat_id
        #: The other operators' groups a coach can hand the person over to, one button each.
        self.hand_over_to = hand_over_to
        self.dialogs = dialogs
        self.store = dialogs.handoffs
        self.places = places
        self.topics = topics
        self.t = t

    async def text(self, handoff: Handoff) -> str:
        """The card in the coach group's language; every value that came from a person is HTML-escaped."""
        t = self.t
        state = await self.dialogs.state(handoff.user_id) or State(lang=DEFAULT_LANG)
        name = display_name(handoff, t)
        lines = [bold(t.gettext(REQUEST_FROM, name=t.keep_ltr(name)))]

        def add(text: str, gap: bool = False) -> None:
            lines.append(("\n" if gap else "") + html.escape(text))

        add(t.gettext(N_("Chat language: {language}"), language=state.lang))
        if not state.completed:
            add(t.gettext(N_("⚠️ Profile not finished yet – this is what they answered so far:")))
        add(self.dialogs.engine.profile_card(state, t.lang))
        marks = await self.places.marks(handoff.user_id)
        liked = await self.places.get([pid for pid, status in marks.items() if status == "interested"])
        if liked:
            lines.append("\n" + bold(t.gettext(LIKED_PLACES)))
            for place in liked.values():
                demo = " (" + t.gettext(EXAMPLE) + ")" if place.demo else ""
                link = f" – {place.url}" if place.url else ""
                add(f"• {place.title}{demo}, {place.employer}, {place.city}{link}")
        spoken = [code for code in (state.lang, *(state.profile.languages or [])) if code != "de"]
        speakers = await self.store.coaches_speaking(spoken)
        if speakers:
            names = t.join(t.keep_ltr(speaker) for speaker in speakers)
            add(t.gettext(N_("Coaches who speak the language: {names}"), names=names), gap=True)
        since = handoff.created_at.astimezone(LOCAL_TZ)
        add(
            t.gettext(N_("Waiting since: {date}, {time}"), date=t.date(since.date()), time=f"{since:%H:%M}"),
            gap=True,
        )
        add(t.gettext(N_("Status: {status}"), status=self._status(handoff)))
        if handoff.user_blocked:
            add(t.gettext(N_("⚠️ The person has blocked the bot.")))
        add(t.gettext(N_("Replies in this topic go to the person (commands do not).")), gap=True)
        return "\n".join(lines)

    def _status(self, handoff: Handoff) -> str:
        if handoff.status == "taken" and handoff.coach_name:
            return self.t.gettext(N_("taken by {coach}"), coach=self.t.keep_ltr(handoff.coach_name))
        return self.t.gettext(STATUS_LABELS.get(handoff.status, handoff.status))

    def buttons(self, handoff: Handoff) -> InlineKeyboardMarkup:
        """Reopen for a closed request; otherwise close, and take over while nobody has."""
        if handoff.status == "closed":
            return InlineKeyboardMarkup([[self._button(REOPEN, CoachReopen(handoff.id).pack())]])
        row = [self._button(CLOSE, CoachClose(handoff.id).pack())]
        if handoff.status == "open":
            row.insert(0, self._button(TAKE, CoachTake(handoff.id).pack()))
        hand_over = [
            InlineKeyboardButton(
                self.t.gettext(HAND_OVER, town=group.town),
                callback_data=CoachHandOver(handoff.id, group.index).pack(),
            )
            for group in self.hand_over_to
        ]
        return InlineKeyboardMarkup([row, hand_over] if hand_over else [row])

    def _button(self, label: str, data: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(self.t.gettext(label), callback_data=data)

    async def post(self, bot: Bot, handoff: Handoff, retry: bool = True) -> int:
        """Post the card into the person's topic (reopened; created anew when it was deleted)."""
        thread = await self.topics.thread_of(bot, handoff, reopen=retry)
        try:
            sent = await bot.send_message(
                self.chat_id, await self.text(handoff), message_thread_id=thread,
                parse_mode=ParseMode.HTML, reply_markup=self.buttons(handoff),
            )  # fmt: skip
        except BadRequest as error:
            if not (retry and thread_gone(error)):
                raise
            await self.topics.create(bot, handoff)
            return await self.post(bot, handoff, retry=False)
        await self.store.update(handoff.id, card_message_id=sent.message_id)
        return sent.message_id

    async def refresh(self, bot: Bot, handoff: Handoff) -> None:
        """Show the hand-off's new state on its card, if it has one."""
        if handoff.card_message_id is None:
            return
        try:
            await bot.edit_message_text(
                await self.text(handoff), chat_id=self.chat_id, message_id=handoff.card_message_id,
                parse_mode=ParseMode.HTML, reply_markup=self.buttons(handoff),
            )  # fmt: skip
        except TelegramError as error:
            log.info("card of hand-off %s not updated: %s", handoff.id, type(error).__name__)
