"""Everything a person sends the bot: linking, young people's check-ins, keyworkers'
"Seen" taps, and a polite refusal for strangers."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import _, set_locale
from bot.callbacks import DONE, SeenCheckIn, TakeAlert
from bot.filters import private_chat
from domain.identity import Identity
from bot.keyboards import parse_callback
from bot.render import queue_reply
from bot.replies import text_step
from bot.unit_of_work import Outgoing
from flows import inputs
from core.names import first_name
from domain.context import FlowContext, Services
from flows.conversation import COMMANDS, Conversation
from domain.linking import link_telegram
from domain.staff import acknowledge_checkin
from core.i18n import normalise_locale
from safeguarding.taking import take_alert

if TYPE_CHECKING:
    from storage.models import YoungPerson

log = logging.getLogger(__name__)


def _stranger_reply(outgoing: Outgoing, chat_id: int) -> None:
    text = _(
        "This is a private service. If someone gave you a link, please open it again "
        "or ask them for a new one."
    )
    outgoing.append(text_step(chat_id, text))


async def _converse(
    session: AsyncSession,
    services: Services,
    person: YoungPerson,
    event: inputs.Input,
    outgoing: Outgoing,
    chat_id: int,
    *,
    callback_id: str | None = None,
    tapped_message_id: int | None = None,
    language_off: bool | None = None,
) -> None:
    ctx = FlowContext(session=session, services=services, person=person, channel="telegram",
                      language_off=language_off)
    reply = await Conversation(ctx).handle(event)
    queue_reply(outgoing, reply, chat_id, callback_id=callback_id,
                tapped_message_id=tapped_message_id, owner=person.id)


async def start_with_code(
    message: Message, command: CommandObject, session: AsyncSession, services: Services,
    outgoing: Outgoing, who: Identity,
) -> None:
    assert message.from_user is not None
    result = await link_telegram(
        session, command.args or "", user_id=message.from_user.id, chat_id=message.chat.id,
        now=services.clock.now(),
    )
    chat_id = message.chat.id
    if result.problem is not None:
        if who.young_person is not None:
            # A linked young person re-opening an old link just carries on.
            await _converse(session, services, who.young_person, inputs.Command("start"),
                            outgoing, chat_id)
            return
        text = _(
            "This link has already been used or is not valid. Please ask the person who sent it "
            "for a new one."
        )
        outgoing.append(text_step(chat_id, text))
        return
    if result.staff is not None:
        staff = result.staff
        set_locale(staff.locale)  # linked just now, by this very update
        text = _(
            "Hello {name}! Your Telegram is now linked to Heard. Check-ins from the young people "
            "you key-work will arrive here, each with a \u201cSeen\u201d button."
        ).format(name=first_name(staff.name))
        outgoing.append(text_step(chat_id, text))
        return
    person = result.young_person
    assert person is not None
    if message.from_user.language_code and person.consented_at is None:

        person.locale = normalise_locale(message.from_user.language_code)
    await _converse(session, services, person, inputs.Command("start"), outgoing, chat_id)


async def any_message(
    message: Message, session: AsyncSession, services: Services, outgoing: Outgoing,
    who: Identity,
) -> None:
    chat_id = message.chat.id
    if who.young_person is not None:
        await _converse(session, services, who.young_person, _as_input(message), outgoing,
                        chat_id, language_off=who.language_off)
        return
    if who.staff is not None:
        text = _(
            "Check-ins from the young people you key-work arrive here. Tap \u201cSeen\u201d on "
            "each one so they know you have seen it."
        )
        outgoing.append(text_step(chat_id, text))
        return
    _stranger_reply(outgoing, chat_id)


def _as_input(message: Message) -> inputs.Input:
    if message.text is not None:
        text = message.text.strip()
        if text.startswith("/"):
            name = text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""
            return inputs.Command(name if name in COMMANDS else "home")
        return inputs.Words(text)
    for kind in ("sticker", "photo", "voice", "video", "video_note", "document", "audio",
                 "animation", "location", "contact"):
        if getattr(message, kind, None):
            return inputs.Unusable(kind)
    return inputs.Unusable("other")


async def any_tap(
    query: CallbackQuery, session: AsyncSession, services: Services, outgoing: Outgoing,
    who: Identity,
) -> None:
    callback_id = query.id
    chat_id = query.message.chat.id if query.message else query.from_user.id
    message_id = query.message.message_id if query.message else None
    parsed = parse_callback(query.data)
    if who.young_person is None or parsed is None:
        text = _("That button doesn't work any more.")
        outgoing.append(lambda bot: bot.answer_callback_query(callback_id, text=text))
        return
    await _converse(
        session, services, who.young_person, inputs.Tap(*parsed), outgoing, chat_id,
        callback_id=callback_id, tapped_message_id=message_id, language_off=who.language_off,
    )


def _staff_answer(
    outgoing: Outgoing, query: CallbackQuery, note: str, *, done_label: str | None,
    done_data: str, show_alert: bool = False,
) -> None:
    """Answer a staff tap and, when it changed something, turn its button into a
    plain record of who did it (so the button cannot be pressed twice)."""
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    callback_id = query.id
    outgoing.append(
        lambda bot: bot.answer_callback_query(callback_id, text=note, show_alert=show_alert)
    )
    if query.message is None or done_label is None:
        return
    chat_id, message_id = query.message.chat.id, query.message.message_id
    done = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=done_label, callback_data=done_data)]]
    )
    outgoing.append(
        lambda bot: bot.edit_message_reply_markup(
            chat_id=chat_id, message_id=message_id, reply_markup=done
        )
    )


async def seen_tap(
    query: CallbackQuery, callback_data: SeenCheckIn, session: AsyncSession,
    services: Services, outgoing: Outgoing, who: Identity,
) -> None:
    """"Seen ✔" under a check-in: the keyworker acknowledges it."""
    staff = who.staff
    if staff is None:
        await any_tap(query, session, services, outgoing, who)  # not staff: refused kindly
        return
    checkin_id = callback_data.checkin
    result = await acknowledge_checkin(session, services.vault, staff, checkin_id, services.clock.now())
    if not result.ok:
        _staff_answer(outgoing, query, _("That button doesn't work any more."),
                      done_label=None, done_data="")
    elif result.already:
        _staff_answer(outgoing, query, _("Already marked seen by {name}.").format(name=result.by),
                      done_label=None, done_data="")
    else:
        _staff_answer(outgoing, query, _("Thank you. They will be told you have seen it."),
                      done_label=_("\u2714 Seen by {name}").format(name=result.by),
                      done_data=SeenCheckIn(checkin=DONE).pack())


async def take_tap(
    query: CallbackQuery, callback_data: TakeAlert, session: AsyncSession,
    services: Services, outgoing: Outgoing, who: Identity,
) -> None:
    """ "I'm on it" on an urgent alert: the first tap takes it, later taps learn who did."""
    staff = who.staff
    if staff is None:
        await any_tap(query, session, services, outgoing, who)  # not staff: refused kindly
        return
    alert_id = callback_data.alert
    result = await take_alert(session, services.vault, staff, alert_id, services.clock.now())
    if not result.ok:
        _staff_answer(outgoing, query, _("That button doesn't work any more."),
                      done_label=None, done_data="")
        return
    holder = result.by or "?"
    note = (
        _("{name} is already on it.").format(name=holder)
        if result.already
        else _("Thank you. Everyone else who was told will know you are on it.")
    )
    _staff_answer(outgoing, query, note, show_alert=True, done_data=TakeAlert(alert=DONE).pack(),
                  done_label=_("\u2714 {name} is on it").format(name=holder))


def make_router() -> Router:
    """A fresh router per dispatcher (a router can belong to only one)."""
    router = Router(name="conversation")
    router.message.register(start_with_code, CommandStart(deep_link=True), private_chat)
    router.message.register(any_message, private_chat)
    router.callback_query.register(seen_tap, SeenCheckIn.filter())
    router.callback_query.register(take_tap, TakeAlert.filter())
    router.callback_query.register(any_tap)
    return router
