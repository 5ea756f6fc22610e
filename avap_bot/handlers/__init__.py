"""Handlers of the AVAP support bot, one module per feature."""
