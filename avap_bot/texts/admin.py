"""Texts of the admins' tools: broadcasts, the desk (/stats, /student), the morning digest,
Systeme.io, reports, the copilot's suggestions and the FAQ."""

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
QUESTION_STATES = {"open": "⏳ open", "answered": "✅ answered in {age}"}
STUDENT_NONE = "none yet"
STUDENT_MORE = "…and {more} older."


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


# --- reports: CSV export and the Google Sheets mirror --------------------------------------
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
