"""The shopping bot's settings: its token, the channel, its editors, the publisher and the
analytics. The platform's ``Settings`` (``shared/config.py``) is built from these fields and its
own, so they are read as ``settings.shopping_channel_id`` and the like."""

from __future__ import annotations

from datetime import timedelta

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings

from shared.settings_types import Duration, IdList, TimeZoneName


class ShoppingSettings(BaseSettings):
    """Every setting of the shopping bot."""

    shopping_bot_token: SecretStr | None = Field(None, validation_alias="SHOPPING_BOT_TOKEN")
    # the owners: editors from the start, and the only ones who can add or remove editors
    authorized_users: IdList = Field(default_factory=list, validation_alias="AUTHORIZED_USERS")
    shopping_channel_id: int | str | None = Field(None, validation_alias="SHOPPING_CHANNEL_ID")
    # the channel's zone (its calendar, publication times, analytics days, the jobs);
    # SCHEDULER_TIMEZONE is its old name, still read (the new name wins when both are set)
    channel_timezone: TimeZoneName = Field(
        "Asia/Yerevan", validation_alias=AliasChoices("CHANNEL_TIMEZONE", "SCHEDULER_TIMEZONE"))
    missed_post_grace: Duration = Field(timedelta(hours=6), validation_alias="MISSED_POST_GRACE")
    publish_check_seconds: int = Field(15, validation_alias="PUBLISH_CHECK_SECONDS", ge=1,
                                       le=3600)
    publish_attempts: int = Field(3, validation_alias="PUBLISH_ATTEMPTS", ge=1, le=20)
    shopping_admin_token: SecretStr | None = Field(None, validation_alias="SHOPPING_ADMIN_TOKEN")
    analytics_retention_days: int = Field(365, validation_alias="ANALYTICS_RETENTION_DAYS",
                                          ge=1, le=3650)
