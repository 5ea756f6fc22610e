"""``python -m shared sql``: print the PostgreSQL schema for Supabase's SQL editor."""

from __future__ import annotations

import argparse
import sys


def main(args: argparse.Namespace) -> int:
    from shared.storage.migrate import schema_sql

    sys.stdout.write(schema_sql("postgresql"))
    return 0
