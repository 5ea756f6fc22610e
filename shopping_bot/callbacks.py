"""Typed callback data of the shopping bot (see ``shared.callbacks``).

Prefixes: the post actions shared by several features are defined here, with the module that
handles them; each feature adds its own below with its own first letter (compose: ``c``,
schedule/publishing/manage: ``s`` and ``m``, editors: ``e``); a prefix taken twice fails at
import.
"""

from __future__ import annotations

from typing import ClassVar

from shared.callbacks import CallbackData, callback


# --- post actions handled by handlers/compose.py ----------------------------------------------
@callback
class EditPost(CallbackData):
    """Open the edit menu of a post (back to any step)."""

    prefix: ClassVar[str] = "pe"
    post_id: int


@callback
class PreviewPost(CallbackData):
    """Show the post exactly as it will appear, with its actions."""

    prefix: ClassVar[str] = "pv"
    post_id: int


@callback
class SaveDraft(CallbackData):
    """Leave composing; the post stays where it is (a draft: in /drafts)."""

    prefix: ClassVar[str] = "pd"
    post_id: int


@callback
class DiscardPost(CallbackData):
    """Cancel composing: a post that never left the drafts is deleted."""

    prefix: ClassVar[str] = "px"
    post_id: int


# --- post actions handled by handlers/publishing.py and handlers/schedule.py ------------------
@callback
class PublishNow(CallbackData):
    """Send a draft, scheduled, failed or missed post to the channel now."""

    prefix: ClassVar[str] = "pn"
    post_id: int


@callback
class SchedulePost(CallbackData):
    """Open the calendar to (re)schedule a post."""

    prefix: ClassVar[str] = "ps"
    post_id: int


@callback
class Unschedule(CallbackData):
    """A scheduled (or failed, or missed) post goes back to the drafts."""

    prefix: ClassVar[str] = "pu"
    post_id: int


@callback
class RetryPost(CallbackData):
    """Publish a failed or missed post now."""

    prefix: ClassVar[str] = "pr"
    post_id: int


@callback
class UpdatePublished(CallbackData):
    """Apply the edited text/buttons of a published post to the channel."""

    prefix: ClassVar[str] = "pc"
    post_id: int


@callback
class DeletePost(CallbackData):
    """Delete a published post from the channel (asks for a confirmation first)."""

    prefix: ClassVar[str] = "pk"
    post_id: int


# --- editors (handlers/editors.py) ------------------------------------------------------------
@callback
class RemoveEditor(CallbackData):
    """An owner takes the editor right away from a user added from the bot (/editors)."""

    prefix: ClassVar[str] = "er"
    telegram_id: int


# --- compose (handlers/compose.py): the steps of writing a post -------------------------------
@callback
class ComposeFormat(CallbackData):
    """The format picked (``post_id`` 0 for a new post, else the post whose format changes)."""

    prefix: ClassVar[str] = "cf"
    post_id: int
    post_format: str


@callback
class ComposeText(CallbackData):
    """A choice of the text round: ok, regen, improve, own, tpl, review, or a language."""

    prefix: ClassVar[str] = "ct"
    post_id: int
    action: str


@callback
class ComposeMedia(CallbackData):
    """The kind of media: photo, video, animation or none."""

    prefix: ClassVar[str] = "cm"
    post_id: int
    kind: str


@callback
class ComposeFit(CallbackData):
    """A caption too long for its media: shorten, separate or own."""

    prefix: ClassVar[str] = "cl"
    post_id: int
    choice: str


@callback
class ComposeButtons(CallbackData):
    """The CTA step: suggested, none, done or clear."""

    prefix: ClassVar[str] = "cb"
    post_id: int
    choice: str


@callback
class ComposeTitle(CallbackData):
    """Use the title made from the first line of the text."""

    prefix: ClassVar[str] = "cn"
    post_id: int


@callback
class ComposeEdit(CallbackData):
    """The edit menu: go back to one step (format, keywords, text, media, buttons, title)."""

    prefix: ClassVar[str] = "ce"
    post_id: int
    field: str


# --- schedule / publishing / manage (handlers/schedule.py, handlers/publishing.py) ------------
@callback
class ScheduleMonth(CallbackData):
    """Show the calendar of a month (``month`` is YYYYMM)."""

    prefix: ClassVar[str] = "sm"
    post_id: int
    month: str


@callback
class ScheduleDay(CallbackData):
    """A day picked in the calendar (``day`` is YYYYMMDD): show the hours."""

    prefix: ClassVar[str] = "sd"
    post_id: int
    day: str


@callback
class ScheduleHour(CallbackData):
    """An hour picked: show the minutes (steps of 5)."""

    prefix: ClassVar[str] = "sh"
    post_id: int
    day: str
    hour: int


@callback
class ScheduleAt(CallbackData):
    """The publication time picked (``at`` is YYYYMMDDHHMM in CHANNEL_TIMEZONE)."""

    prefix: ClassVar[str] = "st"
    post_id: int
    at: str


@callback
class ScheduleNoop(CallbackData):
    """A calendar cell that does nothing (a past day, a weekday name, the month's title)."""

    prefix: ClassVar[str] = "sx"

@callback
class SchedulerCleanup(CallbackData):
    """/scheduler's "clean up": failed posts go back to the drafts."""

    prefix: ClassVar[str] = "sc"

@callback
class ManagePost(CallbackData):
    """A post's card from a list: its summary and every action."""

    prefix: ClassVar[str] = "mp"
    post_id: int


@callback
class ConfirmDelete(CallbackData):
    """The confirmation of DeletePost: delete every message of the post in the channel."""

    prefix: ClassVar[str] = "md"
    post_id: int


@callback
class KeepPost(CallbackData):
    """The "no" of the delete confirmation."""

    prefix: ClassVar[str] = "mk"
    post_id: int


# --- analytics (handlers/analytics.py): prefixes starting with a ---------------------------
@callback
class StatsPeriod(CallbackData):
    """Show the dashboard of a period (today, 7d, 30d)."""

    prefix: ClassVar[str] = "ap"
    key: str


@callback
class StatsChart(CallbackData):
    """The chart of the dashboard's period."""

    prefix: ClassVar[str] = "ac"
    key: str


@callback
class ExportKind(CallbackData):
    """What to export: posts, events or the summary."""

    prefix: ClassVar[str] = "ak"
    kind: str


@callback
class ExportPeriod(CallbackData):
    """The period of an export of ``kind``."""

    prefix: ClassVar[str] = "aq"
    kind: str
    key: str


@callback
class ExportFile(CallbackData):
    """The file of an export: CSV or JSON."""

    prefix: ClassVar[str] = "af"
    kind: str
    key: str
    fmt: str
