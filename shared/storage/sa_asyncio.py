"""SQLAlchemy's asyncio extension without its ORM half, imported first by ``shared.storage``.

``sqlalchemy.ext.asyncio``'s package module imports its ORM session (``AsyncSession``,
``async_scoped_session``), and with it the whole ORM: ~50 modules, ~55 ms of CPU and ~7 MB at
every start, although the service uses SQLAlchemy Core only (engines, connections, results).

Importing this module registers ``sqlalchemy.ext.asyncio`` with only its Core part loaded (the
``engine`` and ``result`` modules, which do not import the ORM) and initialises the greenlet
bridge as the package does (``shared.lean_import``). Every other name of the package
(``AsyncSession``, ``async_sessionmaker``...) still works: the first access to one loads the rest.
"""

from __future__ import annotations

from shared.lean_import import partial_package

NAME = "sqlalchemy.ext.asyncio"
# what the package exports from its engine and result modules (the rest needs the ORM)
CORE_NAMES = {
    "engine": ("async_engine_from_config", "AsyncConnection", "AsyncEngine", "AsyncTransaction",
               "create_async_engine", "create_async_pool_from_url"),
    "result": ("AsyncMappingResult", "AsyncResult", "AsyncScalarResult", "AsyncTupleResult"),
}


def _greenlet_bridge() -> None:
    from sqlalchemy.util import concurrency

    concurrency._concurrency_shim._initialize()  # as the package's __init__ does


partial_package(NAME, CORE_NAMES, _greenlet_bridge)
