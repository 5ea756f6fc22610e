"""The shopping bot's settings: its token, the channel, its editors, the publisher and the
analytics. The platform's ``Settings`` (``shared/config.py``) is built from these fields and its
own, so they are read as ``settings.shopping_channel_id`` and the like."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from msgspec import Meta

from shared.settings_base import Env, Secret, SettingsBase
from shared.settings_types import Duration, IdList, TimeZoneName


class ShoppingSettings(SettingsBase):
    """Every setting of the shopping bot."""

    shopping_bot_token: Annotated[Secret | None, Env("SHOPPING_BOT_TOKEN")] = None
    # the owners: editors from the start, and the only ones who can add or remove editors
    authorized_users: Annotated[IdList, Env("AUTHORIZED_USERS")] = []
    shopping_channel_id: Annotated[int | str | None, Env("SHOPPING_CHANNEL_ID")] = None
    # the channel's zone (its calendar, publication times, analytics days, the jobs);
    # SCHEDULER_TIMEZONE is its old name, still read (the new name wins when both are set)
    channel_timezone: Annotated[TimeZoneName, Env("CHANNEL_TIMEZONE", "SCHEDULER_TIMEZONE")] \
        = "Asia/Yerevan"
    missed_post_grace: Annotated[Duration, Env("MISSED_POST_GRACE")] = timedelta(hours=6)
    publish_check_seconds: Annotated[int, Env("PUBLISH_CHECK_SECONDS"), Meta(ge=1, le=3600)] = 15
    publish_attempts: Annotated[int, Env("PUBLISH_ATTEMPTS"), Meta(ge=1, le=20)] = 3
    shopping_admin_token: Annotated[Secret | None, Env("SHOPPING_ADMIN_TOKEN")] = None
    analytics_retention_days: Annotated[int, Env("ANALYTICS_RETENTION_DAYS"),
                                        Meta(ge=1, le=3650)] = 365
