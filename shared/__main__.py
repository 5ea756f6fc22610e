"""The command line: ``python -m shared [serve|migrate|sql|set-webhooks|check|copy-data]``
(the commands are ``shared.cli.COMMANDS``)."""

from shared.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
