"""The command line: ``python run.py [--json] COMMAND``. ``--help`` lists everything."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sys
from datetime import date
from pathlib import Path
from collections.abc import Awaitable, Callable
from typing import Any

# Each command imports what it needs inside itself: the composition root pulls in
# aiogram, aiohttp, WeasyPrint and Pillow, and `run.py --help` or a one-line admin
# command should start in about a second, not nine.
from core.config import Settings, load_settings
from domain.runtime import Runtime
from domain.admin import AdminError
from storage.crypto import MasterKeyError

Handler = Callable[[Runtime, argparse.Namespace], Awaitable[dict[str, Any]]]
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _month(value: str) -> str:
    if not _MONTH.match(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a month like 2026-11")
    return value


async def _bot_username(runtime: Runtime) -> str | None:
    """The bot's username for t.me links: remembered from the last start, else asked."""
    from storage.repositories import get_meta

    async with runtime.db.transaction() as session:
        known = await get_meta(session, "bot_username")
    if known or not runtime.settings.telegram_enabled:
        return known or None
    from app.serve import remember_bot_username
    from bot.factory import make_bot

    bot = make_bot(runtime.settings)
    try:
        return await remember_bot_username(runtime, bot)
    except Exception as exc:  # noqa: BLE001 - a link without Telegram is still useful
        print(f"note: could not ask Telegram for the bot's name ({exc}); "
              "telegram_link left empty", file=sys.stderr)
        return None
    finally:
        await bot.session.close()


async def create_service(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.admin import create_service as create

    async with runtime.db.transaction() as session:
        service = await create(session, name=args.name,
                               timezone=args.timezone or runtime.settings.timezone,
                               now=runtime.clock.now())
    return {"service_id": service.id, "name": service.name, "timezone": service.timezone}


async def create_staff(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.admin import create_staff as create

    username = await _bot_username(runtime)
    async with runtime.db.transaction() as session:
        return await create(session, service_name=args.service, name=args.name,
                            email=args.email, role=args.role, now=runtime.clock.now(),
                            bot_username=username, no_email=args.no_email,
                            services=args.services.split(",") if args.services else ())


async def create_young_person(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.admin import create_young_person as create

    username = await _bot_username(runtime)
    async with runtime.db.transaction() as session:
        return await create(session, runtime.vault, service_name=args.service,
                            keyworker_email=args.keyworker, nickname=args.nickname,
                            now=runtime.clock.now(), bot_username=username,
                            public_url=runtime.settings.public_url, unit=args.unit)


async def list_things(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain import operator_views as views

    async with runtime.db.transaction(read_only=True) as session:
        if args.what == "services":
            if args.service:
                raise AdminError("--service does not apply to: admin list services")
            return await views.list_services(session)
        if args.what == "staff":
            return await views.list_staff(session, args.service)
        return await views.list_young_people(session, args.service)


_LIST_COLUMNS = {
    "services": ["service_id", "name", "timezone", "on_call_minutes", "lead_minutes",
                 "created_at"],
    "staff": ["staff_id", "service", "email", "role", "active", "on_call", "routes",
              "created_at"],
    "young_people": ["young_person_id", "service", "unit", "keyworker", "channels", "erased",
                     "created_at"],
}


def list_text(result: dict[str, Any]) -> str:
    from domain.operator_views import table_text

    (key, rows), = result.items()
    return table_text(rows, _LIST_COLUMNS[key])


def _alerts_text(result: dict[str, Any]) -> str:
    from domain.operator_views import alerts_text

    return alerts_text(result)


def _check_text(result: dict[str, Any]) -> str:
    from domain.operator_views import check_text

    return check_text(result)


async def alerts_report(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.operator_views import alerts_report as report

    async with runtime.db.transaction(read_only=True) as session:
        return await report(session, open_only=args.open)


async def check_chains(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.operator_views import check_report

    async with runtime.db.transaction(read_only=True) as session:
        result = await check_report(session, args.service, runtime.clock.now())
    result["email"] = "on" if runtime.settings.mail_enabled else "off"
    return result


async def new_link(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.links_admin import new_staff_link, new_young_person_link

    if bool(args.young_person) == bool(args.staff):
        raise AdminError("give either --young-person ID or --staff EMAIL")
    if args.staff and args.channel not in (None, "telegram"):
        raise AdminError("staff links are for Telegram only (--channel telegram)")
    username = await _bot_username(runtime)
    async with runtime.db.transaction() as session:
        if args.staff:
            return await new_staff_link(session, args.staff, now=runtime.clock.now(),
                                        bot_username=username)
        return await new_young_person_link(
            session, args.young_person, args.channel, now=runtime.clock.now(),
            bot_username=username, public_url=runtime.settings.public_url)


async def reset_pin(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.links_admin import reset_pin as reset

    async with runtime.db.transaction() as session:
        return await reset(session, args.young_person, now=runtime.clock.now(),
                           public_url=runtime.settings.public_url)


async def set_unit(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.tablets import set_unit as set_it

    async with runtime.db.transaction() as session:
        return await set_it(session, args.young_person, args.unit, runtime.clock.now())


async def enrol_tablet(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.tablets import create_enrolment

    async with runtime.db.transaction() as session:
        return await create_enrolment(session, service_name=args.service, unit=args.unit,
                                      now=runtime.clock.now(),
                                      public_url=runtime.settings.public_url)


async def revoke_tablet(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.tablets import revoke

    async with runtime.db.transaction() as session:
        return await revoke(session, args.tablet, runtime.clock.now())


async def erase_young_person(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from datetime import timedelta

    from domain.admin import erase_and_scrub
    from storage.db import ScrubError

    within = timedelta(hours=runtime.settings.key_retire_hours)
    try:
        await erase_and_scrub(runtime.db, runtime.vault, args.young_person,
                              runtime.clock.now(), within)
    except ScrubError as exc:
        raise AdminError(
            f"the young person's key is deleted, but the database was too busy to wipe the "
            f"old copy from its files ({exc}). Run the same command again in a minute."
        ) from None
    return {"young_person_id": args.young_person, "erased": True,
            "old_keys_retired_by": (runtime.clock.now() + within).isoformat()}


async def rotate_key(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from storage.rotation import rotate

    done = await rotate(runtime.db, runtime.vault, retire=args.retire)
    assert done is not None  # waited for the lock
    return done.as_dict()


async def report_kpi(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.kpi import kpi_report

    async with runtime.db.transaction() as session:
        report = await kpi_report(session, service_name=args.service,
                                  month_from=args.month_from, month_to=args.month_to)
        if args.pdf is not None:
            report["pdf"] = await _kpi_pdf(runtime, session, args)
        return report


async def _kpi_pdf(runtime: Runtime, session: Any, args: argparse.Namespace) -> str:
    """The lead page's one-page PDF (the same template), written to ``--pdf``."""
    from zoneinfo import ZoneInfo

    from domain import kpi_views
    from domain.admin import require_service
    from web.pdf import PdfUnavailable, render_pdf
    from web.staff.kpi_routes import made_on, page_context

    service = await require_service(session, args.service)
    now = runtime.clock.now()
    months = kpi_views.month_range(args.month_from, args.month_to,
                                   kpi_views.this_month(now, ZoneInfo(service.timezone)))
    try:
        data = await render_pdf("staff/kpi_pdf.html", made_on=made_on(now),
                                **await page_context(session, service, months))
    except PdfUnavailable as exc:
        raise AdminError(f"cannot make the PDF: {exc}") from None
    args.pdf.write_bytes(data)
    return str(args.pdf)


async def cards_strip(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.strips import parse_iso_week, week_strip_png
    from storage.models import YoungPerson
    from storage.repositories import audit

    try:
        monday = parse_iso_week(args.week)
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    async with runtime.db.transaction() as session:
        person = await session.get(YoungPerson, args.young_person)
        if person is None:
            raise AdminError(f"no young person {args.young_person!r}")
        png, count = await week_strip_png(session, runtime.vault, person, monday, args.locale)
        audit(session, at=runtime.clock.now(), actor_kind="operator", actor_id=None,
              action="strip.rendered", young_person_id=person.id, detail=args.week)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png)
    return {"out": str(args.out), "week": args.week, "checkins": count}


def cards_render(args: argparse.Namespace) -> dict[str, Any]:
    from cards.cli import render_deck

    paths = render_deck(args.out)
    return {"out": str(args.out), "files": len(paths), "deck": str(args.out / "deck.png")}


async def outbox_report(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.safeguarding_admin import outbox_report as report

    async with runtime.db.transaction() as session:
        return await report(session, runtime.clock.now(), include_sent=args.all)


async def set_on_call(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.safeguarding_admin import set_on_call as set_flag

    async with runtime.db.transaction() as session:
        return await set_flag(session, args.email, not args.off, runtime.clock.now())


async def set_escalation(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.safeguarding_admin import set_escalation as set_minutes

    async with runtime.db.transaction() as session:
        return await set_minutes(session, args.service, args.on_call_minutes, args.lead_minutes,
                                 runtime.clock.now())


async def set_unfinished(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.safeguarding_admin import set_unfinished_minutes

    async with runtime.db.transaction() as session:
        return await set_unfinished_minutes(session, args.service, args.minutes,
                                            runtime.clock.now())


async def lexicon_add(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.safeguarding_admin import lexicon_add as add

    async with runtime.db.transaction() as session:
        return await add(session, args.service, args.category, args.phrase, args.locale,
                         runtime.clock.now())


async def lexicon_list(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.safeguarding_admin import lexicon_list as listing

    async with runtime.db.transaction() as session:
        return await listing(session, args.service)


async def languages_list(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.languages import admin_languages

    async with runtime.db.transaction() as session:
        return await admin_languages(session, args.service)


def languages_markdown(args: argparse.Namespace) -> dict[str, Any]:
    from core.languages import markdown_table

    return {"markdown": markdown_table()}


def _languages_text(result: dict[str, Any]) -> str:
    if "markdown" in result:
        return str(result["markdown"])
    lines = [f"service: {result['service']}"] if "service" in result else []
    for lang in result["languages"]:
        state = "" if "on" not in lang else ("on   " if lang["on"] else "OFF  ")
        lines.append(f"{state}{lang['code']:<6} {lang['name']:<16} "
                     f"{lang['translated']}/{lang['total']:<6} {lang['review']}"
                     f" | risk words: {lang['lexicon_review']}")
    return "\n".join(lines)


async def language_switch(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.languages import admin_set_language

    async with runtime.db.transaction() as session:
        return await admin_set_language(session, args.service, args.locale,
                                        args.state == "on", runtime.clock.now())


async def assign_keyworker(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.handover import assign_keyworker as assign

    photo = None
    if args.photo is not None:
        try:
            photo = args.photo.read_bytes()
        except OSError as exc:
            raise AdminError(f"cannot read the photo {str(args.photo)!r}: {exc.strerror}") from None
    async with runtime.db.transaction() as session:
        return await assign(session, runtime.vault, young_person_id=args.young_person,
                            keyworker_email=args.keyworker, note=args.note, hello=args.hello,
                            photo=photo, now=runtime.clock.now())


async def assignments(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.handover import assignment_history

    async with runtime.db.transaction(read_only=True) as session:
        history = await assignment_history(session, args.young_person)
    return {"young_person_id": args.young_person, "assignments": history}


async def deactivate_staff(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.staff_accounts import deactivate_staff as deactivate

    async with runtime.db.transaction() as session:
        return await deactivate(session, email=args.email, now=runtime.clock.now())


async def reset_password(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.staff_accounts import reset_password as reset

    async with runtime.db.transaction() as session:
        return await reset(session, email=args.email, now=runtime.clock.now())


async def list_unassigned(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.staff_accounts import needs_keyworker

    async with runtime.db.transaction() as session:
        people = await needs_keyworker(session, runtime.vault, service_name=args.service,
                                       now=runtime.clock.now())
    return {"service": args.service, "needs_a_keyworker": people}


async def audit_log(runtime: Runtime, args: argparse.Namespace) -> dict[str, Any]:
    from domain.audit_log import export_audit_csv, make_filter, query_audit

    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        flt = await make_filter(session, staff_email=args.staff, young_person_id=args.young_person,
                                action=args.action, date_from=args.date_from,
                                date_to=args.date_to, service_name=args.service)
        if args.csv is None:
            return (await query_audit(session, flt, page=args.page, per_page=args.per_page,
                                      now=now)).to_json()
        data, count = await export_audit_csv(session, flt, now=now)
        try:
            args.csv.parent.mkdir(parents=True, exist_ok=True)
            args.csv.write_bytes(data)
        except OSError as exc:
            # Raised inside the transaction: the "exported" audit row is not kept either.
            raise AdminError(f"cannot write {str(args.csv)!r}: {exc.strerror}") from None
    return {"csv": str(args.csv), "rows": count}


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-11-23") from None


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number from 1")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    # --json is accepted before or after the command ("report kpi ... --json").
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print one JSON object")
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="Heard: feelings-card check-ins for young people and their keyworkers. "
        "With no command, serves the web app, the Telegram bot (when HEARD_BOT_TOKEN is set) "
        "and the outbox sender.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(json=False)
    parser.add_argument("-v", "--verbose", action="store_true", help="more logging")
    sub = parser.add_subparsers(dest="group", metavar="COMMAND")
    sub.add_parser("serve", help="run the service (the default)")
    sub.add_parser("worker", help="run only the outbox sender and the scheduler "
                   "(extra delivery processes at scale)")

    admin = sub.add_parser("admin", help="set up services, staff and young people")
    asub = admin.add_subparsers(dest="command", metavar="ACTION", required=True)
    p = asub.add_parser(parents=[common], name="create-service", help="create a service")
    p.add_argument("--name", required=True)
    p.add_argument("--timezone", help="IANA timezone (default: HEARD_TIMEZONE)")
    p.set_defaults(handler=create_service)
    p = asub.add_parser(parents=[common], name="create-staff", help="create a staff member; prints their first password")
    p.add_argument("--service", help="their service (a commissioner: the first of --services)")
    p.add_argument("--services", metavar="A,B",
                   help="a commissioner's services, comma-separated (totals only)")
    p.add_argument("--name", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--role", required=True,
                   choices=["keyworker", "placement", "lead", "commissioner", "admin"])
    p.add_argument("--no-email", action="store_true",
                   help="never send this person email (alerts reach them by other routes)")
    p.set_defaults(handler=create_staff)
    p = asub.add_parser(parents=[common], name="create-young-person", help="create a young person; prints their links")
    p.add_argument("--service", required=True)
    p.add_argument("--keyworker", required=True, metavar="EMAIL")
    p.add_argument("--nickname", required=True)
    p.add_argument("--unit", help="the unit they live on (for the unit tablet)")
    p.set_defaults(handler=create_young_person)
    p = asub.add_parser(parents=[common], name="set-unit",
                        help="set the unit a young person lives on (empty to clear)")
    p.add_argument("--young-person", required=True, metavar="ID")
    p.add_argument("--unit", required=True)
    p.set_defaults(handler=set_unit)
    p = asub.add_parser(parents=[common], name="enrol-tablet",
                        help="make a one-time link that sets up a shared tablet for a unit")
    p.add_argument("--service", required=True)
    p.add_argument("--unit", required=True)
    p.set_defaults(handler=enrol_tablet)
    p = asub.add_parser(parents=[common], name="revoke-tablet",
                        help="turn a unit tablet off (it must be enrolled again)")
    p.add_argument("--tablet", required=True, metavar="ID")
    p.set_defaults(handler=revoke_tablet)
    p = asub.add_parser(parents=[common], name="erase-young-person",
                        help="erase everything a young person said (deletes their key)")
    p.add_argument("--young-person", required=True, metavar="ID")
    p.set_defaults(handler=erase_young_person)
    p = asub.add_parser(parents=[common], name="rotate-key",
                        help="add a new master key and re-wrap every data key "
                        "(running processes pick it up by themselves)")
    p.add_argument("--retire", action="store_true",
                   help="then destroy every older master key: backups taken before "
                   "can no longer be read (see docs/backups.md)")
    p.set_defaults(handler=rotate_key)
    p = asub.add_parser(parents=[common], name="outbox",
                        help="messages waiting to be sent, or that could not be delivered")
    p.add_argument("--all", action="store_true", help="also list sent and cancelled messages")
    p.set_defaults(handler=outbox_report)
    p = asub.add_parser(parents=[common], name="set-on-call",
                        help="put a staff member on call for urgent alerts (or --off)")
    p.add_argument("--email", required=True)
    p.add_argument("--off", action="store_true")
    p.set_defaults(handler=set_on_call)
    p = asub.add_parser(parents=[common], name="set-escalation",
                        help="minutes before an untaken urgent alert goes to on-call, then leads")
    p.add_argument("--service", required=True)
    p.add_argument("--on-call-minutes", type=int, required=True)
    p.add_argument("--lead-minutes", type=int, required=True)
    p.set_defaults(handler=set_escalation)
    p = asub.add_parser(parents=[common], name="list",
                        help="list services, staff or young people (ids, never nicknames)")
    p.add_argument("what", choices=["services", "staff", "young-people"])
    p.add_argument("--service", metavar="NAME", help="only this service")
    p.set_defaults(handler=list_things, text=list_text)
    p = asub.add_parser(parents=[common], name="alerts",
                        help="urgent alerts: stage, who was told by which route and when, "
                        "who took it")
    p.add_argument("--open", action="store_true", help="only alerts nobody has taken yet")
    p.set_defaults(handler=alerts_report, text=_alerts_text)
    p = asub.add_parser(parents=[common], name="check",
                        help="can each young person's alert chain reach a person? "
                        "what is missing")
    p.add_argument("--service", metavar="NAME", help="only this service")
    p.set_defaults(handler=check_chains, text=_check_text)
    p = asub.add_parser(parents=[common], name="new-link",
                        help="a fresh one-time link (old unused ones stop working)")
    p.add_argument("--young-person", metavar="ID")
    p.add_argument("--staff", metavar="EMAIL")
    p.add_argument("--channel", choices=["telegram", "web"],
                   help="young person: only this link (default: both)")
    p.set_defaults(handler=new_link)
    p = asub.add_parser(parents=[common], name="reset-pin",
                        help="clear a young person's PIN and lock-out; prints a new web link")
    p.add_argument("--young-person", required=True, metavar="ID")
    p.set_defaults(handler=reset_pin)
    p = asub.add_parser(parents=[common], name="set-unfinished",
                        help="minutes of silence before a half-finished check-in is recorded "
                             "and the keyworker told (default 30)")
    p.add_argument("--service", required=True)
    p.add_argument("--minutes", type=int, required=True)
    p.set_defaults(handler=set_unfinished)
    p = asub.add_parser(parents=[common], name="assign-keyworker",
                        help="hand a young person over to a new keyworker (keeps all history)")
    p.add_argument("--young-person", required=True, metavar="ID")
    p.add_argument("--keyworker", required=True, metavar="EMAIL")
    p.add_argument("--note", required=True, metavar="TEXT",
                   help="handover note: only the new keyworker can read it")
    p.add_argument("--hello", metavar="TEXT",
                   help="a hello from the new keyworker, shown to the young person")
    p.add_argument("--photo", type=Path, metavar="FILE",
                   help="a photo of the new keyworker (metadata is removed)")
    p.set_defaults(handler=assign_keyworker)
    p = asub.add_parser(parents=[common], name="assignments",
                        help="every keyworker a young person has had, from when to when")
    p.add_argument("--young-person", required=True, metavar="ID")
    p.set_defaults(handler=assignments)
    p = asub.add_parser(parents=[common], name="deactivate-staff",
                        help="switch a staff account off: no sign-in, no alerts, "
                        "their young people need a keyworker")
    p.add_argument("--email", required=True)
    p.set_defaults(handler=deactivate_staff)
    p = asub.add_parser(parents=[common], name="reset-password",
                        help="print a new one-time password (changed at the next sign-in)")
    p.add_argument("--email", required=True)
    p.set_defaults(handler=reset_password)
    p = asub.add_parser(parents=[common], name="list-unassigned",
                        help="young people of a service who need a keyworker")
    p.add_argument("--service", required=True)
    p.set_defaults(handler=list_unassigned)
    p = asub.add_parser(parents=[common], name="audit",
                        help="search the audit log (newest first), or export it as CSV")
    p.add_argument("--staff", metavar="EMAIL", help="what this staff member did")
    p.add_argument("--young-person", metavar="ID", help="entries about this young person")
    p.add_argument("--action", metavar="A", help="an action, or a prefix like 'alert.*'")
    p.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD",
                   help="from this day (UTC), inclusive")
    p.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD",
                   help="to this day (UTC), inclusive")
    p.add_argument("--service", metavar="NAME", help="about this service's people or staff")
    p.add_argument("--page", type=_positive, default=1)
    p.add_argument("--per-page", type=_positive, default=50, help="at most 500")
    p.add_argument("--csv", type=Path, metavar="FILE",
                   help="write every matching entry to FILE (UTF-8 CSV) instead")
    p.set_defaults(handler=audit_log)
    lex = asub.add_parser("lexicon", help="a service's own risk phrases")
    lsub = lex.add_subparsers(dest="lexicon_command", metavar="ACTION", required=True)
    p = lsub.add_parser(parents=[common], name="add",
                        help="add a risk phrase (or a reviewed exception: --category exception)")
    p.add_argument("--service", required=True)
    p.add_argument("--category", required=True)
    p.add_argument("--phrase", required=True)
    p.add_argument("--locale", default="en")
    p.set_defaults(handler=lexicon_add)
    p = lsub.add_parser(parents=[common], name="list", help="list a service's own phrases")
    p.add_argument("--service", required=True)
    p.set_defaults(handler=lexicon_list)

    p = asub.add_parser(parents=[common], name="languages",
                        help="shipped languages: review state, strings translated, on/off")
    p.add_argument("--service", help="also show which are switched on for this service")
    p.add_argument("--markdown", action="store_true",
                   help="print the table for docs/translating.md (no database needed)")
    p.set_defaults(handler=languages_list, text=_languages_text)
    p = asub.add_parser(parents=[common], name="language",
                        help="switch a language on or off for a service's young people")
    p.add_argument("state", choices=("on", "off"))
    p.add_argument("--service", required=True)
    p.add_argument("--locale", required=True, help="e.g. ti, fa_AF")
    p.set_defaults(handler=language_switch)

    report = sub.add_parser("report", help="reports in totals only")
    rsub = report.add_subparsers(dest="command", metavar="REPORT", required=True)
    p = rsub.add_parser(parents=[common], name="kpi", help='"felt listened to" by month; counts under 5 are hidden')
    p.add_argument("--service", required=True)
    p.add_argument("--from", dest="month_from", type=_month, metavar="YYYY-MM")
    p.add_argument("--to", dest="month_to", type=_month, metavar="YYYY-MM")
    p.add_argument("--pdf", type=Path, metavar="FILE",
                   help="also write the one-page PDF for a board pack (needs Pango)")
    p.set_defaults(handler=report_kpi)
    cards = sub.add_parser("cards", help="draw the feelings cards and mood strips")
    csub = cards.add_subparsers(dest="command", metavar="ACTION", required=True)
    p = csub.add_parser(parents=[common], name="render", help="draw every card, the deck and the sheet")
    p.add_argument("--out", required=True, type=Path, metavar="DIR")
    p.set_defaults(offline=cards_render)
    p = csub.add_parser(parents=[common], name="strip", help="draw one young person's week")
    p.add_argument("--young-person", required=True, metavar="ID")
    p.add_argument("--week", required=True, metavar="YYYY-Www", help="ISO week, e.g. 2026-W47")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.png")
    p.add_argument("--locale", default="en", help="language of dates and labels (default en)")
    p.set_defaults(handler=cards_strip)
    return parser


def _print(result: dict[str, Any], as_json: bool,
           text: Callable[[dict[str, Any]], str] | None = None) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False, default=str))
        return
    if text is not None:
        print(text(result))
        return
    for key, value in result.items():
        if isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False, indent=2, default=str)
        print(f"{key}: {value}")


async def _run_command(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    runtime = await Runtime.open(settings)
    try:
        return await args.handler(runtime, args)
    finally:
        await runtime.close()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = load_settings()
    except Exception as exc:  # noqa: BLE001 - pydantic lists every bad variable
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        if getattr(args, "markdown", False):
            args.offline = languages_markdown
        if getattr(args, "offline", None) is not None:
            # Needs no database or keys (e.g. drawing the deck).
            _print(args.offline(args), args.json, getattr(args, "text", None))
            return 0
        if args.group == "worker":
            from app.serve import work

            asyncio.run(work(settings))
            return 0
        if getattr(args, "handler", None) is None:
            from app.serve import serve

            asyncio.run(serve(settings))
            return 0
        _print(asyncio.run(_run_command(settings, args)), args.json, getattr(args, "text", None))
        return 0
    except AdminError as exc:
        if args.json:
            print(json.dumps({"error": str(exc)}))
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MasterKeyError as exc:
        print(f"master key problem: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
