"""Every text the AVAP support bot shows, in one place."""

APOLOGY = ("Sorry, something went wrong on our side while handling your message. "
           "The team has been told; please try again in a few minutes.")

WELCOME_NEW = (
    "👋 Welcome to the AVAP support desk!\n\n"
    "To get access, send the email address or phone number you used when you bought the course."
)
WELCOME_BACK = "👋 Welcome back, {name}! Send /help to see what I can do."
ASK_IDENTIFIER_AGAIN = (
    "That does not look like an email address or a phone number. "
    "Please send the email (name@example.com) or phone (+374 99 123456) you used at purchase, "
    "or /cancel."
)
BUYER_FOUND = (
    "✅ Thank you, {name}! We found your purchase. An admin will confirm your access shortly; "
    "I will message you here."
)
BUYER_NOT_FOUND = (
    "We could not match that to a purchase. Check for typos and send it again, "
    "or try the other one (email or phone). /cancel stops."
)
HELP = (
    "ℹ️ AVAP support bot\n\n"
    "/start – begin, or verify your purchase\n"
    "/help – this message\n"
    "/cancel – leave what you are doing"
)
CANCELLED = "OK, cancelled. Send /start when you are ready."
NOTHING_TO_CANCEL = "There is nothing to cancel. Send /help to see what I can do."
NOT_UNDERSTOOD = "I did not understand that. Send /help to see what I can do."

COMMANDS = [
    ("start", "Start or verify your purchase"),
    ("help", "What this bot can do"),
    ("cancel", "Leave the current step"),
]
ADMIN_COMMANDS: list[tuple[str, str]] = []
