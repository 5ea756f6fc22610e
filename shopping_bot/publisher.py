"""The publisher: sends posts to the channel, exactly once.

Every publication starts with ``claim_post``: one UPDATE moves the row to ``publishing`` with a
token and a lease, so that two instances (or the scheduler and a "publish now") never both send
it. Each part sent is recorded at once (``record_part``) and a retry resumes after the parts
already sent, so no part goes out twice.

- The scheduler job (every PUBLISH_CHECK_SECONDS, and once at start-up in ``on_ready``):
  1. posts left in ``publishing`` by a process that died (lease expired): with every message id
     recorded they reached the channel, so they are finished as published; otherwise nobody
     knows whether the last part went out: marked failed with a reason asking the editors to
     check the channel before retrying (never posted twice silently);
  2. due posts: one never attempted and later than MISSED_POST_GRACE is marked missed and the
     admins are asked what to do; the others are claimed and sent. A refusal from Telegram is
     retried with backoff (RETRY_BASE_SECONDS * 30 * 2^attempts), and after PUBLISH_ATTEMPTS the
     post is marked failed and the admins get the reason and a retry button. When a scheduled
     post goes out, its author gets the link.
- "Publish now" (``publish_now``, from a button): claimed from draft, scheduled, failed or
  missed and sent at once, in the handler. It is one attempt, never retried in the background:
  the editor who pressed the button is waiting and sees the result; a refusal marks the post
  failed, with the reason, and the post keeps its retry button.

"The admins" of a post are the owners (AUTHORIZED_USERS) and the post's author; they are told
through the outbox (delivered even if Telegram is briefly down).
"""

from __future__ import annotations

import html
import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import TelegramError
from telegram.ext import Application

from shared.storage import utcnow
from shared.telegram_outbox import send_later
from shopping_bot import calendar, keyboards, render, texts
from shopping_bot.storage.status import PostStatus

if TYPE_CHECKING:
    from shared.scheduler import Scheduler
    from shared.services import Services

log = logging.getLogger(__name__)

BOT = "shopping"
JOB_ID = "shopping-publisher"
LEASE_SECONDS = 120.0  # a publication (at most two messages) takes far less
RETRY_FACTOR = 30  # the first retry waits RETRY_BASE_SECONDS * 30 (30 s by default)
# what "publish now" may claim
NOW_STATUSES = (PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.FAILED, PostStatus.MISSED)
TITLE_CHARS = 60
_TAG = re.compile(r"<[^>]*>")


@dataclass
class Outcome:
    """What a publication attempt did: ``status`` is "published", "failed", "retry", "busy"
    (someone else has it, or it is not in a status that allows it) or "no_channel"."""

    status: str
    post: dict[str, Any] | None = None
    link: str | None = None
    error: str | None = None


# --- small helpers shared with the handlers -----------------------------------------------------
def title_of(post: dict[str, Any]) -> str:
    """The post's title for lists and messages, HTML-escaped: its title, else the start of its
    text (tags removed)."""
    raw = (post.get("title") or "").strip()
    if not raw:
        raw = " ".join(html.unescape(_TAG.sub(" ", post.get("text") or "")).split())
    if not raw:
        return texts.NO_TITLE
    if len(raw) > TITLE_CHARS:
        raw = raw[:TITLE_CHARS - 1] + "…"
    return html.escape(raw)


def buttons_of(post: dict[str, Any]) -> list[dict[str, str]]:
    """The post's CTA buttons (``label``, ``url``) from its JSON column."""
    raw = post.get("buttons")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    if not isinstance(raw, list):
        return []
    return [{"label": str(b["label"]), "url": str(b["url"])} for b in raw
            if isinstance(b, dict) and b.get("label") and b.get("url")]


def post_link(settings: Any, post: dict[str, Any] | None) -> str | None:
    """The t.me link of a published post's first message."""
    channel = settings.shopping_channel_id
    if post is None or channel is None or not post.get("channel_message_id"):
        return None
    return render.channel_link(channel, int(post["channel_message_id"]))


class DoesNotFit(Exception):
    """The post's text no longer fits where it goes (a caption edited past 1024 characters
    after the post was scheduled): never sent, no use retrying."""


def describe(exc: BaseException) -> str:
    """Telegram's reason (``exc.message``) or the exception's name (plain text: escape it)."""
    if isinstance(exc, DoesNotFit):
        return texts.PUBLISH_DOES_NOT_FIT
    if isinstance(exc, TelegramError):
        return exc.message[:300]
    return texts.UNEXPECTED_ERROR.format(name=type(exc).__name__)


def admins_of(settings: Any, post: dict[str, Any]) -> list[int]:
    """Who is told about a post's trouble: the owners and the post's author."""
    ids = set(settings.authorized_users)
    if post.get("created_by"):
        ids.add(int(post["created_by"]))
    return sorted(ids)


def new_token(services: Services) -> str:
    return f"{services.instance}:{secrets.token_hex(8)}"[:120]


async def _tell(services: Services, chat_ids: list[int], text: str,
                markup: InlineKeyboardMarkup | None = None) -> None:
    for chat_id in chat_ids:
        await send_later(services, BOT, chat_id, text, reply_markup=markup)


# --- one publication ----------------------------------------------------------------------------
async def _send_claimed(bot: Bot, services: Services, post: dict[str, Any], token: str) -> None:
    """Send the parts of a claimed post not sent yet, recording each one at once."""
    if not render.fits(post):
        raise DoesNotFit
    repo = services.storage.shopping
    pid = int(post["id"])
    links = await repo.replace_links(pid, buttons_of(post))

    async def on_sent(part: render.Part, message: Message) -> None:
        await repo.record_part(pid, token, **{part.column: message.message_id})
        post[part.column] = message.message_id

    await render.send_post(bot, services.settings.shopping_channel_id, post, links,
                           services.settings, resume=True, on_sent=on_sent)


# how a refused publication is recorded: back to where it was (now), or retried (scheduled)
Refused = Callable[["Services", dict[str, Any], str, BaseException], Awaitable[Outcome]]


async def _send_or_refuse(bot: Bot, services: Services, post: dict[str, Any], token: str,
                          refused: Refused, failure: str) -> Outcome | None:
    """Send a claimed post: None when it is in the channel, else the outcome of ``refused``
    (which releases the claim; an unexpected failure is logged as ``failure``)."""
    try:
        await _send_claimed(bot, services, post, token)
    except (TelegramError, DoesNotFit) as exc:
        return await refused(services, post, token, exc)
    except Exception as exc:  # reason: any failure must release the claim (logged)
        log.exception(failure, extra={"post_id": int(post["id"])})
        return await refused(services, post, token, exc)
    return None


async def _published(services: Services, pid: int, token: str, user_id: int | None) -> Outcome:
    repo = services.storage.shopping
    if not await repo.finish_published(pid, token, user_id=user_id):
        log.warning("publication finished after its claim was lost", extra={"post_id": pid})
    row = await repo.get_post(pid)
    log.info("post published", extra={"post_id": pid, "by": user_id})
    return Outcome("published", row, post_link(services.settings, row))


async def publish_now(bot: Bot, services: Services, post_id: int, user_id: int,
                      statuses: tuple[str, ...] = NOW_STATUSES) -> Outcome:
    """An editor's explicit "publish now": one attempt, at once. A refusal marks the post
    failed (no background retry: the editor sees the reason and has a retry button)."""
    settings = services.settings
    repo = services.storage.shopping
    if settings.shopping_channel_id is None:
        return Outcome("no_channel")
    token = new_token(services)
    post = await repo.claim_post(post_id, token=token, lease_seconds=LEASE_SECONDS,
                                 statuses=statuses)
    if post is None:
        return Outcome("busy", await repo.get_post(post_id))
    await repo.log(post_id, "publish_now", user_id, previous_attempts=int(post["attempts"]))
    refused = await _send_or_refuse(bot, services, post, token, _refused_now,
                                    "publish now failed")
    if refused is not None:
        return refused
    return await _published(services, post_id, token, user_id)


async def _refused_now(services: Services, post: dict[str, Any], token: str,
                       exc: BaseException) -> Outcome:
    reason = describe(exc)
    pid = int(post["id"])
    log.warning("publication refused", extra={"post_id": pid, "error": type(exc).__name__})
    await services.storage.shopping.mark_failed(pid, token, error=reason)
    return Outcome("failed", await services.storage.shopping.get_post(pid), error=reason)


async def publish_scheduled(bot: Bot, services: Services, post_id: int) -> Outcome:
    """The scheduler's publication of a due post (claimed only if still due); a refusal is
    retried with backoff, then the post fails and the admins are told."""
    repo = services.storage.shopping
    token = new_token(services)
    post = await repo.claim_post(post_id, token=token, lease_seconds=LEASE_SECONDS,
                                 statuses=(PostStatus.SCHEDULED,), due_before=utcnow())
    if post is None:
        return Outcome("busy")
    refused = await _send_or_refuse(bot, services, post, token, _refused_scheduled,
                                    "scheduled publication failed")
    if refused is not None:
        return refused
    outcome = await _published(services, post_id, token, None)
    if outcome.post is not None and outcome.post.get("created_by"):
        await _tell(services, [int(outcome.post["created_by"])], texts.NOTIFY_PUBLISHED.format(
            title=title_of(outcome.post), link=outcome.link or ""))
    return outcome


async def _refused_scheduled(services: Services, post: dict[str, Any], token: str,
                             exc: BaseException) -> Outcome:
    settings = services.settings
    repo = services.storage.shopping
    pid = int(post["id"])
    reason = describe(exc)
    done = int(post["attempts"])  # attempts before this one
    log.warning("scheduled publication refused", extra={
        "post_id": pid, "attempt": done + 1, "error": type(exc).__name__})
    if done + 1 < settings.publish_attempts and not isinstance(exc, DoesNotFit):
        delay = settings.retry_base_seconds * RETRY_FACTOR * 2 ** done
        await repo.release_for_retry(pid, token, error=reason,
                                     retry_at=utcnow() + timedelta(seconds=delay))
        return Outcome("retry", error=reason)
    if await repo.mark_failed(pid, token, error=reason):
        row = await repo.get_post(pid) or post
        await _tell(services, admins_of(settings, row), texts.NOTIFY_FAILED.format(
            title=title_of(row), attempts=int(row["attempts"]), reason=html.escape(reason)),
            keyboards.post_actions(row))
    return Outcome("failed", error=reason)


# --- the job ------------------------------------------------------------------------------------
async def recover_stale(services: Services) -> int:
    """Posts left in ``publishing`` by a dead process: finished when every part has its message
    id, else failed with a reason asking to check the channel. How many were handled."""
    repo = services.storage.shopping
    settings = services.settings
    handled = 0
    for pid in await repo.stale_claims(utcnow()):
        post = await repo.get_post(pid)
        if post is None or post["status"] != PostStatus.PUBLISHING:
            continue
        token = post.get("claim_token")
        complete = all(post.get(p.column) for p in render.parts(post))
        if complete and token:
            if await repo.finish_published(pid, token):
                handled += 1
                log.info("interrupted publication had reached the channel; finished",
                         extra={"post_id": pid})
                row = await repo.get_post(pid) or post
                if row.get("created_by"):
                    await _tell(services, [int(row["created_by"])], texts.NOTIFY_PUBLISHED.format(
                        title=title_of(row), link=post_link(settings, row) or ""))
            continue
        if await repo.mark_failed(pid, token, error=texts.STALE_REASON):
            handled += 1
            log.warning("interrupted publication marked failed", extra={"post_id": pid})
            row = await repo.get_post(pid) or post
            await _tell(services, admins_of(settings, row), texts.NOTIFY_STALE.format(
                title=title_of(row), reason=html.escape(texts.STALE_REASON)),
                keyboards.post_actions(row))
    return handled


async def flag_missed(services: Services, post_id: int) -> bool:
    """Mark a never-attempted post later than MISSED_POST_GRACE missed and ask its admins."""
    settings = services.settings
    repo = services.storage.shopping
    if not await repo.mark_missed(post_id, utcnow() - settings.missed_post_grace):
        return False
    post = await repo.get_post(post_id)
    if post is None:
        return True
    log.warning("scheduled post missed", extra={"post_id": post_id})
    await _tell(services, admins_of(settings, post), texts.NOTIFY_MISSED.format(
        title=title_of(post), when=calendar.format_local(post["publish_at"], settings),
        tz=settings.channel_timezone, grace=duration(settings.missed_post_grace)),
        keyboards.post_actions(post))
    return True


def duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours and minutes:
        return texts.DURATION_HOURS_MINUTES.format(h=hours, m=minutes)
    if hours:
        return texts.DURATION_HOURS.format(h=hours)
    if minutes:
        return texts.DURATION_MINUTES.format(m=minutes)
    return texts.DURATION_SECONDS.format(s=seconds)


async def publish_due(app: Application, services: Services) -> int:
    """The job: recover interrupted publications, flag missed posts, send the due ones; how
    many posts were published."""
    if not app.running or services.settings.shopping_channel_id is None:
        return 0
    await recover_stale(services)
    published = 0
    for pid in await services.storage.shopping.due_post_ids(utcnow()):
        try:
            if await flag_missed(services, pid):
                continue
            outcome = await publish_scheduled(app.bot, services, pid)
        except Exception:  # reason: one post's trouble must not stop the others (logged)
            log.exception("publisher: could not handle a due post", extra={"post_id": pid})
            continue
        published += outcome.status == "published"
    return published


def register_jobs(scheduler: Scheduler, app: Application, services: Services) -> None:
    """Check for due posts every PUBLISH_CHECK_SECONDS (each tick runs on one instance)."""
    scheduler.every(JOB_ID, services.settings.publish_check_seconds, publish_due, app, services)


async def on_ready(app: Application, services: Services) -> None:
    """At start-up: what came due while the process was asleep (within the grace) goes out;
    older posts are flagged missed; interrupted publications are settled."""
    if services.settings.shopping_channel_id is None:
        log.warning("SHOPPING_CHANNEL_ID is not set: scheduled posts are not published")
        return
    try:
        await publish_due(app, services)
    except Exception:  # reason: start-up goes on; the job tries again shortly
        log.exception("publisher: catching up at start-up failed")


__all__ = ["Outcome", "admins_of", "buttons_of", "describe", "flag_missed",
           "on_ready", "post_link", "publish_due", "publish_now", "publish_scheduled",
           "recover_stale", "register_jobs", "title_of"]
