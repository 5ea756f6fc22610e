"""Texts of the engagement features: the daily tips and the study partners."""

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
