"""Every text the AVAP support bot shows (HTML where it formats), one module a group of features:

- ``common``: the apology, access refusals, the main menu, help, the command menus, ages and waits;
- ``verification``: /start, the verification of a purchase, the admins' buyer list;
- ``coursework``: questions and answers, wins, progress, assignments and grading;
- ``engagement``: the daily tips and the study partners;
- ``admin``: broadcasts, the desk, the morning digest, Systeme.io, reports, the copilot, the FAQ.

Handlers read them as ``texts.NAME``: every name is re-exported here.
"""

from avap_bot.texts.admin import *  # noqa: F403
from avap_bot.texts.common import *  # noqa: F403
from avap_bot.texts.coursework import *  # noqa: F403
from avap_bot.texts.engagement import *  # noqa: F403
from avap_bot.texts.verification import *  # noqa: F403
