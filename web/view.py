"""The last thing shown to a young person, kept in their session between a form
post and the page it redirects to (POST-redirect-GET).

It names their feelings, so it is sealed with their own data key like everything
else they say, and it goes when the session goes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.browser_sessions import open_view, seal_view
from flows.screen import Choice, Link, Screen, ScreenPhoto, TextInput

if TYPE_CHECKING:
    from storage.models import WebSession
    from storage.vault import Vault


@dataclass
class View:
    screens: list[Screen] = field(default_factory=list)
    notice: str | None = None
    # A check-in (or "listened") was just finished: a tablet goes back to the start.
    finished: bool = False
    # A picture shown with the notice (a path on this server), e.g. a new keyworker.
    picture: str | None = None

    @property
    def screen(self) -> Screen | None:
        return self.screens[-1] if self.screens else None

    def to_json(self) -> dict[str, Any]:
        return {"screens": [_screen_json(s) for s in self.screens], "notice": self.notice,
                "finished": self.finished, "picture": self.picture}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> View:
        return cls([_screen(s) for s in raw["screens"]], raw.get("notice"),
                   bool(raw.get("finished")), raw.get("picture"))


def _screen_json(screen: Screen) -> dict[str, Any]:
    # By hand rather than dataclasses.asdict: this runs on every tap, and asdict's
    # deep copy of twenty choices costs more than the encryption does.
    raw = dict(screen.__dict__)
    raw["choices"] = [dict(c.__dict__) for c in screen.choices]
    raw["links"] = [dict(link.__dict__) for link in screen.links]
    raw["text_input"] = dict(screen.text_input.__dict__) if screen.text_input else None
    # A picture a flow draws (a goal's line) is kept with the page, sealed like the rest,
    # and served by web.checkin_routes.screen_photo.
    raw["photos"] = [{"data": base64.b64encode(p.jpeg).decode("ascii"), "caption": p.caption,
                      "alt": p.alt} for p in screen.photos]
    return raw


def _screen(raw: dict[str, Any]) -> Screen:
    raw = dict(raw)
    raw["choices"] = tuple(Choice(**c) for c in raw.get("choices", ()))
    raw["links"] = tuple(Link(**link) for link in raw.get("links", ()))
    raw["sheet"] = tuple(raw.get("sheet", ()))
    raw["photos"] = tuple(ScreenPhoto(base64.b64decode(p["data"]), p["caption"], p["alt"])
                          for p in raw.get("photos", ()))
    if raw.get("text_input"):
        raw["text_input"] = TextInput(**raw["text_input"])
    return Screen(**raw)


def ends_a_flow(before: Screen | None, after: Screen | None) -> bool:
    """True when the person just finished telling us something and is back home."""
    return (
        before is not None and after is not None and after.name == "home"
        and before.name.startswith(("checkin.", "listened."))
    )


async def save_view(session: AsyncSession, vault: Vault, row: WebSession, view: View) -> None:
    await seal_view(session, vault, row, view.to_json())


async def load_view(session: AsyncSession, vault: Vault, row: WebSession) -> View | None:
    raw = await open_view(session, vault, row)
    return None if raw is None else View.from_json(raw)
