"""Company places in the coach group: verification cards, the coach's question, shares and expiry.

A new or changed company place gets a card in the coach group of the company's town
(``bot/coach/routing.py``): "Freigeben" (shown to young people from then on), "Ablehnen" (then a reason),
"Rückfrage" (opens a topic with the company: what a coach writes there goes to the company, what the company
writes while the question is open comes back into it) and, once shown, "besetzt über das Programm". Only
members of that coach group can press them, and never the company's own contact.

A young person's yes to share their profile becomes a notice with "Profil an den Betrieb senden"; the
company gets a short profile card (first name, age, certificate, languages, town, start, wishes: no contact
data) with one button, "we would like to meet", which comes back to the coaches. Every value a person typed
is HTML-escaped in the group and sent as plain text elsewhere.

The hourly job asks companies "Ist der Platz noch frei?" six weeks after a place was approved or confirmed and
deactivates places without an answer a week later.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.coach.members import CoachMembers
from bot.coach.outbox import Outbox, Priority
from bot.coach.relay import send_with_header
from bot.coach.routing import CoachRouting
from bot.companies.service import CompanyResult, CompanyService
from bot.companies.store import CompanyStore, PlaceInfo
from bot.models import Company
from bot.telegram.render import keyboard
from dialogs import callbacks
from dialogs.callbacks import (
    CompanyMeet,
    SendProfile,
    StillOpen,
    VerifyApprove,
    VerifyAsk,
    VerifyFilled,
    VerifyReason,
    VerifyReject,
)
from dialogs.company.profile import isolate
from dialogs.company.steps import REJECT_REASONS, STATUS_LABELS, certificate_label, company_lang
from dialogs.engine import Engine
from dialogs.i18n import N_, Translator, translator
from dialogs.model import Button, Reply, State
from dialogs.profile import Location
from knowledge.catalogue import Catalogue

log = logging.getLogger(__name__)

#: Callback data this module answers in the coach group.
BUTTONS = "^(?:vf:|sh:s:)"
#: Profile answers a company may see (never contact data): labelled as the profile card labels them.
SHARED_KEYS = ("age", "certificate", "german", "languages", "start", "wishes")
#: How often the expiry job runs.
EXPIRY_CHECK_SECONDS = 3600
#: Telegram's limit for a topic name.
MAX_TOPIC_NAME = 128


def esc(text: str) -> str:
    return html.escape(text, quote=False)


class Verification:
    def __init__(
        self,
        routing: CoachRouting,
        companies: CompanyService,
        outbox: Outbox,
        engine: Engine,
        youth_state: Callable[[int], Awaitable[State | None]],
        catalogue: Catalogue,
        coach_language: str,
        membership_ttl: float,
    ) -> None:
        self.routing = routing
        self.companies = companies
        self.store: CompanyStore = companies.store
        #: Every message into a coach group goes through its outbox (new cards, notices); only a card a coach
        #: pressed is edited at once.
        self.outbox = outbox
        #: The young people's dialog engine: labels the answers of a shared profile as the chat does.
        self.engine = engine
        #: The young person's dialog state (``DialogService.state``).
        self.youth_state = youth_state
        self.catalogue = catalogue
        self.t = translator(coach_language)
        self.coaches = CoachMembers(membership_ttl)

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Before the private chats' button handler, which takes every other button."""
        groups = filters.Chat(self.routing.chat_ids)
        app.add_handler(CallbackQueryHandler(self.on_button, pattern=BUTTONS))
        topic_messages = groups & filters.UpdateType.MESSAGE & filters.IS_TOPIC_MESSAGE & ~filters.COMMAND
        # group 1: the desk's relay handler (group 0) sees the same messages and skips company topics
        app.add_handler(MessageHandler(topic_messages & ~filters.StatusUpdate.ALL, self.from_coach), group=1)
        if app.job_queue is not None:
            app.job_queue.run_repeating(self._expiry_job, interval=EXPIRY_CHECK_SECONDS, first=60)

    def group_of(self, company: Company) -> int:
        home = None
        if company.lat is not None and company.lon is not None:
            home = Location(company.town, company.lat, company.lon)
        return self.routing.group_for(home).chat_id

    # ------------------------------------------------------------ what the private chat hands over

    async def after(self, bot: Bot, result: CompanyResult, message: Message | None) -> None:
        for place_id in result.verify:
            await self.post_card(place_id)
        if result.company_id is not None and "relay" in result.actions and message is not None:
            await self.relay_from_company(bot, result.company_id, message)
        if result.shared is not None:
            await self.share_notice(result.shared)
        if result.meet is not None:
            await self.meet_notice(result.meet)

    # ------------------------------------------------------------ the card

    def card_text(self, info: PlaceInfo) -> str:
        t, place, company = self.t, info.place, info.company
        occupation = self.catalogue.by_id.get(place.occupation_id)
        asap = place.start == "asap"
        start = (
            t.gettext(N_("As soon as possible"))
            if asap
            else t.month(dt.date.fromisoformat(f"{place.start}-01"))
        )
        lines = [
            "<b>" + esc(t.gettext(N_("🏢 Place from a company: {occupation}"), occupation=occupation.name if occupation else place.occupation_id)) + "</b>",
            esc(t.gettext(N_("Company: {name}"), name=isolate(company.name))),
            esc(t.gettext(N_("Contact person: {name}"), name=isolate(company.contact))),
            esc(t.gettext(N_("Phone or e-mail: {reach}"), reach=isolate(company.reach))),
            esc(t.gettext(N_("Address: {address}"), address=", ".join(p for p in (isolate(company.street), f"{company.postcode} {company.town}".strip()) if p))),
            esc(t.gettext(N_("Places: {n} · start {start} · least certificate {certificate}"), n=place.count, start=start, certificate=t.gettext(certificate_label(place.certificate)))),
        ]  # fmt: skip
        if place.note:
            lines.append(esc(t.gettext(N_("About the place: {text}"), text=isolate(place.note))))
        lines.append(
            "\n" + esc(t.gettext(N_("Status: {status}"), status=t.gettext(STATUS_LABELS[place.status])))
        )
        if place.reason in REJECT_REASONS:
            lines.append(
                esc(t.gettext(N_("Reason: {reason}"), reason=t.gettext(REJECT_REASONS[place.reason])))
            )
        if place.filled_by_programme:
            lines.append(esc(t.gettext(N_("🤝 Filled through the programme."))))
        return "\n".join(lines)

    def card_buttons(self, info: PlaceInfo) -> InlineKeyboardMarkup | None:
        place_id, status = info.place.place_id, info.place.status
        rows = []
        if status in ("pending", "rejected", "expired"):
            rows.append(
                [
                    self._button(N_("✅ Approve"), VerifyApprove(place_id)),
                    self._button(N_("❌ Reject"), VerifyReject(place_id)),
                ]
            )
        if status in ("pending", "approved", "rejected"):
            rows.append([self._button(N_("❓ Ask the company"), VerifyAsk(place_id))])
        if status in ("approved", "filled") and not info.place.filled_by_programme:
            rows.append([self._button(N_("🤝 Filled through the programme"), VerifyFilled(place_id))])
        return InlineKeyboardMarkup(rows) if rows else None

    def _button(self, label: str, data: callbacks.Packed) -> InlineKeyboardButton:
        return InlineKeyboardButton(self.t.gettext(label), callback_data=data.pack())

    async def post_card(self, place_id: int) -> None:
        """A new card for the place (new, changed, filled, withdrawn or expired on the company's side), through
        the group's outbox (``bot/coach/outbox.py``)."""
        info = await self.store.info(place_id)
        if info is not None:
            await self._queue(
                self.group_of(info.company), self.card_text(info), self.card_buttons(info), Priority.CARD
            )

    async def _refresh(self, info: PlaceInfo, card: Message) -> None:
        """The card a coach pressed, showing the place's new state."""
        fresh = await self.store.info(info.place.place_id) or info
        with contextlib.suppress(TelegramError):
            await card.edit_text(
                self.card_text(fresh), parse_mode=ParseMode.HTML, reply_markup=self.card_buttons(fresh)
            )

    async def _queue(
        self,
        chat_id: int,
        html_text: str,
        markup: InlineKeyboardMarkup | None,
        priority: Priority,
        thread_id: int | None = None,
    ) -> None:
        payload: dict[str, Any] = {"text": html_text, "parse_mode": ParseMode.HTML, "thread_id": thread_id}
        if markup is not None:
            payload["reply_markup"] = markup.to_dict()
        await self.outbox.enqueue(chat_id, "text", payload, priority)

    # ------------------------------------------------------------ coaches' buttons

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        bot, coach = context.bot, query.from_user
        chat_id = query.message.chat.id if query.message is not None else None
        if chat_id not in self.routing.chat_ids or not await self.coaches.is_coach(bot, chat_id, coach.id):
            await query.answer(self.t.gettext(N_("Only for coaches.")), show_alert=True)
            return
        button = callbacks.unpack(query.data or "")
        if isinstance(button, SendProfile):
            await query.answer()
            await self.send_profile(bot, button.share_id, query.message)
            return
        place_id = getattr(button, "place_id", None)
        info = await self.store.info(place_id) if isinstance(place_id, int) else None
        if info is None:
            await query.answer(
                self.t.gettext(N_("This action no longer fits the state of the request.")), show_alert=True
            )
            return
        if info.company.user_id == coach.id:
            await query.answer(self.t.gettext(N_("A company cannot check its own place.")), show_alert=True)
            return
        await query.answer()
        await self._decide(bot, info, button, query.message)

    async def _decide(self, bot: Bot, info: PlaceInfo, button: object, card: object) -> None:
        place_id, company, now = info.place.place_id, info.company, self.companies.clock()
        t = translator(company_lang(company.lang))
        occupation = self.catalogue.by_id.get(info.place.occupation_id)
        name = occupation.name if occupation else info.place.occupation_id
        if isinstance(button, VerifyReject):
            reasons = [
                [
                    InlineKeyboardButton(
                        self.t.gettext(label), callback_data=VerifyReason(place_id, code).pack()
                    )
                ]
                for code, label in REJECT_REASONS.items()
            ]
            if isinstance(card, Message):
                with contextlib.suppress(TelegramError):
                    await card.edit_reply_markup(InlineKeyboardMarkup(reasons))
            return
        if isinstance(button, VerifyApprove):
            await self.store.set_status(place_id, "approved", now)
            await self._tell(
                bot,
                company,
                t.gettext(
                    N_("✅ Your place “{name}” is checked and now shown to young people nearby."), name=name
                ),
            )
        elif isinstance(button, VerifyReason) and button.reason in REJECT_REASONS:
            await self.store.set_status(place_id, "rejected", now, reason=button.reason)
            text = t.gettext(
                N_("Your place “{name}” was not approved. Reason: {reason}"),
                name=name,
                reason=t.gettext(REJECT_REASONS[button.reason]),
            )
            await self._tell(
                bot, company, text + "\n" + t.gettext(N_("You can change it in /menu → My places."))
            )
        elif isinstance(button, VerifyFilled):
            await self.store.set_status(place_id, "filled", now, by_programme=True)
        elif isinstance(button, VerifyAsk):
            await self.open_question(bot, info)
            return
        else:
            return
        if company.question_open and not isinstance(button, VerifyFilled):
            await self.store.close_question(company.id)
        if isinstance(card, Message):
            await self._refresh(info, card)

    async def _tell(self, bot: Bot, company: Company, text: str, reply: Reply | None = None) -> None:
        """A message to the company's contact (plain text: nothing they typed is read as markup)."""
        markup = keyboard(reply, company.lang) if reply is not None else None
        try:
            await bot.send_message(company.user_id, text, reply_markup=markup)
        except TelegramError as error:
            log.info("company %s not told: %s", company.id, type(error).__name__)

    # ------------------------------------------------------------ the coach's question ("Rückfrage")

    async def open_question(self, bot: Bot, info: PlaceInfo) -> None:
        company = info.company
        chat_id = self.group_of(company)
        thread = company.topic_thread_id if company.topic_chat_id == chat_id else None
        if thread is None:
            topic = await bot.create_forum_topic(chat_id, f"🏢 {company.name}"[:MAX_TOPIC_NAME])
            thread = topic.message_thread_id
        await self.store.set_topic(company.id, chat_id, thread)
        note = esc(self.t.gettext(N_("Replies in this topic go to the company (commands do not).")))
        await self._queue(chat_id, self.card_text(info) + "\n\n" + note, None, Priority.CARD, thread)
        t = translator(company_lang(company.lang))
        await self._tell(
            bot,
            company,
            t.gettext(
                N_(
                    "A coach of Ausbildungswege NRW has a question about your place. Their messages come here – just answer in this chat."
                )
            ),
        )

    async def from_coach(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, coach = update.effective_message, update.effective_user
        if message is None or coach is None or coach.is_bot or message.message_thread_id is None:
            return
        company = await self.store.by_topic(message.chat.id, message.message_thread_id)
        if company is None:
            return
        if (
            not company.question_open
        ):  # a coach writes again after deciding: the company's answers come back here
            await self.store.set_topic(company.id, message.chat.id, message.message_thread_id)
        t = translator(company_lang(company.lang))
        header = t.gettext(N_("💬 Coach {name} (Ausbildungswege NRW):"), name=coach.first_name)
        try:
            if message.text is not None:
                await send_with_header(context.bot, company.user_id, header, message.text)
            else:
                await context.bot.send_message(company.user_id, header)
                await context.bot.copy_message(company.user_id, message.chat.id, message.message_id)
        except TelegramError as error:
            log.info("message to company %s not relayed: %s", company.id, type(error).__name__)

    async def relay_from_company(self, bot: Bot, company_id: int, message: Message) -> None:
        """Through the group's outbox, like a young person's message: within the group's budget, tried
        again after errors, and once only when Telegram delivers the company's message again."""
        company = await self.store.by_id(company_id)
        if company is None or company.topic_chat_id is None or company.topic_thread_id is None:
            return
        await self.outbox.enqueue(
            company.topic_chat_id,
            "copy",
            {
                "from_chat_id": message.chat.id,
                "message_id": message.message_id,
                "thread_id": company.topic_thread_id,
            },
            Priority.RELAY,
            dedupe_key=f"company:{message.chat.id}:{message.message_id}",
        )

    # ------------------------------------------------------------ a young person's profile for a company

    async def share_notice(self, share_id: int) -> None:
        share = await self.store.get_share(share_id)
        info = await self.store.info(share.place_id) if share is not None else None
        if share is None or info is None:
            return
        text = self.t.gettext(
            N_("🤝 {name} is interested in the place of {company} and agrees that a coach sends the company their first name and profile."),
            name=isolate(share.first_name) or self.t.gettext(N_("Young person")), company=isolate(info.company.name),
        )  # fmt: skip
        markup = InlineKeyboardMarkup(
            [[self._button(N_("📨 Send the profile to the company"), SendProfile(share_id))]]
        )
        await self._queue(self.group_of(info.company), esc(text), markup, Priority.RELAY)

    def profile_card(self, state: State, first_name: str, t: Translator) -> str:
        answers = {a.key: a for a in self.engine.profile_answers(state, t.lang)}
        lines = [
            t.gettext(
                N_("Profile of {name} (Ausbildungswege NRW):"),
                name=first_name or t.gettext(N_("Young person")),
            )
        ]
        lines += [f"• {answers[k].label}: {answers[k].shown}" for k in SHARED_KEYS if k in answers]
        if state.profile.location is not None:
            lines.append("• " + t.gettext(N_("Town: {town}"), town=state.profile.location.name))
        lines.append(
            "\n"
            + t.gettext(
                N_(
                    "A coach of Ausbildungswege NRW arranges the contact. Tap the button if you would like to meet."
                )
            )
        )
        return "\n".join(lines)

    async def send_profile(self, bot: Bot, share_id: int, notice: object) -> None:
        share = await self.store.get_share(share_id)
        info = await self.store.info(share.place_id) if share is not None else None
        state = await self.youth_state(share.user_id) if share is not None else None
        if share is None or info is None or state is None or share.sent_at is not None:
            return
        t = translator(company_lang(info.company.lang))
        meet = Reply(
            "",
            (
                (
                    Button(
                        t.gettext(N_("🙋 We would like to meet this person")), callback=CompanyMeet(share_id)
                    ),
                ),
            ),
        )
        await self._tell(bot, info.company, self.profile_card(state, share.first_name, t), meet)
        await self.store.share_done(share_id, self.companies.clock())
        if isinstance(notice, Message):
            with contextlib.suppress(TelegramError):
                await notice.edit_reply_markup(None)
                await notice.reply_text(self.t.gettext(N_("📨 Sent to the company.")))

    async def meet_notice(self, share_id: int) -> None:
        share = await self.store.get_share(share_id)
        info = await self.store.info(share.place_id) if share is not None else None
        if share is None or info is None:
            return
        text = self.t.gettext(
            N_("🙋 {company} would like to meet {name}. Please arrange the contact."),
            company=isolate(info.company.name), name=isolate(share.first_name) or self.t.gettext(N_("Young person")),
        )  # fmt: skip
        await self._queue(self.group_of(info.company), esc(text), None, Priority.RELAY)

    # ------------------------------------------------------------ expiry

    async def _expiry_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.check_expiry(context.bot, self.companies.clock())

    async def check_expiry(self, bot: Bot, now: dt.datetime) -> None:
        """Ask "still open?" six weeks after approval or confirmation; deactivate a week without answer."""
        for info in await self.store.to_ask(now):
            t = translator(company_lang(info.company.lang))
            occupation = self.catalogue.by_id.get(info.place.occupation_id)
            text = t.gettext(
                N_("Is the place still open? {name}"), name=occupation.name if occupation else ""
            )
            buttons = ((
                Button(t.gettext(N_("✅ Yes, still open")), callback=StillOpen(info.place.place_id, True)),
                Button(t.gettext(N_("🤝 No, filled")), callback=StillOpen(info.place.place_id, False)),
            ),)  # fmt: skip
            await self._tell(bot, info.company, text, Reply(text, buttons))
        for place_id in await self.store.expire(now):
            expired = await self.store.info(place_id)
            if expired is not None:
                t = translator(company_lang(expired.company.lang))
                await self._tell(
                    bot,
                    expired.company,
                    t.gettext(
                        N_(
                            "Your place is no longer shown because it was not confirmed. You can submit it again in /menu → My places."
                        )
                    ),
                )
                await self.post_card(place_id)
