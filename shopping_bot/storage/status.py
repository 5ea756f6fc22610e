"""A post's ``status`` column: the values of its life cycle (stored: do not change them). Its
own module, free of SQLAlchemy, so that ``shopping_bot.texts`` can name each status's label."""

from enum import StrEnum


class PostStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    MISSED = "missed"
    DELETED = "deleted"
