"""Texts of the AVAP support bot that every feature shares: the apology, access refusals, the main
menu, help, the command menus, and the small formatters of ages and waits."""

APOLOGY = ("Sorry, something went wrong on our side while handling your message. "
           "The team has been told; please try again in a few minutes.")

# --- access -----------------------------------------------------------------------------------
ADMINS_ONLY = "This is for the course admins."
OWNERS_ONLY = "Only the course owners can do this."
ADMIN_WRONG_PLACE = "Use admin commands in a private chat with me or in the admin groups."
STUDENTS_ONLY = "This is for verified students. Send /start to verify your purchase."
STALE_BUTTON = "This button is no longer valid."

# --- main menu (reply keyboard) ---------------------------------------------------------------
MENU_SUBMIT = "📝 Submit assignment"
MENU_ASK = "❓ Ask a question"
MENU_WIN = "🏆 Share a win"
MENU_PROGRESS = "📊 My progress"
MENU_HELP = "ℹ️ Help"
MENU_TIP = "💡 Daily tip"
MENU_PARTNER = "🤝 Find a study partner"
MENU_PLACEHOLDER = "Choose an action"
# every main-menu button: a tap on one starts its feature, whatever step the user is on
# (``avap_bot.filters.MENU``; the keyboard is ``avap_bot.keyboards.main_menu``)
MENU_BUTTONS = (MENU_SUBMIT, MENU_ASK, MENU_WIN, MENU_PROGRESS, MENU_TIP, MENU_PARTNER, MENU_HELP)


HELP = (
    "ℹ️ <b>AVAP support bot</b>\n\n"
    "📝 Submit assignment — send your work for a module\n"
    "❓ Ask a question — the team answers here\n"
    "🏆 Share a win — tell us what worked\n"
    "📊 My progress — your modules and questions\n"
    "💡 Daily tip — today's tip (/tips_off, /tips_on)\n"
    "🤝 Find a study partner — get paired with another student (/unmatch leaves)\n\n"
    "/start – main menu, or verify your purchase\n"
    "/cancel – leave what you are doing"
)
ADMIN_HELP = (
    "🛠 <b>Admin commands</b>\n"
    "/addstudent &lt;name&gt; &lt;email&gt; [phone] – add a buyer\n"
    "/import – send a CSV (name,email,phone) with this caption\n"
    "/pending – buyers who have not verified yet\n"
    "/revoke &lt;id | email&gt; – close a student's access\n"
    "/student &lt;id | email&gt; – one student's details and history\n"
    "/grade &lt;score 0-10&gt; [comment] – reply to a submission card\n"
    "/grade &lt;submission #&gt; &lt;score&gt; [comment] – anywhere\n"
    "/ungraded – submissions waiting for a grade\n"
    "/answer &lt;question #&gt; &lt;text&gt; – answer a question\n"
    "/unanswered – open questions\n"
    "/broadcast – message all students (in private)\n"
    "/stats – numbers of the course\n"
    "/export – CSV files of students, submissions, questions\n"
    "/resync_sheets – rewrite the Google Sheets copy\n"
    "/sync_buyers – pull buyers from Systeme.io\n"
    "/addtip &lt;text&gt; · /tips · /deltip &lt;n&gt; – daily tips\n"
    "/admins – list, add or remove admins (owners)"
)
CANCELLED = "OK, cancelled."
NOTHING_TO_CANCEL = "There is nothing to cancel."
NOT_UNDERSTOOD = "I did not understand that. Use the menu below or send /help."
NOT_UNDERSTOOD_NEW = "Send /start to begin."

COMMANDS = [
    ("start", "Main menu, or verify your purchase"),
    ("help", "What this bot can do"),
    ("cancel", "Leave the current step"),
    ("tips_off", "Stop the daily tips"),
    ("tips_on", "Get a tip every morning"),
    ("unmatch", "Leave the study-partner pool"),
]
ADMIN_COMMANDS = [
    ("addstudent", "Add a buyer: name email [phone]"),
    ("import", "Import buyers from a CSV (caption)"),
    ("pending", "Buyers not verified yet"),
    ("revoke", "Close a student's access"),
    ("student", "One student's details"),
    ("grade", "Grade a submission"),
    ("ungraded", "Submissions waiting for a grade"),
    ("answer", "Answer a question"),
    ("unanswered", "Open questions"),
    ("broadcast", "Message all students"),
    ("stats", "Course numbers"),
    ("admins", "Manage admins"),
    ("addtip", "Add a daily tip"),
    ("tips", "List the daily tips"),
    ("deltip", "Delete a daily tip"),
    ("sync_buyers", "Pull buyers from Systeme.io"),
    ("export", "CSV files of students, submissions, questions"),
    ("resync_sheets", "Rewrite the Google Sheet from the database"),
    ("faq", "FAQ for suggested answers: /faq, /faq add, /faq import"),
]


def age(seconds: float) -> str:
    """A short human age: 45 s, 12 min, 3 h, 2 d."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def cooldown_wait(seconds: float) -> str:
    """How long to wait, to the second: 45 s, 1 min 30 s, 2 h 5 min."""
    seconds = max(1, int(seconds + 0.999))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(seconds // 60, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"
