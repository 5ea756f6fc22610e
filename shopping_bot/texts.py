"""Every text of the TimeToShopping bot, in Armenian (the admins' language)."""

APOLOGY = ("Ներողություն, մեր կողմից սխալ տեղի ունեցավ։ Թիմը տեղեկացված է․ "
           "խնդրում ենք փորձել մի քանի րոպեից։")

WELCOME = ("👋 Բարի գալուստ TimeToShopping խմբագրական վահանակ, {name}։\n\n"
           "Այստեղ դուք կստեղծեք, կպլանավորեք և կհրապարակեք ալիքի գրառումները։\n"
           "/help — հրամանների ցանկը")
NOT_AUTHORIZED = ("Ներողություն, այս բոտը հասանելի է միայն TimeToShopping ալիքի "
                  "խմբագիրներին։")
HELP = ("ℹ️ TimeToShopping բոտ\n\n"
        "/start — սկսել\n"
        "/help — այս հաղորդագրությունը\n"
        "/cancel — չեղարկել ընթացիկ գործողությունը")
CANCELLED = "Չեղարկված է։ /start — սկսելու համար։"
NOTHING_TO_CANCEL = "Չեղարկելու բան չկա։ /help — հրամանների ցանկը։"

COMMANDS = [
    ("start", "Սկսել"),
    ("help", "Հրամանների ցանկը"),
    ("cancel", "Չեղարկել ընթացիկ գործողությունը"),
]

# --- the main menu (reply keyboard) and the post actions (shared by the features) -------------
MENU_NEW = "➕ Նոր գրառում"
MENU_SCHEDULED = "🗓 Պլանավորված"
MENU_DRAFTS = "📝 Սևագրեր"
MENU_POSTS = "📰 Հրապարակված"
MENU_HELP = "ℹ️ Օգնություն"

BTN_PUBLISH_NOW = "🚀 Հրապարակել հիմա"
BTN_SCHEDULE = "🗓 Պլանավորել"
BTN_RESCHEDULE = "🗓 Փոխել ժամը"
BTN_SAVE_DRAFT = "💾 Պահել սևագիր"
BTN_EDIT = "✏️ Խմբագրել"
BTN_CANCEL = "✖️ Չեղարկել"
BTN_UNSCHEDULE = "↩️ Հանել պլանից"
BTN_PREVIEW = "👁 Նախադիտում"
BTN_UPDATE_CHANNEL = "🔄 Թարմացնել ալիքում"
BTN_DELETE = "🗑 Ջնջել ալիքից"
BTN_RETRY = "🔁 Հրապարակել հիմա"

# post statuses as the editors read them
STATUS = {"draft": "📝 սևագիր", "scheduled": "🗓 պլանավորված", "publishing": "⏳ հրապարակվում է",
          "published": "✅ հրապարակված", "failed": "❌ ձախողված", "missed": "⚠️ բաց թողնված",
          "deleted": "🗑 ջնջված"}
FORMAT_NAMES = {"product": "🛍 Ապրանք", "sale": "🔥 Զեղչ", "collection": "🧺 Հավաքածու",
                "tip": "💡 Խորհուրդ"}
STALE_BUTTON = "Այս կոճակն այլևս գործող չէ։"
POST_NOT_FOUND = "Գրառումը չի գտնվել (գուցե ջնջվել է)։"
