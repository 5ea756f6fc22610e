"""A post's life cycle as stored: its ``status`` column (``PostStatus``) and the actions the
repository logs as it moves (``PostAction``, in the analytics log). The values are in the
database: do not change them. Its own module, free of SQLAlchemy, so that ``shopping_bot.texts``
can name each one's label."""

from enum import StrEnum


class PostStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    MISSED = "missed"
    DELETED = "deleted"


class PostAction(StrEnum):
    """What the repository logs of a post's life cycle (shown by /post); the handlers log other
    actions too (``ShoppingRepo.log``: "publish_now", "ai_regen"...)."""

    CREATED = "created"
    EDITED = "edited"
    SCHEDULED = "scheduled"
    UNSCHEDULED = "unscheduled"
    PUBLISHED = "published"
    PUBLISH_RETRY = "publish_retry"
    FAILED = "failed"
    MISSED = "missed"
    DELETED = "deleted"
    CLEANED_UP = "cleaned_up"
