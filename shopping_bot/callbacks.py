"""Typed callback data of the shopping bot (see ``shared.callbacks``).

Prefixes: the post actions shared by several features are defined here, with the module that
handles them; each feature adds its own below with its own first letter (compose: ``c``,
schedule/publishing/manage: ``s`` and ``m``, editors: ``e``); a prefix taken twice fails at
import.
"""

from __future__ import annotations

from shared.callbacks import CallbackData


# --- post actions handled by handlers/compose.py ----------------------------------------------
class EditPost(CallbackData, prefix="pe"):
    """Open the edit menu of a post (back to any step)."""

    post_id: int


class PreviewPost(CallbackData, prefix="pv"):
    """Show the post exactly as it will appear, with its actions."""

    post_id: int


class SaveDraft(CallbackData, prefix="pd"):
    """Leave composing; the post stays where it is (a draft: in /drafts)."""

    post_id: int


class DiscardPost(CallbackData, prefix="px"):
    """Cancel composing: a post that never left the drafts is deleted."""

    post_id: int


# --- post actions handled by handlers/publishing.py and handlers/schedule.py ------------------
class PublishNow(CallbackData, prefix="pn"):
    """Send a draft, scheduled, failed or missed post to the channel now."""

    post_id: int


class SchedulePost(CallbackData, prefix="ps"):
    """Open the calendar to (re)schedule a post."""

    post_id: int


class Unschedule(CallbackData, prefix="pu"):
    """A scheduled (or failed, or missed) post goes back to the drafts."""

    post_id: int


class RetryPost(CallbackData, prefix="pr"):
    """Publish a failed or missed post now."""

    post_id: int


class UpdatePublished(CallbackData, prefix="pc"):
    """Apply the edited text/buttons of a published post to the channel."""

    post_id: int


class DeletePost(CallbackData, prefix="pk"):
    """Delete a published post from the channel (asks for a confirmation first)."""

    post_id: int


# --- editors (handlers/editors.py) ------------------------------------------------------------
class RemoveEditor(CallbackData, prefix="er"):
    """An owner takes the editor right away from a user added from the bot (/editors)."""

    telegram_id: int


# --- compose (handlers/compose.py): the steps of writing a post -------------------------------
class ComposeFormat(CallbackData, prefix="cf"):
    """The format picked (``post_id`` 0 for a new post, else the post whose format changes)."""

    post_id: int
    post_format: str


class ComposeText(CallbackData, prefix="ct"):
    """A choice of the text round: ok, regen, improve, own, tpl, review, or a language."""

    post_id: int
    action: str


class ComposeMedia(CallbackData, prefix="cm"):
    """The kind of media: photo, video, animation or none."""

    post_id: int
    kind: str


class ComposeFit(CallbackData, prefix="cl"):
    """A caption too long for its media: shorten, separate or own."""

    post_id: int
    choice: str


class ComposeButtons(CallbackData, prefix="cb"):
    """The CTA step: suggested, none, done or clear."""

    post_id: int
    choice: str


class ComposeTitle(CallbackData, prefix="cn"):
    """Use the title made from the first line of the text."""

    post_id: int


class ComposeEdit(CallbackData, prefix="ce"):
    """The edit menu: go back to one step (format, keywords, text, media, buttons, title)."""

    post_id: int
    field: str


# --- schedule / publishing / manage (handlers/schedule.py, handlers/publishing.py) ------------
class ScheduleMonth(CallbackData, prefix="sm"):
    """Show the calendar of a month (``month`` is YYYYMM)."""

    post_id: int
    month: str


class ScheduleDay(CallbackData, prefix="sd"):
    """A day picked in the calendar (``day`` is YYYYMMDD): show the hours."""

    post_id: int
    day: str


class ScheduleHour(CallbackData, prefix="sh"):
    """An hour picked: show the minutes (steps of 5)."""

    post_id: int
    day: str
    hour: int


class ScheduleAt(CallbackData, prefix="st"):
    """The publication time picked (``at`` is YYYYMMDDHHMM in CHANNEL_TIMEZONE)."""

    post_id: int
    at: str


class ScheduleNoop(CallbackData, prefix="sx"):
    """A calendar cell that does nothing (a past day, a weekday name, the month's title)."""


class SchedulerCleanup(CallbackData, prefix="sc"):
    """/scheduler's "clean up": failed posts go back to the drafts."""


class ManagePost(CallbackData, prefix="mp"):
    """A post's card from a list: its summary and every action."""

    post_id: int


class ConfirmDelete(CallbackData, prefix="md"):
    """The confirmation of DeletePost: delete every message of the post in the channel."""

    post_id: int


class KeepPost(CallbackData, prefix="mk"):
    """The "no" of the delete confirmation."""

    post_id: int


# --- analytics (handlers/analytics.py): prefixes starting with a ---------------------------
class StatsPeriod(CallbackData, prefix="ap"):
    """Show the dashboard of a period (today, 7d, 30d)."""

    key: str


class StatsChart(CallbackData, prefix="ac"):
    """The chart of the dashboard's period."""

    key: str


class ExportKind(CallbackData, prefix="ak"):
    """What to export: posts, events or the summary."""

    kind: str


class ExportPeriod(CallbackData, prefix="aq"):
    """The period of an export of ``kind``."""

    kind: str
    key: str


class ExportFile(CallbackData, prefix="af"):
    """The file of an export: CSV or JSON."""

    kind: str
    key: str
    fmt: str
