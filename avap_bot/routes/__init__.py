"""The support bot's HTTP endpoints: Systeme.io's webhook and the /admin endpoints."""
