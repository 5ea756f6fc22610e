"""Every text the AVAP support bot shows, in one place (HTML where it formats)."""

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

# --- start and verification -------------------------------------------------------------------
WELCOME_NEW = (
    "👋 Welcome to the AVAP support desk!\n\n"
    "To get access, send the email address or phone number you used when you bought the course, "
    "or tap the button below to share your phone number."
)
SHARE_CONTACT = "📱 Share my phone number"
WELCOME_BACK = "👋 Welcome back, {name}! What would you like to do?"
MAIN_MENU = "Main menu. What would you like to do?"
ASK_IDENTIFIER_AGAIN = (
    "That does not look like an email address or a phone number. "
    "Please send the email (name@example.com) or the phone number with its country code "
    "(+374 99 123456) you used at purchase, or /cancel."
)
NOT_YOUR_CONTACT = "Please share your own phone number with the button, or type your email."
VERIFY_TOO_MANY = ("Too many attempts. Please try again in an hour, or ask for a manual review "
                   "with the button below.")
VERIFY_NOT_FOUND = (
    "We could not confirm a purchase with that. Check for typos and try again, try the other one "
    "(email or phone), or ask an admin to check by hand with the button below."
)
REQUEST_REVIEW = "🙋 Request manual review"
REVIEW_REQUESTED = ("Thanks! An admin will look at your request and message you here. "
                    "You can add your email or phone meanwhile if you remember it.")
REVIEW_ALREADY = "Your request is already with the admins; they will answer here."
VERIFY_MATCHED = ("✅ Thank you, {name}! We found your purchase. An admin will confirm your "
                  "access shortly; I will message you here.")
VERIFY_CLAIMED = ("This purchase is already linked to another Telegram account. The admins "
                  "have been asked to check; I will message you here.")
VERIFY_APPROVED = ("🎉 You are verified, {name}! Welcome to the course.\n\n"
                   "Use the menu below to submit assignments, ask questions and share your wins.")
VERIFY_REJECTED = ("We could not confirm your access this time. If you think this is a mistake, "
                   "{support}.")
VERIFY_ALREADY = "You are already verified. Use the menu below."
ACCESS_REVOKED = "Your access to the course desk has been closed. Contact support if unexpected."
SUPPORT_CONTACT = ("send /start and tap “Request manual review” with the email you used at "
                   "purchase, so that an admin looks again")

CARD_MATCH = ("🆕 <b>Verification request #{id}</b>\n"
              "Buyer: {buyer}\nTelegram: {tg_name} ({tg_username}), id <code>{tg_id}</code>\n"
              "Matched by: {matched}")
CARD_MANUAL = ("🙋 <b>Manual review #{id}</b>\n"
               "Telegram: {tg_name} ({tg_username}), id <code>{tg_id}</code>\n"
               "Tried: {tried}\nNo buyer matched. Add the buyer with /addstudent, then approve.")
CARD_CONFLICT = ("⚠️ <b>Second claim #{id}</b>\n"
                 "Buyer: {buyer} is already linked to Telegram id <code>{owner_id}</code>.\n"
                 "New claim by: {tg_name} ({tg_username}), id <code>{tg_id}</code>\n"
                 "Matched by: {matched}\n"
                 "Move the buyer to the new account only if you are sure it is theirs.")
BTN_APPROVE = "✅ Approve"
BTN_REJECT = "❌ Reject"
BTN_MOVE = "➡️ Move to new account"
CARD_APPROVED = "\n\n✅ Approved by {admin}"
CARD_REJECTED = "\n\n❌ Rejected by {admin}"
CARD_MOVED = "\n\n➡️ Moved to the new account by {admin}"
CARD_DONE_ALREADY = "This request was already decided."
CARD_NO_BUYER = "No buyer matches this request yet: add it with /addstudent first."
MOVED_AWAY = ("Your course access was moved to another Telegram account by an admin. "
              "Contact support if this is unexpected.")

# --- admins: buyers and students --------------------------------------------------------------
ADDSTUDENT_USAGE = ("Usage: /addstudent &lt;name&gt; &lt;email&gt; [phone]\n"
                    "Example: /addstudent Ann Smith ann@example.com +37499123456")
ADDSTUDENT_BAD_EMAIL = "“{value}” is not a valid email address. Nothing was changed."
ADDSTUDENT_BAD_PHONE = ("“{value}” is not a valid phone number (use +country code). "
                        "Nothing was changed.")
ADDSTUDENT_DONE = "✅ {action}: {name} ({email}{phone}). They can now verify with /start."
IMPORT_NEEDS_CSV = ("Send a CSV file (columns name, email, phone) with the caption /import. "
                    "At most 1 MB.")
IMPORT_TOO_BIG = "That file is too large (over 1 MB). Split it and send the parts."
IMPORT_BAD_FILE = "I could not read that file as CSV (UTF-8, with a header row name,email,phone)."
IMPORT_REPORT = "📥 Import finished: {added} added, {updated} updated, {rejected} rejected."
IMPORT_REJECTED_ROW = "Row {row}: {reason}"
PENDING_NONE = "Everyone on the buyer list has verified. 🎉"
PENDING_HEAD = "⏳ <b>{total} buyer(s) not verified yet</b> (oldest first):"
PENDING_ROW = "• {name} — {email} {phone} (added {age} ago)"
PENDING_MORE = "…and {more} more."
REVOKE_USAGE = "Usage: /revoke &lt;telegram id | email&gt;"
REVOKE_NOT_FOUND = "No verified student matches that. Nothing was changed."
REVOKE_DONE = "🚫 Access closed for {name} (id <code>{tg_id}</code>)."
ADMINS_LIST = "👥 <b>Admins</b>\nOwners (ADMIN_USER_IDS): {owners}\nAdded: {added}"
ADMINS_NONE = "none"
ADMINS_USAGE = "Add: /admins add &lt;telegram id&gt; [name]\nRemove: tap a button below."
ADMIN_ADDED = "✅ {tg_id} is now an admin."
ADMIN_EXISTS = "{tg_id} is already an admin."
ADMIN_REMOVED = "Removed {tg_id} from the admins."
ADMIN_NOT_FOUND = "{tg_id} is not an added admin (owners are set in ADMIN_USER_IDS)."
BTN_REMOVE_ADMIN = "Remove {label}"

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


# --- questions, wins, progress ---
ASK_PROMPT = ("❓ Send your question as one message: text, a voice message, or a photo with a "
              "caption. The team will answer you here.\n/cancel to stop.")
ASK_WRONG_KIND = ("Please send your question as text, a voice message or a photo with a "
                  "caption. /cancel to stop.")
ASK_COOLDOWN = "⏳ You just asked a question. You can ask the next one in {wait}."
ASK_SENT = "✅ Question #{id} sent. The team will answer you here."
QUESTION_CARD = "❓ <b>Question #{id}</b> from {student}\nTelegram id <code>{tg_id}</code>"
QUESTION_CARD_HINT = "\n\nReply to this card to answer (text, voice, photo, video), or tap Answer."
QUESTION_CARD_ANSWERED = "\n\n✅ Answered by {admin}"
BTN_ANSWER = "💬 Answer"
ANSWER_HEADER = "💬 <b>Answer to your question #{id}:</b>"
ANSWER_PROMPT = ("{admin}, send your answer to question #{id} as your next message here "
                 "(text, voice, photo, video or a file). /cancel to stop.")
ANSWER_PROMPT_FOLLOW_UP = "\nIt was answered already: this one goes to the student as a follow-up."
ANSWER_SENT = "✅ Answer to question #{id} sent to {student}."
ANSWER_FOLLOW_UP_SENT = ("✅ Sent to {student} as a follow-up to question #{id} "
                         "(it was answered before; the first answer stays on record).")
ANSWER_WRONG_KIND = ("Send the answer as text, a voice message, a photo, a video or a file. "
                     "/cancel to stop.")
ANSWER_USAGE = ("Usage: /answer &lt;question #&gt; &lt;text&gt;\n"
                "Or reply to the question's card, or tap its Answer button.")
ANSWER_CANCELLED = "OK, no answer sent."
QUESTION_NOT_FOUND = "There is no question #{id}."
UNANSWERED_NONE = "No open questions. 🎉"
UNANSWERED_HEAD = "❓ <b>Open questions</b> (oldest first):"
UNANSWERED_ROW = "• #{id} — {student}, asked {age} ago: {preview}"
UNANSWERED_MORE = "Showing the oldest {n}; answer them to see the next ones."
UNANSWERED_FOOT = "Answer with /answer &lt;#&gt; &lt;text&gt; or by replying to the card."
QUESTION_PREVIEW = {"voice": "🎙 voice message", "photo": "🖼 photo"}

WIN_PROMPT = ("🏆 Tell us about your win! Send it as text, a photo or a video (with a caption)."
              "\n/cancel to stop.")
WIN_WRONG_KIND = "Please send your win as text, a photo or a video. /cancel to stop."
WIN_HEADER = "🏆 <b>Win from {student}</b>"
WIN_THANKS = ("🎉 Congratulations, {name}! Thank you for sharing — the team will love it. "
              "Keep going!")

PROGRESS_HEAD = "📊 <b>Your progress</b>\n"
PROGRESS_MODULE = "Module {module}: {state}"
PROGRESS_NOT_SUBMITTED = "— not submitted yet"
PROGRESS_WAITING = "⏳ submitted, waiting for a grade"
PROGRESS_GRADED = "✅ graded {score}/10"
PROGRESS_REVISION = "🔁 revision asked"
PROGRESS_REVISION_COMMENT = ": “{comment}”"
PROGRESS_ATTEMPT = " (attempt {n})"
PROGRESS_MODULES_DONE = "\nModules submitted: {done} of {total}"
PROGRESS_QUESTIONS = "❓ Questions: {asked} asked, {answered} answered"
PROGRESS_QUESTIONS_OPEN = ", {open} waiting for an answer"


# --- broadcasts (handlers/broadcast.py) -------------------------------------------------------
BROADCAST_PRIVATE_ONLY = "Start a broadcast in a private chat with me."
BROADCAST_ASK = (
    "📣 Send me the message to broadcast: text (formatting is kept), a photo, video, document, "
    "audio or voice message, with a caption if you like.\nSend /cancel to stop."
)
BROADCAST_UNSUPPORTED = ("I can broadcast text, photos, videos, documents, audio and voice "
                         "messages. Send one of those, or /cancel.")
BROADCAST_AUDIENCE = "Who should receive it?"
BTN_BROADCAST_ALL = "👥 All verified students ({n})"
BTN_BROADCAST_BY_MODULE = "📚 Students of one module…"
BTN_BROADCAST_MODULE = "Module {module}"
BTN_BROADCAST_SEND = "✅ Send to {n}"
BTN_BROADCAST_CANCEL = "❌ Cancel"
BROADCAST_PICK_MODULE = "Students who submitted work in which module?"
BROADCAST_AUDIENCE_ALL = "all verified students"
BROADCAST_AUDIENCE_MODULE = "students of module {module}"
BROADCAST_EMPTY = "No student matches {audience}. Choose another audience."
BROADCAST_CHOSEN = "Audience: {audience}."
BROADCAST_PREVIEW = ("👆 This is how students will see it.\n"
                     "Audience: {audience}\nRecipients: <b>{n}</b>\n\nSend it now?")
BROADCAST_CANCELLED = "Broadcast cancelled; nothing was sent."
BROADCAST_NOT_DRAFT = "This broadcast was already sent or cancelled."
BROADCAST_PROGRESS = ("📤 <b>Broadcast #{id}</b> to {audience}\n"
                      "Sent {sent}, blocked {blocked}, failed {failed} — {done} of {total}")
BROADCAST_DONE = ("✅ <b>Broadcast #{id} finished</b> ({audience})\n"
                  "Delivered: {sent}\nBlocked the bot: {blocked}\nFailed: {failed}\n"
                  "Total: {total}")

# --- the admins' desk: /stats and /student (handlers/desk.py) ----------------------------------
STATS = (
    "📊 <b>Course numbers</b>\n"
    "👥 Students: {verified} verified, {pending} buyer(s) not verified yet\n"
    "🟢 Active in the last 7 days: {active}\n\n"
    "📝 <b>Submissions</b>: {total} — {waiting} waiting, {graded} graded, "
    "{revision} sent back for revision"
)
STATS_MODULE = "• Module {module}: {n} submitted, average score {avg}"
STATS_QUESTIONS = ("\n❓ <b>Questions</b>: {open} open, {answered} answered, "
                   "median answer time {median}")
STATS_WINS = "🏆 Wins shared: {wins}"
STATS_NONE = "—"
STUDENT_USAGE = "Usage: /student &lt;telegram id | email&gt;"
STUDENT_NOT_FOUND = "No student matches that."
STUDENT_CARD = (
    "👤 <b>{name}</b> {username}\n"
    "Telegram id: <code>{tg_id}</code>\n"
    "Email: {email}\nPhone: {phone}\n"
    "Status: {status} (since {since})\n"
    "Last active: {last_active}"
)
AGO = "{age} ago"
STUDENT_STATUS = {"verified": "✅ verified", "revoked": "🚫 access closed"}
STUDENT_SUBMISSIONS = "\n📝 <b>Submissions</b> ({n})"
STUDENT_SUBMISSION = "• #{id} module {module}, {kind}, attempt {attempt} — {state} · {date}"
SUBMISSION_STATES = {"submitted": "⏳ waiting for a grade", "graded": "✅ graded {grade}/10",
                     "revision": "🔁 sent back for revision"}
STUDENT_QUESTIONS = "\n❓ <b>Questions</b> ({n})"
STUDENT_QUESTION = "• #{id} {state} · {date} — {snippet}"
QUESTION_OPEN = "⏳ open"
QUESTION_ANSWERED = "✅ answered in {age}"
STUDENT_NONE = "none yet"
STUDENT_MORE = "…and {more} older."

# --- questions (answer prompt) ---
ANSWER_PLACEHOLDER = "Your answer to the student"


# --- assignments and grading ---
SUBMIT_PICK_MODULE = "📝 Which module is your assignment for?"
SUBMIT_PICK_KIND = "📝 Module <b>{module}</b>. What will you send?"
SUBMIT_WHAT = {
    "text": "your answer as a text message",
    "voice": "a voice message or an audio file",
    "video": "a video or a video note",
    "document": "a file (as a document)",
    "photo": "a photo",
}
SUBMIT_SEND_NOW = ("📝 Module <b>{module}</b> · {label}\n"
                   "Now send {what} — one message; a caption is welcome. /cancel to stop.")
SUBMIT_WRONG_KIND = ("That is not {what}, which you chose for module <b>{module}</b>. "
                     "Please send {what}, or tap 📝 Submit assignment to start again, or /cancel.")
SUBMIT_USE_BUTTONS = "Please choose with the buttons above, or /cancel."
SUBMIT_SUMMARY = ("Please check your submission:\n"
                  "Module: <b>{module}</b>\nKind: {label}{preview}\n\n"
                  "Send it to the team? You can also send another {what} to replace it.")
SUBMIT_PREVIEW = "\n“{text}”"
BTN_SUBMIT_SEND = "✅ Send"
BTN_SUBMIT_CANCEL = "✖️ Cancel"
SUBMIT_SENT = ("✅ Sent! Your submission <b>#{id}</b> for module <b>{module}</b> "
               "(attempt {attempt}) is with the team. You will get the grade here.")
SUBMIT_CANCELLED = "OK, nothing was sent."
SUBMIT_COOLDOWN = ("⏳ You sent an assignment for module <b>{module}</b> a moment ago. "
                   "You can send the next one for this module in {wait}.")

SUBMISSION_CARD = ("📝 <b>Submission #{id}</b>\n"
                   "Student: {student}, id <code>{tg_id}</code>\n"
                   "Module: <b>{module}</b> · attempt {attempt} · {label}")
SUBMISSION_CARD_HINT = ("\n\nReply to this card with /grade &lt;score 0-10&gt; [comment], "
                        "or use the buttons.")
SUBMISSION_CARD_GRADED = "\n\n✅ Graded {score}/10 by {admin}"
SUBMISSION_CARD_REVISION = "\n\n🔁 Revision requested by {admin}"
SUBMISSION_CARD_COMMENT = "\n💬 {comment}"
BTN_GRADE = "✅ Grade"
BTN_REVISION = "🔁 Request revision"

GRADED_STUDENT = ("✅ Your assignment for module <b>{module}</b> (#{id}) was graded: "
                  "<b>{score}/10</b>")
REGRADED_STUDENT = ("✏️ The grade of your assignment for module <b>{module}</b> (#{id}) was "
                    "changed: <b>{score}/10</b>")
GRADE_COMMENT_STUDENT = "\n\n💬 {comment}"
REVISION_STUDENT = ("🔁 The team asks you to revise your assignment for module <b>{module}</b> "
                    "(#{id}):\n\n💬 {comment}\n\n"
                    "Send the new version with the button below or with 📝 Submit assignment.")
BTN_RESUBMIT = "📝 Resubmit module {module}"

GRADE_USAGE = ("Usage: reply to a submission card with /grade &lt;score 0-10&gt; [comment],\n"
               "or anywhere: /grade &lt;submission #&gt; &lt;score 0-10&gt; [comment].\n"
               "Example: /grade 12 8 Great work")
GRADE_BAD_SCORE = ("The score must be a whole number from 0 to 10 (you sent “{value}”). "
                   "Nothing was changed.")
GRADE_NOT_FOUND = "There is no submission #{id}. Nothing was changed."
GRADE_NOT_A_CARD = ("That message is not a submission card. Reply to the card (the message with "
                    "the Grade button), or use "
                    "/grade &lt;submission #&gt; &lt;score&gt; [comment]. Nothing was changed.")
GRADE_ASK = ("{admin}, send the score for submission #{id} (0-10) and an optional comment, "
             "e.g. <code>8 Great work</code>. /cancel to stop.")
GRADE_ASK_GRADED = "\nIt is graded {score}/10 already: a new grade replaces it once you confirm."
GRADE_NEED_TEXT = "Send the score and an optional comment as text, e.g. 8 Great work, or /cancel."
GRADE_DONE = "✅ Submission #{id} graded {score}/10. The student was told."
REGRADE_DONE = "✏️ Submission #{id} regraded {score}/10 (was {old}/10). The student was told."
REGRADE_ASK = ("⚠️ Submission #{id} is graded {old}/10 already. A new grade replaces the first "
               "one and the student is told. Replace it with {score}/10?")
BTN_REGRADE_YES = "✅ Replace the grade"
BTN_REGRADE_NO = "✖️ Keep {old}/10"
REGRADE_KEPT = "OK, submission #{id} keeps its grade {old}/10."
REVISION_ASK = ("{admin}, what should the student change in submission #{id}? "
                "Send your comment as the next message. /cancel to stop.")
REVISION_NEED_TEXT = "Send the comment for the student as text, or /cancel."
REVISION_DONE = ("🔁 Revision of submission #{id} requested. The student was told and can "
                 "resubmit module {module}.")
REVISION_ALREADY = "A revision of submission #{id} was requested already."
UNGRADED_NONE = "Nothing is waiting for a grade. 🎉"
UNGRADED_HEAD = "⏳ <b>Waiting for a grade</b> (oldest first):"
UNGRADED_ROW = ("• <b>#{id}</b> {student} — module {module}, attempt {attempt}, {label} — "
                "waiting {age}")
UNGRADED_MORE = "Showing the oldest {n}; grade them to see the next ones."
UNGRADED_FOOT = "Grade with /grade &lt;#&gt; &lt;score&gt; [comment] or by replying to a card."


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


# --- daily tips (handlers/tips.py) -----------------------------------------------------------
TIP_HEADER = "💡 <b>Tip of the day</b>\n\n"
TIP_NONE = "There is no tip yet. Come back tomorrow!"
TIP_FOOTER_OFF = "\n\n<i>Daily tips are off for you: /tips_on to get them every morning.</i>"
TIPS_OFF = "🔕 Daily tips are off. Send /tips_on to get them again."
TIPS_OFF_ALREADY = "Daily tips are already off. Send /tips_on to get them again."
TIPS_ON = "🔔 Daily tips are on: you will get one every morning. /tips_off stops them."
TIPS_ON_ALREADY = "Daily tips are already on. /tips_off stops them."
ADDTIP_USAGE = ("Usage: /addtip &lt;text of the tip&gt; — or send a photo with the caption "
                "/addtip &lt;text&gt;.")
ADDTIP_DONE = "✅ Tip #{n} added. /tips lists them all."
TIPS_LIST_NONE = "No tips yet. Add one with /addtip &lt;text&gt;."
TIPS_LIST_HEAD = "💡 <b>Tips</b> (sent in this order, then again from #1):"
TIPS_LIST_ROW = "<b>#{n}</b> {photo}{snippet}"
TIPS_LIST_NEXT = "\nNext to be sent: #{n}. Delete one with /deltip &lt;number&gt;."
TIPS_PHOTO = "🖼 "
DELTIP_USAGE = "Usage: /deltip &lt;number&gt; (the number shown by /tips)."
DELTIP_NOT_FOUND = "There is no tip #{n}. /tips lists them."
DELTIP_DONE = "🗑 Tip #{n} deleted: {snippet}"

# --- study partners (handlers/matching.py) -------------------------------------------------
PARTNER_PICK_MODULE = ("🤝 Let's find you a study partner. Which module do you want to work on "
                       "together?")
BTN_PARTNER_ANY = "Any module"
PARTNER_WAITING = ("⏳ You are in the pool{module}. I will message you as soon as another "
                   "student is looking too. /unmatch leaves the pool.")
PARTNER_FOR_MODULE = " for module {module}"
PARTNER_FOUND = "🤝 Your study partner{module}: <b>{name}</b>. Say hi and plan your first session!"
BTN_PARTNER_OPEN = "💬 Message {name}"
PARTNER_NO_LINK = ("🤝 Your study partner{module}: <b>{name}</b>. They have no public username, "
                   "so I cannot link you directly. Send me a short hello (one message) and I "
                   "will pass it on, with a link to you.")
PARTNER_HELLO_FROM = "👋 A hello from your study partner <b>{name}</b>:\n\n{hello}"
PARTNER_HELLO_SENT = "✅ Sent to {name}. Over to you two!"
PARTNER_HELLO_TEXT_ONLY = "Please send your hello as a text message, or /cancel."
UNMATCH_DONE = "You left the study-partner pool."
UNMATCH_NOT_IN = "You are not in the study-partner pool."
STATS_POOL = "🤝 Waiting for a study partner: {n}"

# --- the admins' morning digest (handlers/digest.py) -----------------------------------------
DIGEST_SUBMISSIONS_HEAD = "⏰ <b>Waiting for a grade for more than 24 h</b> (oldest first):"
DIGEST_SUBMISSION_ROW = "• <b>#{id}</b> {student} — module {module}, attempt {attempt} — {age}"
DIGEST_QUESTIONS_HEAD = "⏰ <b>Questions without an answer for more than 24 h</b> (oldest first):"
DIGEST_QUESTION_ROW = "• <b>#{id}</b> {student} — {snippet} — {age}"
DIGEST_MORE = "… and {n} more."
BTN_DIGEST_SUBMISSION = "📝 #{id}"
BTN_DIGEST_QUESTION = "❓ #{id}"
DIGEST_OPEN_SUBMISSION = ("📝 <b>Submission #{id}</b> — {student}, module {module}, attempt "
                          "{attempt}, waiting {age}.\nGrade: /grade {id} &lt;score 0-10&gt; "
                          "[comment], or the buttons below.")
DIGEST_OPEN_QUESTION = ("❓ <b>Question #{id}</b> — {student}, waiting {age}.\n"
                        "Answer: /answer {id} &lt;text&gt;, or the button below.")
DIGEST_GONE = "Already handled. 🎉"

COMMANDS += [  # appended by the engagement features (tips, matching)
    ("tips_off", "Stop the daily tips"),
    ("tips_on", "Get a tip every morning"),
    ("unmatch", "Leave the study-partner pool"),
]
ADMIN_COMMANDS += [
    ("addtip", "Add a daily tip"),
    ("tips", "List the daily tips"),
    ("deltip", "Delete a daily tip"),
]


# --- Systeme.io (webhooks, /sync_buyers) ------------------------------------------------------
SYSTEME_SALE_CANCELED = ("⚠️ <b>Systeme.io: sale canceled</b>\n{name} — {email}, {phone}\n"
                         "{status}")
SYSTEME_CANCEL_STUDENT = ("Verified as Telegram id {tg_id}. Close the access with "
                          "/revoke {tg_id} if the refund means so.")
SYSTEME_CANCEL_PENDING = "On the pending list, not verified yet."
SYSTEME_CANCEL_UNKNOWN = "Not on the buyers' list."
SYNC_NOT_CONFIGURED = "Systeme.io is not configured: set SYSTEME_API_KEY."
SYNC_NO_BUYER_TAG = "Set SYSTEME_BUYER_TAG to the tag Systeme.io gives to buyers."
SYNC_NO_SUCH_TAG = "Systeme.io has no tag named “{tag}”. Check SYSTEME_BUYER_TAG."
SYNC_STARTED = "⏳ Reading the contacts tagged “{tag}” from Systeme.io…"
SYNC_DONE = ("✅ Systeme.io sync: {added} added, {updated} updated, {skipped} skipped "
             "({unchanged} unchanged, {no_email} without a valid email).")
SYNC_FAILED = "❌ Systeme.io did not answer as expected ({error}). Try again in a minute."
ADMIN_COMMANDS += [("sync_buyers", "Pull buyers from Systeme.io")]


# --- reports: CSV export and the Google Sheets mirror --------------------------------------
ADMIN_COMMANDS.extend([
    ("export", "CSV files of students, submissions, questions"),
    ("resync_sheets", "Rewrite the Google Sheet from the database"),
])
EXPORT_CAPTION = {
    "verified_users": "👥 Students: {n}",
    "submissions": "📝 Submissions: {n}",
    "questions": "❓ Questions: {n}",
}
EXPORT_FILE = {
    "verified_users": "students",
    "submissions": "submissions",
    "questions": "questions",
}
EXPORT_DONE = ("📦 Export ready ({date}, times in {zone}). UTF-8 CSV, opens in Excel and Google "
               "Sheets; cells starting with = + - @ are prefixed with ' so they stay text.")
SHEETS_OFF = ("Google Sheets is not configured: set GOOGLE_SERVICE_ACCOUNT_JSON (and "
              "GOOGLE_SHEET_NAME) and share the spreadsheet with the service account's email.")
SHEETS_RESYNC_QUEUED = ("🔄 The Google Sheet “{name}” will be rewritten from the database in a "
                        "moment (students, submissions, wins, questions). Rows are retried "
                        "until Google accepts them.")

# --- the copilot: suggested answers under question cards (copilot.py, handlers/copilot.py) ----
ADMIN_COMMANDS.append(("faq", "FAQ for suggested answers: /faq, /faq add, /faq import"))
QUESTION_CARD_ANSWERED_VIA = "\n\n✅ Answered by {admin} via suggestion"
SOURCE_QUESTION = "from the answer to question #{id}"
SOURCE_FAQ = "from FAQ: {title}"
SUGGESTION = ("💡 <b>Suggested answer</b> to question #{id}\n<i>{source}</i>\n\n"
              "<blockquote>{draft}</blockquote>\n\nNothing reaches the student until you tap "
              "Send.")
SUGGESTION_NOT_COVERED = ("💡 <b>No suggestion</b> for question #{id}: the course's answers "
                          "and FAQ do not cover it.\n<i>Looked at: {source}</i>\n\n"
                          "<blockquote>{draft}</blockquote>")
SUGGESTION_SENT = "\n\n✅ Sent by {admin}"
SUGGESTION_EDITED = "\n\n✏️ Edited and sent by {admin}"
SUGGESTION_DISMISSED_BY = "\n\n✖️ Dismissed by {admin}"
SUGGESTION_SUPERSEDED = "\n\n☑️ The question was answered another way."
BTN_SUGGESTION_SEND = "✅ Send"
BTN_SUGGESTION_EDIT = "✏️ Edit and send"
BTN_SUGGESTION_DISMISS = "✖️ Dismiss"
SUGGESTION_DECIDED = "This suggestion was already handled."
SUGGESTION_ALREADY_ANSWERED = "This question is already answered."
SUGGESTION_DISMISSED = "Dismissed."
SUGGESTION_EDIT_PROMPT = ("✏️ {admin}, send the corrected answer to question #{id} (or /cancel). "
                          "The draft:\n\n<code>{draft}</code>")
SUGGESTION_EDIT_CANCELLED = "Cancelled: the suggestion is still there."
COPILOT_BUDGET_SPENT = ("💸 Today's OpenAI budget for suggested answers is spent: until midnight "
                        "UTC, suggestions quote the best matching answer (search only).")
STATS_COPILOT = ("💡 <b>Suggestions</b>: {posted} posted ({sent} sent as is, {edited} edited, "
                 "{dismissed} dismissed)\nMedian answer time: {with_s} with a suggestion, "
                 "{without_s} without")

# --- the FAQ (handlers/faq.py) ------------------------------------------------------------------
FAQ_HEAD = "📚 <b>FAQ</b> ({n}): the copilot suggests answers from these and from past answers."
FAQ_ROW = "<b>#{id}</b> {question}\n    {answer}"
FAQ_EMPTY = ("📚 The FAQ is empty. /faq add adds a question and its answer; /faq import reads "
             "a .txt or .md file of Q/A pairs.")
FAQ_FOOT = "\nTap 🗑 to remove an entry. /faq add, /faq import"
BTN_FAQ_REMOVE = "🗑 #{id}"
FAQ_USAGE = "/faq lists the FAQ; /faq add adds an entry; /faq import reads a document."
FAQ_ASK_QUESTION = "📚 Send the question, as a student would ask it (or /cancel)."
FAQ_ASK_ANSWER = "Now send the answer."
FAQ_ADDED = "✅ FAQ #{id} added."
FAQ_IMPORT_PROMPT = ("📎 Send a .txt or .md document with Q/A pairs (\"Q: ...\" / \"A: ...\" "
                     "lines, or a \"## question\" heading followed by its answer), or /cancel.")
FAQ_IMPORTED = "✅ Imported {n} FAQ entries."
FAQ_IMPORT_NONE = ("No Q/A pairs found in that document: use \"Q: ...\" / \"A: ...\" lines or "
                   "\"## question\" headings.")
FAQ_IMPORT_BAD_FILE = "Send a text or Markdown document (.txt, .md) under 1 MB."
FAQ_REMOVED = "Removed FAQ #{id}."
FAQ_CANCELLED = "Cancelled."
FAQ_TEXT_ONLY = "Send text, please (or /cancel)."
