"""Configuration from environment variables (prefix ``HEARD_``) or a ``.env`` file.

Every setting has a working default except the bot token: with no token the web
channel still serves and the Telegram channel is simply off.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_PUBLIC_API = "https://api.telegram.org"


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

    @field_validator("bot_token", "webhook_url", "redis_url", "webhook_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

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


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
