"""Builds what both transports share: settings, database, catalogue, gazetteer and the dialog service."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat.service import CoachOptions, DialogService
from bot.chat.state_store import open_state_store
from bot.coach.store import HandoffStore
from bot.config import Settings
from bot.database import create_engine, sessionmaker, upgrade
from bot.places.controller import PlacesController
from bot.places.store import PlacesStore
from dialogs.engine import Engine
from dialogs.model import Services
from knowledge.catalogue import default_catalogue
from knowledge.gazetteer import default_gazetteer
from knowledge.matcher import OccupationService, default_matcher
from knowledge.places import OfferReader


@dataclass
class Runtime:
    settings: Settings
    db: AsyncEngine
    dialogs: DialogService
    places_store: PlacesStore

    async def close(self) -> None:
        await self.dialogs.store.close()
        await self.db.dispose()

    async def refresh_suggestions(self) -> None:
        """Let occupation suggestions prefer occupations that have open places now."""
        occupations = self.dialogs.engine.services.occupations
        if isinstance(occupations, OccupationService):
            occupations.with_places = await self.places_store.occupations_with_places()

    def offer_reader(self) -> OfferReader:
        return OfferReader(default_matcher(), default_gazetteer())


def build_services() -> Services:
    return Services(gazetteer=default_gazetteer(), occupations=OccupationService(default_matcher()))


async def open_runtime(settings: Settings, migrate: bool = True) -> Runtime:
    if migrate:
        await upgrade(settings.db_url)
    db = create_engine(settings.db_url)
    sessions = sessionmaker(db)
    store = PlacesStore(sessions, default_catalogue())
    places = PlacesController(store, default_catalogue())
    coach = CoachOptions(
        relay=settings.coach_chat_id is not None and settings.token is not None,
        hours=settings.hours,
        contact_texts=settings.contact_texts,
    )
    services = build_services()
    state_store = await open_state_store(settings.db_url)
    dialogs = DialogService(sessions, state_store, Engine(services), places, HandoffStore(sessions), coach)
    runtime = Runtime(settings, db, dialogs, store)
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
