"""Texts of the students' coursework: questions and answers, wins, progress, assignments and
grading."""

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
