"""What a fresh interpreter imports: start-up stays fast only while heavy optional libraries are
imported by the feature that uses them, not by the modules every process loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def heavy_imports(modules: list[str], heavy: list[str]) -> list[str]:
    """The names in ``heavy`` that are in ``sys.modules`` of a new Python process after it
    imported ``modules`` (a subprocess: what this test process imported does not count)."""
    code = (f"import importlib, json, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
            f"print(json.dumps([m for m in {heavy!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout)
