"""The shopping bot's tables and repositories (SQL, and their Supabase REST variants)."""
