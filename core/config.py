"""Configuration from environment variables (prefix ``HEARD_``) or a ``.env`` file.

Every setting has a working default except the bot token: with no token the web
channel still serves and the Telegram channel is simply off.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_PUBLIC_API = "https://api.telegram.org"
# A buddy is there for at least the first week after a move.
MIN_BUDDY_DAYS = 7


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HEARD_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///data/heard.db"
    master_key_file: Path = Path("data/master.key")
    bot_token: str | None = None
    telegram_api_url: str = TELEGRAM_PUBLIC_API
    webhook_url: str | None = None
    webhook_secret: str | None = None
    redis_url: str | None = None
    # Every Redis key Heard uses starts with this, so two deployments (or two test
    # runs) can share one Redis database without touching each other's keys.
    redis_prefix: str = "heard:"
    web_host: str = "127.0.0.1"
    web_port: int = Field(8080, ge=0, le=65535)
    public_url: str = "http://127.0.0.1:8080"
    timezone: str = "Europe/London"
    # Email as a route for alerts and staff notices: smtp://[user:password@]host:port
    # (STARTTLS when the server offers it) or smtps:// (TLS from the start).
    smtp_url: str | None = None
    mail_from: str | None = None

    # Outgoing Telegram traffic: Telegram allows about 30 messages/s overall and
    # about 1 message/s to one chat; we stay under both by default.
    send_rate_global: float = Field(25.0, gt=0)
    send_rate_per_chat: float = Field(1.0, gt=0)
    # How long an undeliverable message keeps being retried before admins are told.
    send_give_up_hours: float = Field(24.0, gt=0)
    # A claimed batch is held this long; a sender that dies mid-batch frees its
    # messages for others after it. Keep it well above Telegram's request timeout.
    send_lease_seconds: float = Field(60.0, gt=0)
    send_concurrency: int = Field(16, ge=1)
    # How often escalations and reminders are looked for.
    schedule_poll_seconds: float = Field(5.0, gt=0)
    # After an erasure, the master keys that wrapped the erased key are retired
    # (destroyed) within this many hours; from then on older backups cannot show it.
    key_retire_hours: float = Field(24.0, gt=0, le=24 * 30)
    # A young person's request to delete their data is decided by their service
    # within this many days; past it, the lead and admins are reminded.
    erase_decision_days: int = Field(30, ge=1, le=365)
    # Days after the move date that a young person and their buddy can still send each
    # other messages. Young people said two days was too short: a service may make it
    # longer, never shorter than a week (smaller values are raised to 7).
    buddy_days: int = 7

    @field_validator("bot_token", "webhook_url", "redis_url", "webhook_secret", "smtp_url",
                     "mail_from", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("buddy_days")
    @classmethod
    def _at_least_a_week(cls, value: int) -> int:
        return max(MIN_BUDDY_DAYS, value)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r} (use a name like Europe/London)") from exc
        return value

    @field_validator("public_url", "telegram_api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("HEARD_SMTP_URL must look like smtp://mail.example.org:587 "
                             "(or smtps:// for TLS from the start)")
        try:
            parts.port
        except ValueError:
            raise ValueError("HEARD_SMTP_URL has a port that is not a number") from None
        return value

    @model_validator(mode="after")
    def _mail_needs_a_sender(self) -> Settings:
        if self.smtp_url and not self.mail_from:
            raise ValueError("HEARD_MAIL_FROM must be set when HEARD_SMTP_URL is "
                             "(the address alert emails come from)")
        return self

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        # Without it anyone could post updates "from" a young person's Telegram id.
        if self.webhook_url and not self.webhook_secret:
            raise ValueError(
                "HEARD_WEBHOOK_SECRET must be set when HEARD_WEBHOOK_URL is (webhook mode)"
            )
        return self

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def telegram_enabled(self) -> bool:
        return self.bot_token is not None

    @property
    def mail_enabled(self) -> bool:
        return self.smtp_url is not None and self.mail_from is not None


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
