"""Import a package's light submodules without running the package's ``__init__``.

Some libraries' package modules import far more than the parts this service uses: SQLAlchemy's
``sqlalchemy.ext.asyncio`` imports the whole ORM for its ``AsyncSession`` (~55 ms of CPU), and
``uvicorn``'s imports its command line (``click`` and the process supervisors, ~10 ms) for
``uvicorn.run``. On a host with a tenth of a CPU each such import costs ten times as long at
every start.

``partial_package`` registers the package with only the named submodules loaded and their
names set on it. Every other name of the package still works: the first access to one runs
the package's own ``__init__``, which loads the rest (``tests/shared/test_lean_start.py``).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any


def partial_package(name: str, exports: Mapping[str, Sequence[str]],
                    init: Callable[[], None] | None = None) -> None:
    """Register package ``name`` with ``exports`` (submodule -> the names the package takes from
    it) loaded, then run ``init`` (what the package's ``__init__`` must do for them); nothing is
    done when the package is imported already, or missing (its import then fails where used)."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    loader = spec.loader
    complete = True  # while the submodules load, a missing name is a submodule to import

    def __getattr__(attr: str) -> Any:  # the module-level hook (PEP 562)
        nonlocal complete
        if complete or attr.startswith("__"):
            raise AttributeError(f"module {name!r} has no attribute {attr!r}")
        complete = True
        loader.exec_module(module)  # the package's own __init__: the rest of it
        return getattr(module, attr)

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]
    sys.modules[name] = module
    try:
        for sub, names in exports.items():
            submodule = importlib.import_module(f"{name}.{sub}")
            for exported in names:
                setattr(module, exported, getattr(submodule, exported))
        if init is not None:
            init()
        complete = False
    except BaseException:
        sys.modules.pop(name, None)
        raise
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


@contextmanager
def hidden(*names: str) -> Iterator[None]:
    """While the block runs, importing any of ``names`` fails with ImportError, as when it is
    not installed (for a library that imports an optional extra at import time, when the
    extra is installed for something else); afterwards each is importable again."""
    hide = [name for name in names if name not in sys.modules]
    for name in hide:
        sys.modules[name] = None  # type: ignore[assignment]  # makes its import fail
    try:
        yield
    finally:
        for name in hide:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
