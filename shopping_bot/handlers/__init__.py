"""Handlers of the TimeToShopping bot, one module per feature."""
