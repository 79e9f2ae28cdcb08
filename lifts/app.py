"""The composition root: builds the engine, the channels, the ASGI app and the scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from booking.geo.geocoder import Geocoder
from booking.intake.inbox import Envelope
from booking.messaging.dispatch import Dispatcher, DispatchReport, Pacer, record_delivery
from booking.messaging.sending import Sender
from booking.reports.impact import Impact
from bot.channels.sms import SmsSender, SmsWebhook
from bot.channels.telegram import (
    ALLOWED_UPDATES,
    TelegramChannel,
    TelegramSender,
    build_application,
)
from bot.channels.voice import VoiceSender, VoiceWebhook
from bot.channels.whatsapp import WhatsAppSender
from bot.conversation import Answer, answer, delivered
from bot.messages import Inbound
from lifts import logs
from lifts.providers import geocoder, system_clock, travel
from lifts.settings import Settings
from scheduler.jobs import (
    DISPATCH_JOB_ID,
    SHARED,
    add_interval,
    add_shared_store,
    build_scheduler,
    register,
    remove_shared_store,
    unregister,
)
from scheduler.leader import Leadership
from scheduler.ticks import Ticks
from storage.db import make_engine
from storage.tables import OutboxMessage
from web.app import console_app, redirect_to_console
from web.context import Console, ConsoleConfig

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
PLAN_JOBS_ID = "planning:requests"
STANDING_ID = "standing-bookings"  # a standing booking's next lifts, made ahead
PLAN_JOBS_EVERY = 2.0  # seconds: a coordinator's "plan now" starts within this
# Every ten planning ticks (10 min): message words swept; each scheme's purge once a day.
RETENTION_ID = "privacy:retention"
VOICE_CALLS_PER_SECOND = 1.0  # Twilio's default calls-per-second for an account


@dataclass
class Lifts:
    """Everything wired together for one process."""

    settings: Settings
    engine: Engine
    clock: Clock = system_clock
    telegram: TelegramChannel | None = None
    senders: dict[str, Sender] = field(default_factory=dict)
    ticks: Ticks | None = None
    dispatcher: Dispatcher | None = None
    leadership: Leadership | None = None
    geocoder: Geocoder | None = None  # None: offline (GEOCODER=offline)

    @property
    def owner(self) -> str:
        """This app's name in the scheduler registry: its database (plain text, no password)."""
        return self.engine.url.render_as_string(hide_password=True)

    async def converse(self, env: Envelope, inbound: Inbound) -> Answer:
        """Handle one inbound message off the event loop (the core is synchronous)."""
        return await asyncio.to_thread(answer, self.engine, env, inbound, now=self.clock(),
                                       default_scheme=self.settings.default_scheme,
                                       geocoder=self.geocoder)

    async def delivered(self, owed: list[int], provider_ids: list[str] | None = None) -> None:
        """The webhook's answer went out: those replies need not be sent again."""
        if owed:
            await asyncio.to_thread(delivered, self.engine, owed, self.clock(), provider_ids)

    async def dispatch(self) -> DispatchReport:
        """Send whatever the outbox has due."""
        if self.dispatcher is None:
            self.dispatcher = Dispatcher(
                self.engine, self.senders, pacers=pacers(self.settings),
                claim_timeout=timedelta(seconds=self.settings.outbox_claim_timeout_seconds))
        return await self.dispatcher.run(self.clock)

    async def delivery_report(self, sid: str, status: str, error_code: str,
                              message_id: int | None = None) -> None:
        """Twilio told us how a text fared; undelivered texts fall back and alert."""
        await asyncio.to_thread(record_delivery, self.engine, sid, status, error_code,
                                self.clock(), message_id)


def console(lifts: Lifts) -> Console:
    """The coordinators' console with this process's database, clock and settings."""
    settings = lifts.settings
    secret = settings.session_secret or _PROCESS_SECRET
    config = ConsoleConfig(
        secret=secret.encode(), secure_cookies=settings.app_env != "development",
        idle=timedelta(minutes=settings.console_idle_minutes), tile_url=settings.map_tile_url,
        tile_attribution=settings.map_tile_attribution,
        report_chart=report_png, report_csv=report_csv,
        poll_seconds=settings.console_refresh_seconds)
    return Console(lifts.engine, config, lifts.clock)


# Development only (production requires SESSION_SECRET): sessions end when the process does.
_PROCESS_SECRET = secrets.token_urlsafe(32)


def report_png(figures: Impact, title: str) -> bytes:
    """The impact chart of `lifts report`, as PNG bytes for the console."""
    from lifts.report import write_chart  # matplotlib: loaded only when a chart is asked for

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chart.png"
        write_chart(figures, path, title)
        return path.read_bytes()


def report_csv(figures: Impact) -> str:
    """The impact CSV of `lifts report`, as text for the console's download."""
    from lifts.report import write_csv

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.csv"
        write_csv(figures, path)
        return path.read_text()


def pacers(settings: Settings) -> dict[str, Pacer]:
    """Per-process send rates: the configured totals shared among the worker processes."""
    share = settings.workers
    return {"telegram": Pacer(settings.telegram_rate_per_second / share, per_address=1.0),
            "sms": Pacer(settings.sms_rate_per_second / share),
            "whatsapp": Pacer(settings.sms_rate_per_second / share),
            "voice": Pacer(VOICE_CALLS_PER_SECOND / share)}


def build(settings: Settings, *, clock: Clock = system_clock, engine: Engine | None = None,
          polling: bool | None = None) -> Lifts:
    """Wire the process from settings. Nothing here talks to the network yet."""
    lifts = Lifts(settings, engine or make_engine(settings.database_url), clock)
    lifts.ticks = Ticks(lifts.engine, clock, travel(settings).matrices,
                        time_limit=settings.planner_time_limit)
    lifts.geocoder = geocoder(settings)
    if settings.telegram_enabled:
        use_polling = not settings.public_base_url if polling is None else polling
        application = build_application(settings.telegram_bot_token,
                                        settings.telegram_api_base_url, polling=use_polling)
        lifts.telegram = TelegramChannel(application, converse=lifts.converse,
                                         delivered=lifts.delivered,
                                         webhook_secret=settings.telegram_webhook_secret)
        lifts.senders["telegram"] = TelegramSender(application.bot)
    if settings.sms_enabled:
        callback = f"{settings.public_base_url}/sms/status" if settings.public_base_url else ""
        lifts.senders["sms"] = SmsSender(
            account_sid=settings.twilio_account_sid, auth_token=settings.twilio_auth_token,
            from_number=settings.twilio_from_number,
            api_base_url=settings.twilio_api_base_url, status_callback=callback)
    if settings.voice_enabled:
        lifts.senders["voice"] = VoiceSender(
            account_sid=settings.twilio_account_sid, auth_token=settings.twilio_auth_token,
            from_number=settings.twilio_voice_from or settings.twilio_from_number,
            public_base_url=settings.public_base_url,
            api_base_url=settings.twilio_api_base_url,
            fixed_from=bool(settings.twilio_voice_from))
    if settings.whatsapp_enabled:
        callback = f"{settings.public_base_url}/sms/status" if settings.public_base_url else ""
        lifts.senders["whatsapp"] = WhatsAppSender(
            account_sid=settings.twilio_account_sid, auth_token=settings.twilio_auth_token,
            from_number=settings.twilio_whatsapp_from,
            api_base_url=settings.twilio_api_base_url, status_callback=callback)
    return lifts


def from_environment() -> Starlette:
    """The app from the environment's settings (each `lifts serve --workers N` process)."""
    settings = Settings()
    logs.configure(settings.log_level, secrets=settings.secrets)
    return asgi(build(settings))


def asgi(lifts: Lifts, *, run_scheduler: bool = True, dispatch_every: float | None = None,
         plan_every: float = 60.0) -> Starlette:
    """The ASGI app: webhooks, health, and the background work tied to its lifespan.

    Every process dispatches the outbox; the timed jobs run in the elected leader only.
    """
    sms = SmsWebhook(auth_token=lifts.settings.twilio_auth_token,
                     public_base_url=lifts.settings.public_base_url,
                     converse=lifts.converse, on_status=lifts.delivery_report,
                     delivered=lifts.delivered)
    voice_sender = lifts.senders.get("voice")
    voice = VoiceWebhook(forms=sms.forms, engine=lifts.engine, clock=lifts.clock,
                         sender=voice_sender if isinstance(voice_sender, VoiceSender) else None)
    every = dispatch_every or lifts.settings.dispatch_every_seconds

    async def healthz(_request: Request) -> Response:
        overdue = await asyncio.to_thread(_oldest_overdue_seconds, lifts.engine, lifts.clock())
        leadership = lifts.leadership
        return JSONResponse({"status": "ok", "oldest_overdue_seconds": overdue,
                             "scheduler": {
                                 "running": leadership is not None,
                                 "leader": bool(leadership and leadership.leader),
                                 "election": leadership.backend if leadership else None},
                             "telegram": lifts.telegram is not None,
                             "sms": "sms" in lifts.senders,
                             "whatsapp": "whatsapp" in lifts.senders,
                             "voice": "voice" in lifts.senders})

    async def telegram_webhook(request: Request) -> Response:
        if lifts.telegram is None:
            return Response("telegram is not configured", status_code=404)
        return await lifts.telegram.webhook(request)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        _say_channels(lifts.settings)
        async with contextlib.AsyncExitStack() as stack:
            if lifts.telegram is not None:
                await _start_telegram(lifts, stack)
            if run_scheduler:
                await _start_scheduler(lifts, stack, dispatch_every=every,
                                       plan_every=plan_every)
            yield

    return Starlette(routes=[
        Route("/healthz", healthz, methods=["GET"]),
        Route("/telegram/webhook", telegram_webhook, methods=["POST"]),
        Route("/sms/inbound", sms.inbound, methods=["POST"]),
        Route("/sms/status", sms.status, methods=["POST"]),
        Route("/voice/call", voice.call, methods=["POST"]),
        Route("/voice/answer", voice.answer, methods=["POST"]),
        Route("/voice/amd", voice.amd, methods=["POST"]),
        Route("/voice/status", voice.status, methods=["POST"]),
        Route("/console", redirect_to_console, methods=["GET"]),
        Mount("/console", console_app(console(lifts))),
    ], lifespan=lifespan)


async def _start_scheduler(lifts: Lifts, stack: contextlib.AsyncExitStack, *,
                           dispatch_every: float, plan_every: float) -> None:
    owner = lifts.owner
    register(owner, DISPATCH_JOB_ID, lifts.dispatch)
    timed: dict[str, float] = {}
    if lifts.ticks is not None:  # coordinators' plans: every process may run one
        register(owner, PLAN_JOBS_ID, lifts.ticks.planning_requests)
        register(owner, "planning", lifts.ticks.plan_due_days)
        register(owner, "offers:expire", lifts.ticks.expire_offers)
        register(owner, "early-warning", lifts.ticks.early_warnings)
        register(owner, "daily-messages", lifts.ticks.daily_messages)
        register(owner, RETENTION_ID, lifts.ticks.retention)
        register(owner, STANDING_ID, lifts.ticks.standing_bookings)
        timed = {"planning": plan_every, "offers:expire": max(1.0, plan_every / 2),
                 "early-warning": plan_every * 5, "daily-messages": plan_every * 5,
                 RETENTION_ID: plan_every * 10, STANDING_ID: plan_every * 5}
    stack.callback(unregister, owner)
    scheduler = build_scheduler(lifts.settings.tz)
    add_interval(scheduler, owner, DISPATCH_JOB_ID, every_seconds=dispatch_every)
    if lifts.ticks is not None:
        add_interval(scheduler, owner, PLAN_JOBS_ID, every_seconds=PLAN_JOBS_EVERY)
    scheduler.start()
    stack.callback(scheduler.shutdown, wait=False)

    async def elected() -> None:
        await asyncio.to_thread(add_shared_store, scheduler, lifts.engine)
        for name, seconds in timed.items():
            add_interval(scheduler, owner, name, every_seconds=seconds, jobstore=SHARED)

    async def deposed() -> None:
        remove_shared_store(scheduler)

    lifts.leadership = Leadership(lifts.engine, elected, deposed)
    stop = asyncio.Event()
    campaign = asyncio.create_task(lifts.leadership.run(stop))

    async def step_down() -> None:
        stop.set()
        await campaign

    stack.push_async_callback(step_down)


async def _start_telegram(lifts: Lifts, stack: contextlib.AsyncExitStack) -> None:
    assert lifts.telegram is not None
    application: Any = lifts.telegram.application
    await application.initialize()
    stack.push_async_callback(application.shutdown)
    await application.start()
    stack.push_async_callback(application.stop)
    settings = lifts.settings
    if application.updater is not None:
        await application.updater.start_polling(drop_pending_updates=False,
                                                allowed_updates=ALLOWED_UPDATES)
        stack.push_async_callback(application.updater.stop)
        log.info("Telegram: long polling (no PUBLIC_BASE_URL)")
    elif settings.public_base_url:
        await application.bot.set_webhook(
            url=f"{settings.public_base_url}/telegram/webhook",
            secret_token=settings.telegram_webhook_secret or None,
            allowed_updates=ALLOWED_UPDATES)
        log.info("Telegram: webhook set")


def _say_channels(settings: Settings) -> None:
    """One line each at start-up: which channels are on, and why one is off."""
    log.info("Telegram: %s", "on" if settings.telegram_enabled
             else "off (no TELEGRAM_BOT_TOKEN)")
    log.info("SMS: %s", "on" if settings.sms_enabled else
             "off (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER not all set)")
    log.info("WhatsApp: %s", "on" if settings.whatsapp_enabled else
             "off (no TWILIO_WHATSAPP_FROM)")
    log.info("Calls: %s", "on" if settings.voice_enabled else
             "off (needs the Twilio account, a number and PUBLIC_BASE_URL)")


def _oldest_overdue_seconds(engine: Engine, now: datetime) -> float:
    with Session(engine) as session:
        oldest = session.exec(select(func.min(OutboxMessage.due_at)).where(
            OutboxMessage.status == "pending", OutboxMessage.due_at <= now)).one()
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return round((now - oldest).total_seconds(), 1)
