"""The support bot's settings: its token, the admin groups, the course, Systeme.io and Google
Sheets. The platform's ``Settings`` (``shared/config.py``) is built from these fields and its
own, so they are read as ``settings.verification_group_id`` and the like."""

from __future__ import annotations

from typing import Annotated, ClassVar

import msgspec
from msgspec import Meta

from shared.settings_base import Env, Parse, Secret, SettingsBase
from shared.settings_types import HttpUrl, IdList, TimeOfDay, TimeZoneName


def module_names(value: object) -> object:
    """The course's modules, "1,2,3"."""
    if isinstance(value, str):
        names = [p.strip() for p in value.split(",") if p.strip()]
        if not names:
            raise ValueError("expected module names separated by commas, e.g. 1,2,3")
        if any(len(n) > 32 for n in names):
            raise ValueError("module names must be at most 32 characters")
        return names
    return value


def country_code(value: object) -> object:
    """A two-letter country code, upper-cased; empty means unset."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        value = value.strip().upper()
        if len(value) != 2 or not value.isalpha():
            raise ValueError("expected a two-letter country code such as AM, NG or US")
    return value


ModuleNames = Annotated[list[str], Parse(module_names)]
CountryCode = Annotated[str | None, Parse(country_code)]


class AvapSettings(SettingsBase):
    """Every setting of the support bot."""

    # the groups the bot works in, by their variables (their ids move on a group's upgrade to
    # a supergroup: shared.services.ChatDirectory follows them)
    GROUP_VARIABLES: ClassVar[dict[str, str]] = {
        "VERIFICATION_GROUP_ID": "verification_group_id",
        "ASSIGNMENT_GROUP_ID": "assignment_group_id",
        "QUESTIONS_GROUP_ID": "questions_group_id",
        "SUPPORT_GROUP_ID": "support_group_id",
    }

    avap_bot_token: Annotated[Secret | None, Env("AVAP_BOT_TOKEN", "BOT_TOKEN")] = None
    verification_group_id: Annotated[int | None, Env("VERIFICATION_GROUP_ID")] = None
    assignment_group_id: Annotated[int | None, Env("ASSIGNMENT_GROUP_ID")] = None
    questions_group_id: Annotated[int | None, Env("QUESTIONS_GROUP_ID")] = None
    support_group_id: Annotated[int | None, Env("SUPPORT_GROUP_ID")] = None
    avap_timezone: Annotated[TimeZoneName, Env("AVAP_TIMEZONE")] = "UTC"

    # --- the course ---------------------------------------------------------------------------
    avap_modules: Annotated[ModuleNames, Env("AVAP_MODULES")] = msgspec.field(
        default_factory=lambda: [str(i) for i in range(1, 13)])
    phone_region: Annotated[CountryCode, Env("PHONE_REGION")] = None
    verify_attempts_per_hour: Annotated[int, Env("VERIFY_ATTEMPTS_PER_HOUR"), Meta(ge=1)] = 5
    submission_cooldown_seconds: Annotated[int, Env("SUBMISSION_COOLDOWN_SECONDS"),
                                           Meta(ge=0)] = 120
    question_cooldown_seconds: Annotated[int, Env("QUESTION_COOLDOWN_SECONDS"), Meta(ge=0)] = 120
    copilot_seconds: Annotated[float, Env("COPILOT_SECONDS"), Meta(gt=0, le=120)] = 15.0

    # --- engagement (daily tips, the admins' digest) -----------------------------------------
    tip_time: Annotated[TimeOfDay, Env("TIP_TIME")] = "09:00"
    digest_time: Annotated[TimeOfDay, Env("DIGEST_TIME")] = "08:00"

    # --- Systeme.io (the CRM) ----------------------------------------------------------------
    systeme_api_key: Annotated[Secret | None, Env("SYSTEME_API_KEY")] = None
    systeme_webhook_secret: Annotated[Secret | None, Env("SYSTEME_WEBHOOK_SECRET")] = None
    systeme_verified_tag: Annotated[str, Env("SYSTEME_VERIFIED_TAG")] = "AVAP verified"
    systeme_buyer_tag: Annotated[str | None, Env("SYSTEME_BUYER_TAG")] = None
    systeme_product_ids: Annotated[IdList, Env("SYSTEME_PRODUCT_IDS")] = []
    systeme_api_url: Annotated[HttpUrl, Env("SYSTEME_API_URL")] = "https://api.systeme.io/api"

    # --- Google Sheets (the reporting mirror) ------------------------------------------------
    google_service_account_json: Annotated[Secret | None,
                                           Env("GOOGLE_SERVICE_ACCOUNT_JSON")] = None
    google_sheet_name: Annotated[str, Env("GOOGLE_SHEET_NAME")] = "AVAPSupport"
