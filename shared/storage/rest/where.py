"""The values and the WHERE clause of a PostgREST request (``shared/storage/rest/translate.py``
builds the rest of it): a Python value as PostgREST reads it, in a JSON body or in a filter, and
a SQLAlchemy WHERE of comparisons, IN, IS, LIKE, AND, OR and NOT as PostgREST filters
(``col=op.value``, or a logic tree ``or=(...)``). Anything else raises ``NotTranslatable``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import (
    BinaryExpression,
    BindParameter,
    BooleanClauseList,
    False_,
    Grouping,
    Null,
    True_,
    UnaryExpression,
)


class NotTranslatable(Exception):
    """The statement needs SQL that PostgREST cannot express; use an rpc function instead."""


# --- values --------------------------------------------------------------------------------------

def json_value(value: Any) -> Any:
    """A Python value as it goes into a PostgREST JSON body."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


_RESERVED = set(',.:()"\\ ')


def _text(value: Any) -> str:
    """A filter value as text (PostgREST casts it to the column's type)."""
    if value is None:
        raise NotTranslatable("NULL compared with an operator other than IS")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(json_value(value))


def _quoted(value: Any) -> str:
    """A value inside ``in.(...)`` or a logic tree: double-quoted when it holds reserved chars."""
    raw = _text(value)
    if raw == "" or any(ch in _RESERVED for ch in raw):
        return '"' + raw.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return raw


def bound_value(element: Any) -> Any:
    if isinstance(element, BindParameter):
        if element.callable is not None:
            return element.callable()
        return element.value
    if isinstance(element, Null):
        return None
    if isinstance(element, True_):
        return True
    if isinstance(element, False_):
        return False
    if isinstance(element, Grouping):
        return bound_value(element.element)
    raise NotTranslatable(f"not a literal value: {type(element).__name__}")


# --- WHERE ---------------------------------------------------------------------------------------

_COMPARE = {
    operators.eq: "eq", operators.ne: "neq", operators.lt: "lt", operators.le: "lte",
    operators.gt: "gt", operators.ge: "gte",
}
_FLIP = {"lt": "gt", "gt": "lt", "lte": "gte", "gte": "lte", "eq": "eq", "neq": "neq"}
_NEGATED = {
    operators.not_in_op: "in", operators.not_like_op: "like", operators.not_ilike_op: "ilike",
    operators.is_not: "is",
}


def column_of(element: Any, table: Table) -> Column | None:
    if isinstance(element, Column) and element.table is table:
        return element
    return None


def _like_pattern(value: Any) -> str:
    pattern = _text(value)
    if "*" in pattern or "\\" in pattern:
        raise NotTranslatable("LIKE pattern with '*' or an escape")
    return pattern.replace("%", "*")


@dataclass(frozen=True)
class _Cond:
    """One condition: ``column op value`` (``negate``: ``not.op``)."""

    column: str
    op: str
    value: str          # already rendered for the operator (in-list, pattern, literal)
    raw: Any = None     # the unquoted value, for top-level use
    negate: bool = False

    def param(self) -> tuple[str, str]:
        prefix = "not." if self.negate else ""
        value = self.value if self.op in ("in", "is") else _text(self.raw)
        if self.op in ("like", "ilike"):
            value = _like_pattern(self.raw)
        return self.column, f"{prefix}{self.op}.{value}"

    def tree(self) -> str:
        prefix = "not." if self.negate else ""
        return f"{self.column}.{prefix}{self.op}.{self.value}"


@dataclass(frozen=True)
class _Logic:
    """AND / OR of conditions and further trees (``negate``: ``not.and`` / ``not.or``)."""

    op: str               # "and" | "or"
    items: tuple[Any, ...]
    negate: bool = False

    def inner(self) -> str:
        return "(" + ",".join(i.tree() for i in self.items) + ")"

    def tree(self) -> str:
        return ("not." if self.negate else "") + self.op + self.inner()

    def param(self) -> tuple[str, str]:
        return ("not." if self.negate else "") + self.op, self.inner()


def _condition(expr: Any, table: Table, negate: bool = False) -> _Cond | _Logic:
    if isinstance(expr, Grouping):
        return _condition(expr.element, table, negate)
    if isinstance(expr, BooleanClauseList):
        op = "and" if expr.operator is operators.and_ else "or"
        items = tuple(_condition(c, table) for c in expr.clauses)
        if not items:
            raise NotTranslatable("empty AND/OR")
        return _Logic(op, items, negate)
    if isinstance(expr, UnaryExpression) and expr.operator is operators.inv:
        return _condition(expr.element, table, not negate)
    if isinstance(expr, Column) and expr.table is table:      # a boolean column used as-is
        return _Cond(expr.name, "is", "true", True, negate)
    if not isinstance(expr, BinaryExpression):
        raise NotTranslatable(f"condition {type(expr).__name__}")
    left, right, op = expr.left, expr.right, expr.operator
    column = column_of(left, table)
    flipped = False
    if column is None:
        column = column_of(right, table)
        left, right, flipped = right, left, True
    if column is None or isinstance(right, Column):
        raise NotTranslatable("a condition must compare one column of the table with values")
    name = column.name
    if op in (operators.between_op, operators.not_between_op):
        if expr.modifiers.get("symmetric") or flipped:
            raise NotTranslatable("BETWEEN SYMMETRIC")
        low, high = (bound_value(c) for c in right.clauses)
        if low is None or high is None:
            raise NotTranslatable("BETWEEN with NULL")
        bounds = (_Cond(name, "gte", _quoted(low), low), _Cond(name, "lte", _quoted(high), high))
        return _Logic("and", bounds, negate ^ (op is operators.not_between_op))
    if op in _COMPARE:
        value = bound_value(right)
        kind = _COMPARE[op]
        if flipped:
            kind = _FLIP[kind]
        if value is None:
            if kind not in ("eq", "neq"):
                raise NotTranslatable("NULL in an ordering comparison")
            return _Cond(name, "is", "null", None, negate ^ (kind == "neq"))
        return _Cond(name, kind, _quoted(value), value, negate)
    if op in (operators.is_, operators.is_not):
        value = bound_value(right)
        word = {None: "null", True: "true", False: "false"}.get(value)
        if word is None:
            raise NotTranslatable("IS with a value other than NULL, TRUE or FALSE")
        return _Cond(name, "is", word, value, negate ^ (op is operators.is_not))
    if op in (operators.in_op, operators.not_in_op):
        values = bound_value(right)
        if not isinstance(values, (list, tuple)):
            raise NotTranslatable("IN over a sub-query")
        rendered = "(" + ",".join(_quoted(v) for v in values) + ")"
        return _Cond(name, "in", rendered, list(values), negate ^ (op is operators.not_in_op))
    if op in (operators.like_op, operators.ilike_op, operators.not_like_op,
              operators.not_ilike_op):
        if expr.modifiers.get("escape"):
            raise NotTranslatable("LIKE with ESCAPE")
        value = bound_value(right)
        kind = "ilike" if op in (operators.ilike_op, operators.not_ilike_op) else "like"
        pattern = _like_pattern(value)
        return _Cond(name, kind, _quoted(pattern), value,
                     negate ^ (op in (operators.not_like_op, operators.not_ilike_op)))
    raise NotTranslatable(f"operator {getattr(op, '__name__', op)}")


def where_params(whereclause: Any, table: Table) -> list[tuple[str, str]]:
    """The WHERE clause as PostgREST query parameters (conjuncts become separate parameters)."""
    if whereclause is None:
        return []
    cond = _condition(whereclause, table)
    if isinstance(cond, _Logic) and cond.op == "and" and not cond.negate:
        parts = cond.items
    else:
        parts = (cond,)
    return [p.param() for p in parts]
