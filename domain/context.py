"""What a flow step may use: the unit of work's session, the vault, the clock and
the person it is talking to. Channels build one per update or request."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.names import first_name
from storage.models import Service, Staff, YoungPerson
from storage.vault import Vault


@dataclass
class Services:
    """Process-wide things a flow needs; built once at start-up."""

    vault: Vault
    clock: Clock
    public_url: str = "http://127.0.0.1:8080"
    # Days a service has to decide a young person's request to delete their data.
    erase_decision_days: int = 30
    # HEARD_BUDDY_DAYS: how long after the move date buddies can send messages.
    buddy_days: int = 7


@dataclass
class FlowContext:
    session: AsyncSession
    services: Services
    person: YoungPerson
    channel: str  # telegram | web
    # Whether the person's service has switched their language off, when the channel
    # already knows it (None: the conversation asks).
    language_off: bool | None = None
    _keyworker: Staff | None = field(default=None, repr=False)
    _service: Service | None = field(default=None, repr=False)
    _nickname: str | None = field(default=None, repr=False)

    @property
    def vault(self) -> Vault:
        return self.services.vault

    @property
    def clock(self) -> Clock:
        return self.services.clock

    async def keyworker(self) -> Staff | None:
        if self._keyworker is None and self.person.keyworker_id:
            self._keyworker = await self.session.get(Staff, self.person.keyworker_id)
        return self._keyworker

    async def keyworker_first_name(self) -> str | None:
        staff = await self.keyworker()
        return first_name(staff.name) if staff else None

    async def service(self) -> Service:
        if self._service is None:
            self._service = await self.session.get(Service, self.person.service_id)
        assert self._service is not None
        return self._service

    async def timezone(self) -> ZoneInfo:
        return ZoneInfo((await self.service()).timezone)

    async def nickname(self) -> str:
        if self._nickname is None:
            self._nickname = await self.vault.open(
                self.session, self.person.id, "young_people", self.person.id, self.person.nickname_ct
            )
        return self._nickname

