"""The registered sources (``ausbildungsbot sources``) and the source each person came from."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import Source, User
from knowledge.sources import DIRECT, UNKNOWN

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceCount:
    code: str
    name: str
    #: People who came with the source's link (consented; first contact).
    people: int


def source_of(state: dict[str, object] | None) -> str:
    """The source stored with a person's dialog state (``users.state``): a code, ``unknown`` or ``direct``."""
    answers = state.get("answers") if isinstance(state, dict) else None
    code = answers.get("source") if isinstance(answers, dict) else None
    return str(code) if code else DIRECT


class SourceStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def add(self, code: str, name: str) -> bool:
        """Register a source, or rename it; ``True`` when it is new."""
        async with self.sessions.begin() as session:
            source = await session.get(Source, code)
            if source is not None:
                source.name = name
                return False
            session.add(Source(code=code, name=name))
            return True

    async def get(self, code: str) -> Source | None:
        async with self.sessions() as session:
            return await session.get(Source, code)

    async def resolve(self, code: str) -> str:
        """The code to record for a person: a registered code stays, anything else becomes ``unknown``
        (logged, never shown to the young person)."""
        if code != UNKNOWN and await self.get(code) is not None:
            return code
        log.warning("a deep link with an unknown source code was used; recorded as %r", UNKNOWN)
        return UNKNOWN

    async def counts(self) -> list[SourceCount]:
        """Every registered source with its people, then ``unknown`` and ``direct`` when they have any."""
        async with self.sessions() as session:
            sources = (await session.execute(select(Source.code, Source.name).order_by(Source.code))).all()
            people = Counter(source_of(state) for state in (await session.scalars(select(User.state))).all())
        rows = [SourceCount(code, name, people[code]) for code, name in sources]
        extra = [(UNKNOWN, "unbekannter Code"), (DIRECT, "ohne Link")]
        return rows + [SourceCount(code, name, people[code]) for code, name in extra if people[code]]
