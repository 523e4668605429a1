"""Staff for desk tests, made with the same admin action as the command line, and a
browser-less staff member signing in over HTTP."""

from __future__ import annotations

from dataclasses import dataclass

import pyotp
from domain.runtime import Runtime
from domain import admin
from storage.models import Staff
from storage.vault import SYSTEM_OWNER
from tests.support.web_client import WebPerson

NEW_PASSWORD = "hot chocolate after school"


@dataclass
class Member:
    staff_id: str
    email: str
    password: str


async def make_staff(runtime: Runtime, *, service: str, name: str, email: str,
                     role: str = "keyworker") -> Member:
    async with runtime.db.transaction() as session:
        made = await admin.create_staff(session, service_name=service, name=name, email=email,
                                        role=role, now=runtime.clock.now(), bot_username=None)
    return Member(str(made["staff_id"]), email, str(made["password"]))


async def first_password(runtime: Runtime, email: str) -> str:
    """Give an existing (CLI-made) staff member a known first password."""
    from sqlalchemy import select

    password = "first-password-123"
    async with runtime.db.transaction() as session:
        staff = await session.scalar(select(Staff).where(Staff.email == email))
        assert staff is not None
        staff.password_hash = admin.hash_password(password)  # as Heard hashes one
        staff.must_change_password = True
    return password


async def totp_now(runtime: Runtime, staff_id: str) -> str:
    async with runtime.db.transaction() as session:
        staff = await session.get(Staff, staff_id)
        assert staff is not None and staff.totp_secret_ct is not None
        secret = await runtime.vault.open(session, SYSTEM_OWNER, "staff", staff.id,
                                          staff.totp_secret_ct)
    return pyotp.TOTP(secret).at(runtime.clock.now())


class StaffAtDesk(WebPerson):
    """One staff member's browser (its own cookie jar)."""

    async def sign_in(self, email: str, password: str, next_path: str = "") -> str:
        await self.get("/staff/sign-in" + (f"?next={next_path}" if next_path else ""))
        return await self.post("/staff/sign-in", {"email": email, "password": password})

    async def first_sign_in(self, email: str, password: str, new: str = NEW_PASSWORD) -> str:
        await self.sign_in(email, password)
        assert "Choose your own password" in self.text, self.text
        return await self.post("/staff/password", {"new": new, "again": new})

