"""FastAPI routers of the documented HTTP endpoints (Systeme.io webhook, admin endpoints)."""
