"""Configuration from environment variables (and a ``.env`` file), validated once at start-up."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import urlparse

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.coach.hours import CoachHours
from dialogs.i18n import DEFAULT_LANG, LANGUAGES
from knowledge.ba_jobsuche import BASE_URL as BA_API_URL

TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,}$")


class ConfigError(Exception):
    """Invalid configuration; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    #: The bot's @username, for the deep links of sources (``ausbildungsbot sources``).
    telegram_bot_username: str = ""
    database_url: str = ""
    coach_chat_id: int | None = None
    #: One coach group per operator: ``Town=chat_id`` pairs, comma-separated (``bot/coach/routing.py``).
    coach_groups: str = ""
    #: Messages the bot sends into one coach group per ``coach_group_rate_seconds`` (Telegram allows ~20 a
    #: minute); tests shorten the window to run in seconds.
    coach_group_rate: int = Field(default=20, ge=1)
    coach_group_rate_seconds: float = Field(default=60.0, gt=0)
    log_level: str = "INFO"
    #: ``./data`` of the directory the bot is started in (read when the settings are loaded).
    data_dir: Path = Field(default_factory=lambda: Path.cwd() / "data")
    ba_api_url: str = BA_API_URL
    coach_hours: str = "Mo-Fr 09:00-16:00"
    #: What young people read when no coach group is connected, per language; without one the translated
    #: default. ``COACH_CONTACT_TEXT`` is the German one (earlier versions showed it in every language).
    coach_contact_text: str = ""
    coach_contact_text_de: str = ""
    coach_contact_text_en: str = ""
    coach_contact_text_tr: str = ""
    coach_contact_text_ar: str = ""
    coach_contact_text_uk: str = ""
    coach_contact_text_ru: str = ""
    coach_contact_text_pl: str = ""
    coach_reminder_minutes: int = Field(default=15, ge=1)
    #: Language of everything the bot writes into the coach group (a code of ``dialogs.i18n.LANGUAGES``).
    coach_language: str = "de"
    coach_reminder_check_seconds: int = Field(default=60, ge=1)
    #: When the daily digest of waiting requests goes to the coach group, local time.
    coach_digest_time: dt.time = dt.time(8, 0)
    #: How long a coach's group membership is trusted before Telegram is asked again.
    coach_membership_cache_seconds: int = Field(default=300, ge=0)
    relay_retry_seconds: int = Field(default=5, ge=1)
    #: A relayed message failing on network errors is tried this often, waiting 2, 4, 8 … seconds (at most
    #: ``relay_max_backoff_seconds``) in between, then given up.
    relay_max_attempts: int = Field(default=8, ge=1)
    relay_max_backoff_seconds: int = Field(default=600, ge=1)
    retention_days: int = Field(default=180, ge=1)
    #: When the daily retention clean-up runs, local time.
    retention_time: dt.time = dt.time(3, 30)
    message_retention_days: int = Field(default=90, ge=1)
    alert_check_minutes: int = Field(default=30, ge=1)
    #: How often the bot looks for people due a follow-up (a dropped profile, the 30-day check).
    follow_up_check_minutes: int = Field(default=15, ge=1)
    webhook_url: str = ""
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    #: Updates handled at the same time (different chats; one chat's updates stay in order). 1: one by one.
    concurrent_updates: int = Field(default=32, ge=1, le=1024)

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_format(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and not TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http(s) URL such as http://127.0.0.1:8081/bot")
        return value

    @field_validator("telegram_bot_username")
    @classmethod
    def _bot_username(cls, value: str) -> str:
        value = value.strip().removeprefix("@")
        if value and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", value):
            raise ValueError("the bot's username as @BotFather shows it, e.g. ausbildungswege_bot")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if value and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule for secret_token)")
        return value

    @field_validator("coach_language")
    @classmethod
    def _coach_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError("must be one of " + ", ".join(LANGUAGES))
        return value

    @field_validator("coach_hours")
    @classmethod
    def _coach_hours(cls, value: str) -> str:
        if value.strip():
            CoachHours.parse(value)
        return value

    @field_validator("coach_groups")
    @classmethod
    def _coach_groups(cls, value: str) -> str:
        parse_coach_groups(value)
        return value

    @property
    def coach_group_pairs(self) -> list[tuple[str, int]]:
        """``COACH_GROUPS`` as (town, chat id) pairs, in the order given."""
        return parse_coach_groups(self.coach_groups)

    def per_town(self, name: str, town: str) -> str:
        """The value of ``<NAME>_<TOWN>`` (e.g. ``COACH_HOURS_HERNE``) from the environment or ``.env``,
        empty when not set. Such names depend on ``COACH_GROUPS``, so they are not declared fields."""
        key = f"{name}_{town_key(town)}".upper()
        value = os.environ.get(key)
        if value is None:
            value = _dotenv().get(key)
        return (value or "").strip()

    def group_hours(self, town: str) -> CoachHours | None:
        """``COACH_HOURS_<TOWN>``, else ``COACH_HOURS``."""
        text = self.per_town("COACH_HOURS", town) or self.coach_hours
        return CoachHours.parse(text) if text.strip() else None

    def group_contact_texts(self, town: str) -> dict[str, str]:
        """Who answers in this town's group, per chat language: ``COACH_CONTACT_TEXT_<TOWN>_<LANG>``, else
        ``COACH_CONTACT_TEXT_<TOWN>`` (the operator's name and number, shown in every language)."""
        every = self.per_town("COACH_CONTACT_TEXT", town)
        texts = {lang: self.per_town("COACH_CONTACT_TEXT", f"{town}_{lang}") or every for lang in LANGUAGES}
        return {lang: text for lang, text in texts.items() if text}

    @property
    def contact_texts(self) -> dict[str, str]:
        """The operator's contact text per language code, only for languages that have one."""
        texts = {lang: str(getattr(self, f"coach_contact_text_{lang}")).strip() for lang in LANGUAGES}
        if not texts.get(DEFAULT_LANG):
            texts[DEFAULT_LANG] = self.coach_contact_text.strip()
        return {lang: text for lang, text in texts.items() if text}

    @property
    def hours(self) -> CoachHours | None:
        return CoachHours.parse(self.coach_hours) if self.coach_hours.strip() else None

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'ausbildungsbot.sqlite3'}"


def town_key(town: str) -> str:
    """A town as part of a variable name: ``Castrop-Rauxel`` -> ``CASTROP_RAUXEL``, ``Lünen`` -> ``LUENEN``."""
    folded = town.upper().replace("Ä", "AE").replace("Ö", "OE").replace("Ü", "UE").replace("ß", "SS")
    ascii_only = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "_", ascii_only).strip("_")


def parse_coach_groups(value: str) -> list[tuple[str, int]]:
    """``"Herne=-1001111111111, Bochum=-1002222222222"`` -> ``[("Herne", -100…), ("Bochum", -100…)]``."""
    pairs: list[tuple[str, int]] = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        town, sep, chat = item.partition("=")
        try:
            chat_id = int(chat.strip())
        except ValueError:
            chat_id = 0
        if not sep or not town.strip() or chat_id >= 0:
            raise ValueError(f"{item!r}: use Town=chat_id pairs such as Herne=-1001111111111")
        if town.strip().casefold() in (t.casefold() for t, _ in pairs):
            raise ValueError(f"{town.strip()} is named twice")
        pairs.append((town.strip(), chat_id))
    return pairs


@functools.cache
def _dotenv() -> dict[str, str | None]:
    return dotenv_values(".env")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        raise ConfigError(f"{name}: {error['msg'].removeprefix('Value error, ')}") from None
