"""Common code of both bots: server, storage, inbox, outbox, scheduler."""

__version__ = "0.1.0"
