"""The command line: ``python -m shared [serve|sandbox|migrate|sql|set-webhooks|check|
copy-data]`` (the commands are ``shared.cli.COMMANDS``)."""

import gc

if __name__ == "__main__":
    # no cyclic collection while start-up imports and builds what lives as long as the
    # process (~15% of its CPU); shared.cli.main turns it back on unless serving (shared.server
    # does once started)
    gc.disable()

from shared.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
