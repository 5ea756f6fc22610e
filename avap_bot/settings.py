"""The support bot's settings: its token, the admin groups, the course, Systeme.io and Google
Sheets. The platform's ``Settings`` (``shared/config.py``) is built from these fields and its
own, so they are read as ``settings.verification_group_id`` and the like."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode

from shared.settings_types import HttpUrl, IdList, TimeOfDay, TimeZoneName


class AvapSettings(BaseSettings):
    """Every setting of the support bot."""

    # the groups the bot works in, by their variables (their ids move on a group's upgrade to
    # a supergroup: shared.services.ChatDirectory follows them)
    GROUP_VARIABLES: ClassVar[dict[str, str]] = {
        "VERIFICATION_GROUP_ID": "verification_group_id",
        "ASSIGNMENT_GROUP_ID": "assignment_group_id",
        "QUESTIONS_GROUP_ID": "questions_group_id",
        "SUPPORT_GROUP_ID": "support_group_id",
    }

    avap_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("AVAP_BOT_TOKEN", "BOT_TOKEN")
    )
    verification_group_id: int | None = Field(None, validation_alias="VERIFICATION_GROUP_ID")
    assignment_group_id: int | None = Field(None, validation_alias="ASSIGNMENT_GROUP_ID")
    questions_group_id: int | None = Field(None, validation_alias="QUESTIONS_GROUP_ID")
    support_group_id: int | None = Field(None, validation_alias="SUPPORT_GROUP_ID")
    avap_timezone: TimeZoneName = Field("UTC", validation_alias="AVAP_TIMEZONE")

    # --- the course ---------------------------------------------------------------------------
    avap_modules: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: [str(i) for i in range(1, 13)], validation_alias="AVAP_MODULES"
    )
    phone_region: str | None = Field(None, validation_alias="PHONE_REGION")
    verify_attempts_per_hour: int = Field(5, validation_alias="VERIFY_ATTEMPTS_PER_HOUR", ge=1)
    submission_cooldown_seconds: int = Field(120, validation_alias="SUBMISSION_COOLDOWN_SECONDS",
                                             ge=0)
    question_cooldown_seconds: int = Field(120, validation_alias="QUESTION_COOLDOWN_SECONDS",
                                           ge=0)
    copilot_seconds: float = Field(15.0, validation_alias="COPILOT_SECONDS", gt=0, le=120)

    # --- engagement (daily tips, the admins' digest) -----------------------------------------
    tip_time: TimeOfDay = Field("09:00", validation_alias="TIP_TIME")
    digest_time: TimeOfDay = Field("08:00", validation_alias="DIGEST_TIME")

    # --- Systeme.io (the CRM) ----------------------------------------------------------------
    systeme_api_key: SecretStr | None = Field(None, validation_alias="SYSTEME_API_KEY")
    systeme_webhook_secret: SecretStr | None = Field(
        None, validation_alias="SYSTEME_WEBHOOK_SECRET"
    )
    systeme_verified_tag: str = Field("AVAP verified", validation_alias="SYSTEME_VERIFIED_TAG")
    systeme_buyer_tag: str | None = Field(None, validation_alias="SYSTEME_BUYER_TAG")
    systeme_product_ids: IdList = Field(default_factory=list,
                                        validation_alias="SYSTEME_PRODUCT_IDS")
    systeme_api_url: HttpUrl = Field("https://api.systeme.io/api",
                                     validation_alias="SYSTEME_API_URL")

    # --- Google Sheets (the reporting mirror) ------------------------------------------------
    google_service_account_json: SecretStr | None = Field(
        None, validation_alias="GOOGLE_SERVICE_ACCOUNT_JSON"
    )
    google_sheet_name: str = Field("AVAPSupport", validation_alias="GOOGLE_SHEET_NAME")

    @field_validator("avap_modules", mode="before")
    @classmethod
    def _parse_modules(cls, value: object) -> object:
        if isinstance(value, str):
            names = [p.strip() for p in value.split(",") if p.strip()]
            if not names:
                raise ValueError("expected module names separated by commas, e.g. 1,2,3")
            if any(len(n) > 32 for n in names):
                raise ValueError("module names must be at most 32 characters")
            return names
        return value

    @field_validator("phone_region")
    @classmethod
    def _valid_region(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().upper()
        if len(value) != 2 or not value.isalpha():
            raise ValueError("expected a two-letter country code such as AM, NG or US")
        return value
