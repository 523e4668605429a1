"""Reminders the young person chooses: off unless they ask, on the days and at the
times they pick, and off again in one tap. No streaks, no "you missed a day"."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from core.i18n import _, clock_time, weekday_names
from flows.base import Flow, Step
from domain.context import FlowContext
from domain.reminder_times import next_occurrence, parse_time
from flows.screen import Choice, Screen, TextInput
from flows.state import State
from storage.models import Reminder, YoungPerson, new_id



def day_name(weekday: int) -> str:
    """The weekday in the young person's language, from CLDR, as a button starts it."""
    name = weekday_names()[weekday]
    return name[:1].upper() + name[1:]


def time_label(local_time: str) -> str:
    hour, minute = (int(part) for part in local_time.split(":"))
    return clock_time(hour, minute)
TIMES = ("07:30", "08:00", "12:00", "16:00", "18:00", "20:00")


def can_remind(person: YoungPerson) -> bool:
    """Reminders are only offered where they can be delivered: today that is
    Telegram. Someone who only uses the web is not offered something that never comes."""
    return person.telegram_chat_id is not None


async def reminders_of(ctx: FlowContext) -> list[Reminder]:
    return list((await ctx.session.scalars(
        select(Reminder).where(Reminder.young_person_id == ctx.person.id).order_by(Reminder.weekday)
    )).all())


async def set_reminder(ctx: FlowContext, weekday: int, local_time: str | None) -> None:
    """Set (or, with None, remove) the reminder for one day of the week."""
    await ctx.session.execute(delete(Reminder).where(
        Reminder.young_person_id == ctx.person.id, Reminder.weekday == weekday))
    if local_time is None:
        return
    tz = ZoneInfo((await ctx.service()).timezone)
    now = ctx.clock.now()
    ctx.session.add(Reminder(
        id=new_id(), young_person_id=ctx.person.id, weekday=weekday, local_time=local_time,
        next_due_at=next_occurrence(weekday, local_time, tz, now), created_at=now,
    ))


class RemindersFlow(Flow):
    name = "reminders"

    def begin(self, ctx: FlowContext) -> State:
        return State(self.name, "menu")

    async def render(self, ctx: FlowContext, state: State) -> Screen:
        if state.step == "day":
            return Screen(
                name="reminders.day",
                text=_("Which day?"),
                choices=tuple(Choice(f"d:{i}", day_name(i)) for i in range(7))
                + (Choice("back", _("Back")),),
                columns=2,
            )
        if state.step == "time":
            day = day_name(state.data["day"])
            return Screen(
                name="reminders.time",
                text=_("What time on {day}? Tap one, or type a time like 16:30.").format(day=day),
                choices=tuple(Choice(f"t:{t}", time_label(t)) for t in TIMES)
                + (Choice("none", _("No reminder on {day}").format(day=day)),),
                columns=3,
                text_input=TextInput(5, _("A time, like 16:30")),
            )
        current = await reminders_of(ctx)
        if current:
            lines = [_("You will get a gentle reminder on:")] + [
                f"\u2022 {day_name(r.weekday)} {time_label(r.local_time)}" for r in current]
            lines.append(_("It's always fine to skip."))
            choices = (Choice("add", _("Add or change a day"), primary=True),
                       Choice("off", _("Turn reminders off")), Choice("home", _("Done")))
        else:
            lines = [_("Reminders are off."),
                     _("If you like, we can send you a gentle reminder on the days and at the "
                       "times you choose. It's always fine to skip.")]
            choices = (Choice("add", _("Choose a day"), primary=True),  # type: ignore[assignment]
                       Choice("home", _("Done")))
        return Screen(name="reminders", text="\n\n".join(lines), choices=choices)

    async def on_tap(self, ctx: FlowContext, state: State, choice: str) -> Step:
        if choice == "home":
            return Step(None)
        if choice == "off":
            await ctx.session.execute(
                delete(Reminder).where(Reminder.young_person_id == ctx.person.id))
            return Step(None, lead=_("Reminders are off. You can turn them on again any time."))
        if choice in ("add", "back"):
            return Step(State(self.name, "day" if choice == "add" else "menu"))
        if choice.startswith("d:"):
            return Step(State(self.name, "time", {"day": int(choice[2:])}))
        local_time = None if choice == "none" else choice[2:]
        return await self._save(ctx, state, local_time)

    async def on_words(self, ctx: FlowContext, state: State, text: str) -> Step | None:
        if state.step != "time":
            return None
        local_time = parse_time(text)
        if local_time is None:
            return Step(state, notice=_("Sorry, I didn't get that time. Try something like 16:30."))
        return await self._save(ctx, state, local_time)

    async def _save(self, ctx: FlowContext, state: State, local_time: str | None) -> Step:
        await set_reminder(ctx, state.data["day"], local_time)
        return Step(State(self.name, "menu"))
