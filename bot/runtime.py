"""The composition root: builds what both transports share from the settings, once per process.

The settings, the clock, the occupation catalogue, matcher and gazetteer, the database engine and the
dialog service are made here and handed down; no module below loads its own or reads the system clock.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.service import CoachOptions, DialogService
from bot.chat.state_store import open_state_store
from bot.coach.routing import coach_routing
from bot.coach.store import HandoffStore
from bot.companies.service import CompanyService
from bot.companies.store import CompanyStore
from bot.config import Settings
from bot.database import create_engine, sessionmaker, upgrade
from bot.models import utcnow
from bot.places.controller import PlacesController
from bot.places.store import PlacesStore
from dialogs.engine import Engine
from dialogs.model import Services
from knowledge.catalogue import Catalogue
from knowledge.gazetteer import Gazetteer, default_gazetteer
from knowledge.matcher import Matcher, OccupationService, default_matcher
from knowledge.places import OfferReader
from knowledge.region import LOCAL_TZ


@dataclass
class Runtime:
    settings: Settings
    db: AsyncEngine
    matcher: Matcher
    gazetteer: Gazetteer
    #: The occupations as the dialog sees them; :meth:`refresh_suggestions` keeps them up to date.
    occupations: OccupationService
    dialogs: DialogService
    places_store: PlacesStore
    #: The time now (UTC).
    clock: Callable[[], dt.datetime]
    #: Today in the programme's local time (``knowledge.region.LOCAL_TZ``), from :attr:`clock`.
    today: Callable[[], dt.date]

    @property
    def catalogue(self) -> Catalogue:
        return self.matcher.catalogue

    async def close(self) -> None:
        await self.dialogs.store.close()
        await self.db.dispose()

    async def refresh_suggestions(self) -> None:
        """Where places are open now: suggestions prefer those occupations, discovery cards count them."""
        open_places = self.dialogs.engine.services.open_places
        open_places.replace(await self.places_store.open_points())
        self.occupations.with_places = open_places.occupations()

    def offer_reader(self) -> OfferReader:
        return OfferReader(self.matcher, self.gazetteer)


async def open_runtime(
    settings: Settings, migrate: bool = True, clock: Callable[[], dt.datetime] = utcnow
) -> Runtime:
    """Everything a transport needs, on the settings' database; ``clock`` gives the time now (UTC)."""
    if migrate:
        await upgrade(settings.db_url)

    def today() -> dt.date:
        return clock().astimezone(LOCAL_TZ).date()

    matcher, gazetteer = default_matcher(), default_gazetteer()
    occupations = OccupationService(matcher)
    services = Services(
        gazetteer=gazetteer, occupations=occupations, today=today, retention_days=settings.retention_days
    )
    db = create_engine(settings.db_url, pool_size=settings.concurrent_updates)
    sessions = sessionmaker(db)
    places_store = PlacesStore(sessions, matcher.catalogue)
    routing = coach_routing(settings, gazetteer)
    coach = CoachOptions(
        relay=routing is not None and settings.token is not None,
        hours=settings.hours,
        contact_texts=settings.contact_texts,
        routing=routing,
        group_rate_per_minute=settings.coach_group_rate * 60 / settings.coach_group_rate_seconds,
    )
    try:
        dialogs = DialogService(
            sessions,
            await open_state_store(db),
            Engine(services),
            PlacesController(places_store, matcher.catalogue, today, occupations.relations),
            HandoffStore(sessions),
            coach,
            clock=clock,
            companies=CompanyService(CompanyStore(sessions, matcher.catalogue), services, clock),
        )
    except BaseException:
        await db.dispose()
        raise
    runtime = Runtime(
        settings, db, matcher, gazetteer, occupations, dialogs, places_store, clock=clock, today=today
    )
    try:
        await runtime.refresh_suggestions()
    except BaseException:
        await runtime.close()
        raise
    return runtime


def setup_logging(level: str) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    # httpx logs every request URL at INFO, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # These log whole updates, API calls and SQL parameters (texts, names, answers) at DEBUG: never below
    # INFO for them.
    for name in ("telegram", "httpcore", "aiosqlite", "asyncpg"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    # Alembic's "Context impl SQLiteImpl" and the scheduler's "Adding job tentatively" on every start say
    # nothing an operator needs: shown with LOG_LEVEL=DEBUG only.
    for name in ("alembic", "apscheduler"):
        logging.getLogger(name).setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
