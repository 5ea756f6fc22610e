"""SQLAlchemy Core statements → PostgREST requests, for the statements PostgREST can express.

The repositories are written once, in SQLAlchemy Core. On the Supabase REST backend each
statement they execute is translated here into one PostgREST request:

* ``select`` of columns of one table (or ``count(*)``) with a WHERE of comparisons, IN, IS,
  LIKE, AND, OR and NOT, ORDER BY, LIMIT and OFFSET → ``GET /<table>?select=..&<filters>``
  (paged in pages of at most 1,000 rows; a count is ``HEAD`` with ``Prefer: count=exact``);
* ``insert`` (one row or many), ``ON CONFLICT DO NOTHING`` → ``Prefer:
  resolution=ignore-duplicates``, ``ON CONFLICT DO UPDATE`` of every inserted column with its
  EXCLUDED value → ``resolution=merge-duplicates``; RETURNING → ``return=representation``;
* ``update`` with literal values → ``PATCH``; ``delete`` → ``DELETE`` (always with the primary
  key returned, which gives the affected row count).

Everything else — joins, aggregates other than a plain count, sub-queries, ``SET x = x + 1``,
conditional upserts, row locks — raises :class:`NotTranslatable`: such an operation is a
PostgreSQL function called with ``rpc`` by a twin in the repository's REST class (its
``RPC_METHODS``, see ``shared/storage/rest/__init__.py``). Translation never changes meaning: a
statement needing a read followed by a write is refused, not approximated. The values and the
WHERE clause are ``where.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Table, bindparam
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.elements import BindParameter, ClauseElement, UnaryExpression
from sqlalchemy.sql.functions import count as count_func
from sqlalchemy.sql.selectable import Select

from shared.storage.rest.where import (
    NotTranslatable,
    bound_value,
    column_of,
    json_value,
    where_params,
)

__all__ = ["PAGE_SIZE", "NotTranslatable", "RestRequest", "json_value", "translate"]

PAGE_SIZE = 1000  # PostgREST's (Supabase's) default max-rows


@dataclass
class RestRequest:
    """One PostgREST request, ready to send."""

    method: str                       # GET, HEAD, POST, PATCH, DELETE
    table: str
    params: list[tuple[str, str]] = field(default_factory=list)
    prefer: list[str] = field(default_factory=list)
    body: Any = None
    columns: list[Column] = field(default_factory=list)   # of the rows that come back
    limit: int | None = None          # rows wanted (None: all), for a paged GET
    offset: int = 0
    count_only: bool = False          # the answer is the row count (HEAD + count=exact)
    returns_rows: bool = False        # the caller reads the returned rows (else only the count)
    idempotent: bool = True           # safe to send again after a network error


# --- statements ----------------------------------------------------------------------------------

def _single_table(froms: list[Any]) -> Table:
    if len(froms) != 1 or not isinstance(froms[0], Table):
        raise NotTranslatable("a statement over more than one table, a join or a sub-query")
    return froms[0]


def _order_params(clauses: tuple[Any, ...], table: Table) -> list[str]:
    out = []
    for clause in clauses:
        direction, nulls = "asc", ""
        element = clause
        while isinstance(element, UnaryExpression):
            if element.modifier is operators.desc_op:
                direction = "desc"
            elif element.modifier is operators.asc_op:
                direction = "asc"
            elif element.modifier is operators.nulls_first_op:
                nulls = ".nullsfirst"
            elif element.modifier is operators.nulls_last_op:
                nulls = ".nullslast"
            else:
                raise NotTranslatable("ORDER BY expression")
            element = element.element
        column = column_of(element, table)
        if column is None:
            raise NotTranslatable("ORDER BY an expression")
        out.append(f"{column.name}.{direction}{nulls}")
    return out


def _int_clause(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return int(bound_value(value))


def translate_select(stmt: Select) -> RestRequest:
    """A SELECT of one table's columns (or ``count(*)``)."""
    if (stmt._group_by_clauses or stmt._having_criteria or stmt._distinct
            or stmt._for_update_arg is not None or stmt._setup_joins):
        raise NotTranslatable("GROUP BY, HAVING, DISTINCT, FOR UPDATE or a join")
    table = _single_table(stmt.get_final_froms())
    selected = list(stmt.selected_columns)
    params = where_params(stmt.whereclause, table)
    counts_rows = isinstance(selected[0], count_func) and str(selected[0]) == "count(*)"
    if len(selected) == 1 and counts_rows:
        return RestRequest("HEAD", table.name, [("select", "*"), *params],
                           prefer=["count=exact"], count_only=True)
    columns: list[Column] = []
    for col in selected:
        found = column_of(col, table)
        if found is None:
            raise NotTranslatable("a selected expression other than a column")
        columns.append(found)
    order = _order_params(stmt._order_by_clauses, table)
    pk = [c.name for c in table.primary_key.columns]
    ordered = {o.split(".")[0] for o in order}
    order += [f"{name}.asc" for name in pk if name not in ordered]   # stable pages
    query = [("select", ",".join(c.name for c in columns)), *params]
    if order:
        query.append(("order", ",".join(order)))
    return RestRequest("GET", table.name, query, columns=columns,
                       limit=_int_clause(stmt._limit_clause), offset=_int_clause(
                           stmt._offset_clause) or 0, returns_rows=True)


def _dml_table(stmt: Insert | Update | Delete) -> Table:
    table = stmt.table
    if not isinstance(table, Table):
        raise NotTranslatable("DML on something other than a table")
    return table


def _returning(stmt: Any, table: Table) -> list[Column]:
    cols = []
    for col in stmt._returning:
        found = column_of(col, table)
        if found is None:
            raise NotTranslatable("RETURNING an expression")
        cols.append(found)
    return cols


def _literal_values(values: Any, table: Table) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for key, value in (values or {}).items():
        name = key if isinstance(key, str) else key.name
        if name not in table.c:
            raise NotTranslatable(f"unknown column {name}")
        row[name] = json_value(bound_value(value))
    return row


def translate_insert(stmt: Insert, rows: list[dict[str, Any]] | None) -> RestRequest:
    """INSERT, optionally ON CONFLICT DO NOTHING / DO UPDATE of every inserted column."""
    table = _dml_table(stmt)
    if stmt._multi_values:
        raise NotTranslatable("multi-VALUES insert: pass the rows as execute parameters")
    if getattr(stmt, "select", None) is not None:
        raise NotTranslatable("INSERT ... SELECT")
    base = _literal_values(stmt._values, table)
    body = [{**base, **{k: json_value(v) for k, v in r.items()}} for r in rows] if rows else [base]
    for r in body:
        unknown = set(r) - set(table.c.keys())
        if unknown:
            raise NotTranslatable(f"unknown columns {sorted(unknown)}")
    keys = sorted({k for r in body for k in r})
    if any(set(r) != set(keys) for r in body):
        raise NotTranslatable("rows with different columns")
    params: list[tuple[str, str]] = [("columns", ",".join(keys))]
    prefer: list[str] = []
    idempotent = False
    clause = stmt._post_values_clause
    if clause is not None:
        kind = type(clause).__name__
        target = [c if isinstance(c, str) else c.name for c in clause.inferred_target_elements]
        if not target or clause.inferred_target_whereclause is not None:
            raise NotTranslatable("ON CONFLICT without plain index columns")
        if kind == "OnConflictDoNothing":
            prefer.append("resolution=ignore-duplicates")
        elif kind == "OnConflictDoUpdate":
            if clause.update_whereclause is not None:
                raise NotTranslatable("ON CONFLICT DO UPDATE ... WHERE (a conditional upsert)")
            updated = set()
            for name, value in clause.update_values_to_set.items():
                name = name if isinstance(name, str) else name.name
                same = (isinstance(value, Column) and value.table.name == "excluded"
                        and value.name == name)
                if not same and len(body) == 1 and name in body[0]:
                    same = json_value(bound_value(value)) == body[0][name]
                if not same:
                    raise NotTranslatable(f"ON CONFLICT sets {name} to another value")
                updated.add(name)
            if updated != set(keys) - set(target):
                raise NotTranslatable("ON CONFLICT DO UPDATE of only some inserted columns")
            prefer.append("resolution=merge-duplicates")
        else:
            raise NotTranslatable(f"{kind}")
        params.append(("on_conflict", ",".join(target)))
        # sending it twice leaves the same rows, unless a conflict key is NULL (NULLs never
        # conflict: a repeated row without its dedupe key would be inserted twice)
        idempotent = all(r.get(c) is not None for r in body for c in target)
    returning = _returning(stmt, table)
    pk = [c for c in table.primary_key.columns]
    cols = returning or pk
    params.append(("select", ",".join(c.name for c in cols)))
    prefer.insert(0, "return=representation")
    return RestRequest("POST", table.name, params, prefer=prefer, body=body, columns=cols,
                       returns_rows=bool(returning), idempotent=idempotent)


def translate_update(stmt: Update) -> RestRequest:
    """UPDATE ... SET literal values WHERE ... → PATCH."""
    table = _dml_table(stmt)
    if stmt._multi_values or getattr(stmt, "_extra_froms", None):
        raise NotTranslatable("UPDATE ... FROM or multi-values")
    if stmt.whereclause is None:
        raise NotTranslatable("UPDATE without WHERE")
    body = _literal_values(stmt._values, table)
    if not body:
        raise NotTranslatable("UPDATE without values")
    params = where_params(stmt.whereclause, table)
    returning = _returning(stmt, table)
    cols = returning or list(table.primary_key.columns)
    params.append(("select", ",".join(c.name for c in cols)))
    return RestRequest("PATCH", table.name, params, prefer=["return=representation"], body=body,
                       columns=cols, returns_rows=bool(returning), idempotent=True)


def translate_delete(stmt: Delete) -> RestRequest:
    """DELETE ... WHERE ... → DELETE with filters."""
    table = _dml_table(stmt)
    if stmt.whereclause is None:
        raise NotTranslatable("DELETE without WHERE")
    params = where_params(stmt.whereclause, table)
    returning = _returning(stmt, table)
    cols = returning or list(table.primary_key.columns)
    params.append(("select", ",".join(c.name for c in cols)))
    return RestRequest("DELETE", table.name, params, prefer=["return=representation"],
                       columns=cols, returns_rows=bool(returning), idempotent=True)


def _bind_values(stmt: ClauseElement, values: dict[str, Any]) -> Any:
    """``stmt`` with the values of its named bound parameters filled in."""
    def replace(element: Any) -> Any:
        if isinstance(element, BindParameter) and element.key in values:
            return bindparam(element.key, values[element.key], type_=element.type)
        return None
    return visitors.replacement_traverse(stmt, {}, replace)


def translate(stmt: ClauseElement, params: Any = None) -> RestRequest:
    """The PostgREST request for ``stmt`` (``params``: rows of an executemany INSERT, or the
    values of a statement's bound parameters, for a statement built once and reused)."""
    if isinstance(params, dict) and not isinstance(stmt, Insert):
        stmt, params = _bind_values(stmt, params), None
    if isinstance(stmt, Select):
        if params:
            raise NotTranslatable("SELECT with separate parameters")
        return translate_select(stmt)
    if isinstance(stmt, Insert):
        rows = [params] if isinstance(params, dict) else params
        return translate_insert(stmt, rows)
    if params:
        raise NotTranslatable("UPDATE/DELETE with separate parameters")
    if isinstance(stmt, Update):
        return translate_update(stmt)
    if isinstance(stmt, Delete):
        return translate_delete(stmt)
    raise NotTranslatable(f"{type(stmt).__name__} statements")
