"""Database tables (SQLAlchemy 2, typed). Schema changes go through Alembic migrations in ``migrations/``."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: A young person's reaction to a place.
MarkStatus = Literal["interested", "dismissed"]
#: A coach request: waiting, a coach answers, done.
HandoffStatus = Literal["open", "taken", "closed"]
#: A company's place (``dialogs.company.profile.PLACE_STATUSES``); only ``approved`` is shown.
PlaceStatus = Literal["pending", "approved", "rejected", "withdrawn", "filled", "expired"]
#: A message in a coach group's outbox.
OutboxState = Literal["pending", "sent", "failed"]
#: A relayed message between a young person and a coach.
RelayState = Literal["pending", "sent", "failed", "blocked"]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A moment in time, stored in UTC and always read back time-zone aware (in UTC).

    PostgreSQL keeps the zone (``timestamptz``); SQLite keeps none and hands back naive values, which are
    UTC (written by this type or by ``CURRENT_TIMESTAMP``). A naive value to store is refused: it would be
    ambiguous.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone: store aware datetimes (utcnow())")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON,
    }


class User(Base):
    """A young person who agreed to store their data: their dialog state and profile answers.

    Nobody gets a row before consent. ``id`` is the Telegram user id (or the console's ``--user``).
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    lang: Mapped[str] = mapped_column(String(8))
    step: Mapped[str] = mapped_column(String(32))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Bumped by every write of the dialog state; a write names the version it read (optimistic locking
    #: across bot processes, see ``bot/chat/state_store.py``).
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Telegram update ids applied to this row, newest last, space-separated (the last ``KEEP`` ones):
    #: a redelivered update is recognised and not applied twice.
    update_ids: Mapped[str] = mapped_column(Text, default="", server_default="")
    consent_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=utcnow, index=True)


class PlaceOffer(Base):
    """An open Ausbildung place, imported from a CSV file, the BA job search or the demo set."""

    __tablename__ = "places"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        # start_date and certificate too: the search filters and orders by them from the index alone.
        Index("ix_places_search", "active", "occupation_id", "lat", "lon", "start_date", "certificate"),
        Index("ix_places_area", "active", "lat", "lon"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(300))
    #: Catalogue id of the occupation (``knowledge/data/occupations``), resolved by the matcher on import.
    occupation_id: Mapped[str | None] = mapped_column(String(40))
    employer: Mapped[str] = mapped_column(String(300), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    published: Mapped[dt.date | None] = mapped_column(Date)
    url: Mapped[str] = mapped_column(String(500), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    certificate: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen: Mapped[dt.datetime] = mapped_column(server_default=func.now(), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=utcnow)


class PlaceMark(Base):
    """A young person's reaction to a place: ``interested`` or ``dismissed``."""

    __tablename__ = "place_marks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[MarkStatus] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class Company(Base):
    """A company that reports places through the bot (``dialogs.company``): business contact data of one
    contact person, whose Telegram user id is ``user_id``, and the company flow's dialog state.

    A row exists from the moment the contact read the data note and went on; ``/delete`` and the retention
    clean-up remove it with its places."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    lang: Mapped[str] = mapped_column(String(8))
    step: Mapped[str] = mapped_column(String(32))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    name: Mapped[str] = mapped_column(String(300), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    #: Phone number or e-mail address: for coaches only, never shown to young people.
    reach: Mapped[str] = mapped_column(String(300), default="")
    street: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    town: Mapped[str] = mapped_column(String(100), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    #: The company's topic in the coach group, opened by a coach's question ("Rückfrage").
    topic_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    topic_thread_id: Mapped[int | None] = mapped_column(BigInteger)
    #: A coach's question is open: what the contact types goes to the topic.
    question_open: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Telegram update ids applied to this row, newest last (the last ``KEEP``): a redelivered update is not
    #: applied twice (a place is not submitted twice).
    update_ids: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=utcnow, index=True)


class CompanyPlace(Base):
    """A company's place: the ``places`` row young people search (``source = "company"``, ``active`` only
    while approved) and what only the company and the coaches see (status, verification, expiry)."""

    __tablename__ = "company_places"
    __table_args__ = (Index("ix_company_places_expiry", "status", "confirmed_at"),)

    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    occupation_id: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(default=1)
    #: ``YYYY-MM`` or ``asap``.
    start: Mapped[str] = mapped_column(String(7))
    #: Least certificate, or ``any``.
    certificate: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    #: ``pending``, ``approved``, ``rejected``, ``withdrawn``, ``filled`` or ``expired``
    #: (``dialogs.company.profile.PLACE_STATUSES``).
    status: Mapped[PlaceStatus] = mapped_column(String(12), default="pending")
    #: Why a coach rejected it (a code of ``dialogs.company.steps.REJECT_REASONS``).
    reason: Mapped[str] = mapped_column(String(24), default="")
    #: A young person of the programme got it (recorded by a coach).
    filled_by_programme: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Last approved or confirmed as still open; "Ist der Platz noch frei?" comes six weeks later.
    confirmed_at: Mapped[dt.datetime | None] = mapped_column()
    #: When that question was sent; no answer within a week deactivates the place.
    asked_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), onupdate=utcnow)


class CompanyShare(Base):
    """A young person's yes to "may the coach send the company your first name and profile?" for one
    company place; then the coach's sending and the company's wish to meet. Deleted with the person."""

    __tablename__ = "company_shares"
    __table_args__ = (UniqueConstraint("user_id", "place_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)
    first_name: Mapped[str] = mapped_column(String(64), default="")
    agreed_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    sent_at: Mapped[dt.datetime | None] = mapped_column()
    meet_at: Mapped[dt.datetime | None] = mapped_column()


class AlertSubscription(Base):
    """Opt-in to hear about new places; at most one message per day."""

    __tablename__ = "alert_subscriptions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    #: Places first seen after this moment are news for this person.
    checked_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    last_sent_on: Mapped[dt.date | None] = mapped_column(Date)


class Handoff(Base):
    """A young person's request to talk to a coach, from the tap until a coach closes it."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: ``open`` (waiting), ``taken`` (a coach answers), ``closed``.
    status: Mapped[HandoffStatus] = mapped_column(String(8), default="open", index=True)
    first_name: Mapped[str] = mapped_column(String(64), default="")
    coach_id: Mapped[int | None] = mapped_column(BigInteger)
    coach_name: Mapped[str] = mapped_column(String(64), default="")
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    rating: Mapped[int | None] = mapped_column()
    user_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    taken_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    reminded_at: Mapped[dt.datetime | None] = mapped_column()
    #: The coach group (chat id) that has this request: chosen by the person's town when it was made,
    #: changed only by a coach's hand-over. ``None`` for requests from before coach groups: the fallback.
    coach_chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)


class CoachOutbox(Base):
    """One message for a coach group, written in the same transaction as what caused it and sent by the
    group's sender (``bot/coach/sender.py``) within the group's budget, in ``priority`` order, then ``id``.

    The row is the unit of exactly-once: ``dedupe_key`` (e.g. ``card:17``) makes enqueueing the same thing
    twice a no-op, and a row is marked ``sent`` right after Telegram answered."""

    __tablename__ = "coach_outbox"
    __table_args__ = (Index("ix_coach_outbox_next", "chat_id", "state", "priority", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    #: What to send (``card``, ``relay``, ``notice``, ``text`` …): the sender's handler for it.
    kind: Mapped[str] = mapped_column(String(16))
    #: 0 answers to coaches' commands, 1 new hand-off cards, 2 relayed messages, 3 reminders, 4 digests.
    priority: Mapped[int] = mapped_column()
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    #: ``pending``, ``sent`` or ``failed`` (Telegram refused it, or network errors persisted).
    state: Mapped[OutboxState] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    sent_at: Mapped[dt.datetime | None] = mapped_column()
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)


class CoachTopic(Base):
    """The forum topic of one young person in the coach group, reused for every hand-off."""

    __tablename__ = "coach_topics"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class RelayMessage(Base):
    """One message copied between a young person and the coach topic, with its delivery state."""

    __tablename__ = "relay_messages"
    __table_args__ = (
        Index("ix_relay_messages_pending", "state", "next_attempt_at"),
        # A message Telegram delivers again (after a crash) is recognised and not relayed twice.
        UniqueConstraint("from_chat_id", "from_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    #: ``to_coach`` or ``to_user``.
    direction: Mapped[str] = mapped_column(String(8))
    from_chat_id: Mapped[int] = mapped_column(BigInteger)
    from_message_id: Mapped[int] = mapped_column(BigInteger)
    #: Text of a text message (shown with the coach's name); empty for media, which are copied.
    body: Mapped[str] = mapped_column(String(4096), default="")
    sender_name: Mapped[str] = mapped_column(String(64), default="")
    #: ``pending``, ``sent``, ``failed`` (gave up) or ``blocked`` (the person blocked the bot).
    state: Mapped[RelayState] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class Coach(Base):
    """A coach who used a coach command; the languages they speak are mentioned on cards."""

    __tablename__ = "coaches"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(64), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)


class Source(Base):
    """A place young people come from (a school, a job centre, an event) with its own deep link."""

    __tablename__ = "sources"

    #: The ``start`` parameter of the link (``knowledge.sources``).
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class Milestone(Base):
    """When a person first reached a step of the funnel (``bot/funnel.py``): a name and a moment, no text."""

    __tablename__ = "milestones"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(24), primary_key=True)
    reached_at: Mapped[dt.datetime] = mapped_column()


class FollowUp(Base):
    """The follow-up messages of one person whose consent covered them (``bot/followup.py``)."""

    __tablename__ = "follow_ups"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    #: The last activity of the dropped profile that got its reminder (one per dropped dialog).
    reminded_for: Mapped[dt.datetime | None] = mapped_column()
    reminded_at: Mapped[dt.datetime | None] = mapped_column()
    #: When the "still looking?" check was sent (once).
    checked_at: Mapped[dt.datetime | None] = mapped_column()
    #: The answer to it: ``searching``, ``found`` or ``paused``.
    outcome: Mapped[str | None] = mapped_column(String(12))
    #: No follow-up any more: ``opt_out`` (the person's button) or ``blocked`` (the person blocked the bot).
    stopped: Mapped[str | None] = mapped_column(String(8))
