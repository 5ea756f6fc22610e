"""Texts of the start, the verification of a purchase and the admins' buyer list."""

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
