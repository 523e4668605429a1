"""``python run.py``: the web app, the Telegram channel (when a token is set) and the
outbox sender, in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import timedelta

from aiohttp import web

from app.scheduler import run_forever
from bot.factory import make_bot, make_dispatcher, register_commands
from bot.transport import TelegramTransport
from cards.text import problems as text_in_pictures_problems
from core.clock import Clock
from core.config import Settings
from domain.runtime import Runtime
from domain.strips import render_picture
from outbox.email import SmtpTransport
from outbox.sender import Sender, SenderSettings
from safeguarding.reach import services_without_reach
from storage.repositories import set_meta
from web.access_log import RUNNER_OPTIONS
from web.app import init_app
from web.my_data_routes import my_data_pdf_or_none
from web.next_home_routes import booklet_pdf_or_none

log = logging.getLogger("heard")


async def remember_bot_username(runtime: Runtime, bot) -> str:
    me = await bot.get_me()
    async with runtime.db.transaction() as session:
        await set_meta(session, "bot_username", me.username or "")
    return me.username or ""


async def set_webhook_once(runtime: Runtime, bot, allowed_updates: list[str] | None = None,
                           ) -> None:
    """Only one of several processes calls setWebhook (Telegram rate-limits it).
    ``allowed_updates``: the update types the dispatcher handles, nothing else."""
    settings = runtime.settings
    assert settings.webhook_url
    if settings.redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.redis_url)
        try:
            if not await redis.set(f"{settings.redis_prefix}set-webhook", "1", nx=True, ex=60):
                log.info("another process is setting the webhook")
                return
        finally:
            await redis.aclose()
    await bot.set_webhook(
        settings.webhook_url, secret_token=settings.webhook_secret, drop_pending_updates=False,
        allowed_updates=allowed_updates,
    )


def make_sender(runtime: Runtime, bot):
    """The outbox sender with a transport for every route this process has:
    Telegram when ``bot`` is given, email when mail is configured."""
    s = runtime.settings
    transport = None
    if bot is not None:
        transport = TelegramTransport(
            bot, lambda spec: render_picture(runtime.db, runtime.vault, spec,
                                             draw_booklet=booklet_pdf_or_none,
                                             draw_my_data=my_data_pdf_or_none,
                                             now=runtime.clock.now()))
    routes = {}
    if s.mail_enabled:
        assert s.smtp_url and s.mail_from
        routes["email"] = SmtpTransport(s.smtp_url, s.mail_from)
    return Sender(
        runtime.db, runtime.vault, transport, runtime.clock,
        SenderSettings(rate_global=s.send_rate_global, rate_per_chat=s.send_rate_per_chat,
                       give_up_after=timedelta(hours=s.send_give_up_hours),
                       lease=timedelta(seconds=s.send_lease_seconds),
                       concurrency=s.send_concurrency),
        routes=routes,
    )


async def warn_unreachable_services(runtime: Runtime) -> dict[str, list[str]]:
    """One warning per service where an urgent alert could reach nobody."""
    async with runtime.db.transaction(read_only=True) as session:
        found = await services_without_reach(session)
    for service, people in found.items():
        log.warning(
            "service %r: urgent alerts of %d young person(s) could reach NOBODY (no keyworker, "
            "on-call staff, lead or admin on Telegram or email). See: python run.py admin "
            "check --service %r", service, len(people), service)
    return found


async def _schedule(runtime: Runtime, stop: asyncio.Event, sender) -> None:
    await run_forever(runtime.db, runtime.vault, runtime.clock, stop,
                      every=runtime.settings.schedule_poll_seconds)


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)


def _reload_keys_on_sighup(runtime: Runtime) -> None:
    """``kill -HUP`` re-reads the master key file at once (it is also re-read by
    itself when it changes: on an unknown key id, and on every scheduler pass)."""
    with contextlib.suppress(NotImplementedError, RuntimeError):
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGHUP, lambda: runtime.vault.keys.refresh(force=True))


async def work(settings: Settings) -> None:
    """Only deliver and schedule: an extra process beside ``serve`` at scale."""
    stop = asyncio.Event()
    _stop_on_signals(stop)
    async with contextlib.AsyncExitStack() as cleanup:
        runtime = await Runtime.open(settings)
        cleanup.push_async_callback(runtime.close)
        _reload_keys_on_sighup(runtime)
        bot = make_bot(settings) if settings.telegram_enabled else None
        if bot is not None:
            cleanup.push_async_callback(bot.session.close)
        sender = make_sender(runtime, bot)
        log.info("outbox worker %s started", sender.worker_id)
        await asyncio.gather(sender.run_forever(stop), _schedule(runtime, stop, sender))


async def serve(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    clock: Clock | None = None,
    started: asyncio.Future[web.AppRunner] | None = None,
) -> None:
    """Run until SIGINT/SIGTERM (or until ``stop`` is set, for tests and embedding)."""
    if stop is None:
        stop = asyncio.Event()
        _stop_on_signals(stop)
    tasks: list[asyncio.Task[None]] = []
    async with contextlib.AsyncExitStack() as cleanup:
        runtime = await Runtime.open(settings, clock=clock)
        cleanup.push_async_callback(runtime.close)
        _reload_keys_on_sighup(runtime)
        await warn_unreachable_services(runtime)
        bot = dispatcher = sender = None
        if settings.telegram_enabled:
            bot = make_bot(settings)
            cleanup.push_async_callback(bot.session.close)
            sender = make_sender(runtime, bot)
            dispatcher = make_dispatcher(runtime.db, runtime.services)
            username = await remember_bot_username(runtime, bot)
            await register_commands(bot)
            log.info("Telegram channel on as @%s", username)
            tasks.append(asyncio.create_task(sender.run_forever(stop), name="outbox-sender"))
        else:
            log.warning("Telegram is off: HEARD_BOT_TOKEN is not set. The web app still serves.")
        if settings.mail_enabled:
            log.info("email is on: alerts and staff notices also go by email")
            if sender is None:
                sender = make_sender(runtime, None)
                tasks.append(asyncio.create_task(sender.run_forever(stop), name="outbox-sender"))
        tasks.append(asyncio.create_task(_schedule(runtime, stop, sender), name="scheduler"))

        app = init_app(runtime, bot=bot, dispatcher=dispatcher)
        runner = web.AppRunner(app, **RUNNER_OPTIONS)
        await runner.setup()
        cleanup.push_async_callback(runner.cleanup)
        site = web.TCPSite(runner, settings.web_host, settings.web_port)
        await site.start()
        log.info("web app on http://%s:%s", settings.web_host, settings.web_port)
        for problem in text_in_pictures_problems():
            log.warning("%s", problem)

        if bot is not None and dispatcher is not None:
            if settings.webhook_url:
                await set_webhook_once(runtime, bot, dispatcher.resolve_used_update_types())
            else:
                await bot.delete_webhook(drop_pending_updates=False)
                tasks.append(asyncio.create_task(
                    dispatcher.start_polling(
                        bot, handle_signals=False, close_bot_session=False,
                        allowed_updates=dispatcher.resolve_used_update_types()),
                    name="telegram-polling",
                ))
        if started is not None:
            started.set_result(runner)
        try:
            await stop.wait()
        finally:
            log.info("stopping")
            stop.set()
            if dispatcher is not None and not settings.webhook_url:
                with contextlib.suppress(RuntimeError):
                    await dispatcher.stop_polling()
            await asyncio.gather(*tasks, return_exceptions=True)
