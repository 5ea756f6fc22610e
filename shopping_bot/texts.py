"""Every text of the TimeToShopping bot, in Armenian (the admins' language)."""

from shopping_bot.storage.status import PostAction, PostStatus

APOLOGY = ("Ներողություն, մեր կողմից սխալ տեղի ունեցավ։ Թիմը տեղեկացված է․ "
           "խնդրում ենք փորձել մի քանի րոպեից։")

WELCOME = ("👋 Բարի գալուստ TimeToShopping խմբագրական վահանակ, {name}։\n\n"
           "Այստեղ դուք կստեղծեք, կպլանավորեք և կհրապարակեք ալիքի գրառումները։\n"
           "/help — հրամանների ցանկը")
NOT_AUTHORIZED = ("Ներողություն, այս բոտը հասանելի է միայն TimeToShopping ալիքի "
                  "խմբագիրներին։")
# every command once, by section of /help: (command, its argument in /help, its line in /help,
# its entry in the command menu); HELP and COMMANDS are built from it
_COMMANDS_BY_SECTION = (
    ("<b>Գրառումներ</b>", (
        ("new", "", "նոր գրառում", "Նոր գրառում"),
        ("scheduled", "", "պլանավորված գրառումները", "Պլանավորված գրառումներ"),
        ("drafts", "", "սևագրերը", "Սևագրեր"),
        ("posts", "", "հրապարակված գրառումները", "Հրապարակված գրառումներ"),
        ("scheduler", "", "հրապարակումների պլանավորիչը", "Հրապարակումների պլանավորիչը"),
    )),
    ("<b>Վիճակագրություն</b>", (
        ("stats", "", "վիճակագրություն և գծապատկեր", "Վիճակագրություն"),
        ("post", "&lt;համար&gt;", "գրառման պատմությունը և կոճակների սեղմումները",
         "Գրառման պատմությունը և սեղմումները"),
        ("export", "", "արտահանել տվյալները (CSV կամ JSON)", "Արտահանել տվյալները"),
    )),
    ("<b>Խմբագիրներ</b> (միայն սեփականատերերի համար)", (
        ("editors", "", "խմբագիրների ցանկը", "Խմբագիրների ցանկը (սեփականատերեր)"),
        ("addeditor", "&lt;id&gt;", "ավելացնել խմբագիր ըստ թվային Telegram ID-ի",
         "Ավելացնել խմբագիր (սեփականատերեր)"),
        ("removeeditor", "&lt;id&gt;", "հեռացնել խմբագրին", "Հեռացնել խմբագրին (սեփականատերեր)"),
    )),
    ("<b>Այլ</b>", (
        ("start", "", "գլխավոր մենյու", "Գլխավոր մենյու"),
        ("help", "", "այս օգնությունը", "Օգնություն"),
        ("cancel", "", "չեղարկել ընթացիկ գործողությունը", "Չեղարկել ընթացիկ գործողությունը"),
    )),
)
HELP = "\n\n".join((
    "ℹ️ <b>TimeToShopping բոտ — օգնություն</b>",
    *("\n".join((title, *(f"/{c}{' ' + arg if arg else ''} — {line}"
                          for c, arg, line, _ in commands)))
      for title, commands in _COMMANDS_BY_SECTION),
    "Ներքևի մենյուի կոճակները անում են նույնը, ինչ հրամանները։"))
COMMANDS = [(c, entry) for _, commands in _COMMANDS_BY_SECTION for c, _, _, entry in commands]
CANCELLED = "Չեղարկված է։ /start — սկսելու համար։"
NOTHING_TO_CANCEL = "Չեղարկելու բան չկա։ /help — հրամանների ցանկը։"

# --- the main menu (reply keyboard) and the post actions (shared by the features) -------------
MENU_NEW = "➕ Նոր գրառում"
MENU_SCHEDULED = "🗓 Պլանավորված"
MENU_DRAFTS = "📝 Սևագրեր"
MENU_POSTS = "📰 Հրապարակված"
MENU_HELP = "ℹ️ Օգնություն"
# every main-menu button: a tap on one starts its feature, whatever step the editor is on
# (``shopping_bot.filters.MENU``; the keyboard is ``shopping_bot.keyboards.main_menu``)
MENU_BUTTONS = (MENU_NEW, MENU_SCHEDULED, MENU_DRAFTS, MENU_POSTS, MENU_HELP)

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

# post statuses as the editors read them (one for each)
STATUS: dict[str, str] = {
    PostStatus.DRAFT: "📝 սևագիր", PostStatus.SCHEDULED: "🗓 պլանավորված",
    PostStatus.PUBLISHING: "⏳ հրապարակվում է", PostStatus.PUBLISHED: "✅ հրապարակված",
    PostStatus.FAILED: "❌ ձախողված", PostStatus.MISSED: "⚠️ բաց թողնված",
    PostStatus.DELETED: "🗑 ջնջված"}
FORMAT_NAMES = {"product": "🛍 Ապրանք", "sale": "🔥 Զեղչ", "collection": "🧺 Հավաքածու",
                "tip": "💡 Խորհուրդ"}
STALE_BUTTON = "Այս կոճակն այլևս գործող չէ։"
POST_NOT_FOUND = "Գրառումը չի գտնվել (գուցե ջնջվել է)։"

# --- AI writer (H1: shopping_bot/ai) -----------------------------------------------------------
# one short line each, shown to the editor when the AI cannot help (str(AIUnavailable))
AI_NO_KEY = "🤖 AI-ն միացված չէ (OpenAI բանալին բացակայում է)։"
AI_TIMEOUT = "🤖 AI-ն ժամանակին չպատասխանեց։"
AI_FAILED = "🤖 AI-ն այս պահին անհասանելի է։"
AI_BAD_ANSWER = "🤖 AI-ի պատասխանը պիտանի չէր (երկու փորձից հետո)։"

# --- access and editors (handlers/access.py, handlers/editors.py, handlers/start.py) ----------
OWNERS_ONLY = ("Ներողություն, խմբագիրներին կարող են կառավարել միայն բոտի "
               "սեփականատերերը։")
EDITORS_HEAD = "👥 <b>Խմբագիրներ</b>"
EDITORS_OWNERS = "<b>Սեփականատերեր</b>"
EDITORS_ADDED = "<b>Բոտից ավելացված խմբագիրներ</b>"
EDITORS_ROW = "• {name} — <code>{id}</code>, վերջին ակտիվություն՝ {last}"
EDITORS_NEVER = "դեռ չկա"
EDITORS_NONE = "Բոտից ավելացված խմբագիրներ դեռ չկան։"
EDITORS_FOOTER = ("/addeditor &lt;id&gt; — ավելացնել խմբագիր, "
                  "/removeeditor &lt;id&gt; — հեռացնել։")
EDITOR_NO_NAME = "անանուն"
BTN_REMOVE_EDITOR = "🗑 Հեռացնել {name}"
ADDEDITOR_USAGE = ("Գրեք՝ /addeditor &lt;id&gt;, որտեղ id-ն խմբագրի թվային Telegram ID-ն է "
                   "(օրինակ՝ /addeditor 123456789)։")
REMOVEEDITOR_USAGE = ("Գրեք՝ /removeeditor &lt;id&gt;, որտեղ id-ն խմբագրի թվային Telegram "
                      "ID-ն է (օրինակ՝ /removeeditor 123456789)։ Ցանկը՝ /editors")
EDITOR_ADDED = ("✅ <code>{id}</code>-ն այժմ խմբագիր է։ Նրա հրամանների մենյուն "
                "տեղադրված է։")
EDITOR_ADDED_NO_CHAT = ("✅ <code>{id}</code>-ն այժմ խմբագիր է, բայց դեռ չի բացել բոտը․ "
                        "խնդրեք նրան բացել բոտը և սեղմել «Start»։")
EDITOR_ALREADY = "<code>{id}</code>-ն արդեն խմբագիր է։"
EDITOR_IS_OWNER = ("<code>{id}</code>-ն սեփականատեր է (AUTHORIZED_USERS)․ սեփականատերերին "
                   "փոխում են միայն սերվերի կարգավորումներում։")
EDITOR_REMOVED = "🗑 <code>{id}</code>-ն այլևս խմբագիր չէ։"
EDITOR_REMOVED_ALERT = "Խմբագիրը հեռացված է։"
EDITOR_NOT_FOUND = "<code>{id}</code>-ն բոտից ավելացված խմբագիրների մեջ չէ։ Ցանկը՝ /editors"
FALLBACK_HINT = ("Չհասկացա 🙂 Ընտրեք գործողություն ներքևի մենյուից կամ գրեք /help՝ "
                 "հրամանների ցանկի համար։")
REDIRECT_NOT_FOUND = "Հղումը չի գտնվել"

# --- compose: /new, the AI rounds, media, CTA buttons, title, preview, edit menu --------------
COMPOSE_PICK_FORMAT = "➕ <b>Նոր գրառում</b>\n\nԸնտրեք գրառման ձևաչափը․"
COMPOSE_PICK_FORMAT_EDIT = "Ընտրեք նոր ձևաչափը․"
COMPOSE_USE_BUTTONS = "Խնդրում ենք ընտրել վերևի կոճակներից մեկը (կամ /cancel)։"
COMPOSE_ASK_KEYWORDS = ("{format}\n\nՈւղարկեք բանալի բառեր կամ կարճ նկարագրություն․ ապրանքը, "
                        "գինը, խանութը, հղումը…\n<i>Օրինակ՝ Nike Air Max, 45 000 ֏, "
                        "Yerevan Mall, https://shop.am/nike</i>")
COMPOSE_ASK_KEYWORDS_EDIT = ("Ներկայիս բանալի բառերը՝\n<i>{keywords}</i>\n\n"
                             "Ուղարկեք նորերը․ տեքստը կստեղծվի նորից։")
COMPOSE_KEYWORDS_TEXT_ONLY = "Բանալի բառերն ուղարկեք տեքստով (կամ /cancel)։"
COMPOSE_KEYWORDS_TOO_LONG = "Շատ երկար է ({n} նիշ)։ Առավելագույնը {limit} նիշ։"
COMPOSE_WRITING = "⏳ Գրում եմ…"
COMPOSE_WORKING = "⏳ Մի պահ…"
COMPOSE_ROUND_HEADER = {"ai": "🤖 <b>Տեքստը</b> (AI)", "template": "📄 <b>Տեքստը</b> (ձևանմուշ)",
                        "own": "✍️ <b>Տեքստը</b>"}
COMPOSE_ROUND_HINT = "\n\n<i>Ընտրեք գործողությունը կամ ուղարկեք ձեր տեքստը։</i>"
COMPOSE_ROUND_BAD_MARKUP = ("⚠️ Telegram-ը չի կարող կարդալ այս տեքստի ձևավորումը (փակված չէ "
                            "որևէ թեգ)․ ցույց եմ տալիս առանց ձևավորման։ Խմբագրեք այն, թե չէ "
                            "հրապարակումը չի ստացվի։")
COMPOSE_NO_TEXT = "Տեքստ դեռ չկա։ Գրեք ձեր տեքստը կամ ստացեք ձևանմուշից սևագիր։"
COMPOSE_AI_OFF = "ℹ️ AI-ն միացված չէ (OPENAI_API_KEY չկա)։"
COMPOSE_AI_FAILED = "⚠️ {reason}"
COMPOSE_SEND_OWN = "✍️ Ուղարկեք գրառման տեքստը մեկ հաղորդագրությամբ։"
COMPOSE_ASK_INSTRUCTION = ("✨ Ինչպե՞ս բարելավել տեքստը։ Գրեք ձեր բառերով, օրինակ՝ "
                           "«ավելի կարճ», «ավելի պաշտոնական», «ավելացրու գինը»։")
COMPOSE_TEXT_ONLY = "Խնդրում ենք ուղարկել տեքստ (կամ /cancel)։"
COMPOSE_TEXT_TOO_LONG = "Տեքստը շատ երկար է ({n} նիշ)։ Առավելագույնը {limit} նիշ։"
COMPOSE_REVIEW = "⭐ <b>Գնահատական՝ {score}/10</b>\n{suggestions}"
COMPOSE_REVIEW_ROW = "• {text}"
COMPOSE_REVIEW_NONE = "Առաջարկներ չկան։"

# the buttons under a text, by their action (ComposeText's)
BTN_C_TEXT = {"ok": "✅ Ընդունել", "regen": "🔄 Նորից գրել", "improve": "✨ Բարելավել",
              "ru": "🇷🇺 Ռուսերեն", "en": "🇬🇧 Անգլերեն", "hy": "🇦🇲 Հայերեն",
              "review": "⭐ Գնահատել", "own": "✍️ Իմ տեքստը", "tpl": "📄 Ձևանմուշից"}
BTN_C_RETRY_AI = "🔄 Փորձել AI-ն նորից"  # "regen" when the AI failed to write the first text

COMPOSE_ASK_MEDIA = "🖼 Գրառմանը մեդիա կավելացնե՞ք։"
# by media kind (as ComposeMedia's kind): its button, the prompt for it, the reminder of it
BTN_C_MEDIA = {"photo": "🖼 Լուսանկար", "video": "🎬 Տեսանյութ", "animation": "🎞 GIF"}
BTN_C_NO_MEDIA = "🚫 Առանց մեդիայի"
COMPOSE_SEND_MEDIA = {"photo": "Ուղարկեք լուսանկարը։", "video": "Ուղարկեք տեսանյութը։",
                      "animation": "Ուղարկեք GIF-ը։"}
COMPOSE_MEDIA_EXPECTED = {"photo": "Սպասում եմ լուսանկարի (ոչ ֆայլի)։",
                          "video": "Սպասում եմ տեսանյութի։",
                          "animation": "Սպասում եմ GIF անիմացիայի։"}
COMPOSE_MEDIA_USE_BUTTONS = "Ընտրեք կոճակներից մեկը կամ ուղարկեք լուսանկար, տեսանյութ կամ GIF։"

COMPOSE_TOO_LONG = ("✂️ Մեդիայով գրառման տեքստը մակագրություն է և պետք է լինի առավելագույնը "
                    "{limit} նիշ, իսկ այս տեքստը {n} նիշ է։ Ի՞նչ անել։")
COMPOSE_TOO_LONG_PUBLISHED = ("✂️ Հրապարակված գրառման մակագրությունը պետք է լինի առավելագույնը "
                              "{limit} նիշ, իսկ այս տեքստը {n} նիշ է։ Կրճատեք այն։")
BTN_C_SHORTEN = "✂️ Կրճատել AI-ով"
BTN_C_SEPARATE = "📨 Տեքստը՝ առանձին հաղորդագրությամբ"
BTN_C_EDIT_TEXT = "✍️ Խմբագրել տեքստը"

COMPOSE_ASK_BUTTONS = ("🔘 <b>Կոճակներ</b> (առավելագույնը {max})\n\n"
                       "Ուղարկեք «անուն - URL» զույգեր, ամեն մեկը նոր տողից, օրինակ՝\n"
                       "<code>Գնել հիմա - https://shop.am/item</code>")
COMPOSE_SUGGESTED = "\n\n🤖 Առաջարկվող կոճակներ․\n{rows}"
COMPOSE_CURRENT_BUTTONS = "\n\n✅ Ընթացիկ կոճակներ․\n{rows}"
COMPOSE_BUTTON_ROW = "{n}. {label} → {url}"
BTN_C_USE_SUGGESTED = "✅ Ընդունել առաջարկվածները"
BTN_C_NO_BUTTONS = "🚫 Առանց կոճակների"
BTN_C_CONTINUE = "➡️ Շարունակել"
BTN_C_CLEAR = "🗑 Ջնջել կոճակները"
COMPOSE_CTA_BAD_LINE = ("Չհասկացա այս տողը՝ «{line}»։ Գրեք այսպես՝ "
                        "<code>Անուն - https://example.am</code>")
COMPOSE_CTA_BAD_URL = ("Հղումը չի ընդունվում՝ «{url}»։ Թույլատրվում են միայն http:// և "
                       "https:// հասցեներ՝ կայքի անունով։")
COMPOSE_CTA_BAD_LABEL = "Կոճակի անունը պետք է լինի 1-ից {max} նիշ՝ «{label}»։"
COMPOSE_CTA_TOO_MANY = ("Կոճակները կարող են լինել առավելագույնը {max}, իսկ կստացվեր {n}։ "
                        "Ոչինչ չի ավելացվել։")
COMPOSE_CTA_SAVED = "Կոճակները պահված են։"

COMPOSE_ASK_TITLE = ("🏷 Ուղարկեք գրառման վերնագիրը (ցուցակների համար, մինչև {max} նիշ) "
                     "կամ օգտագործեք առաջարկվածը՝\n<b>{auto}</b>")
BTN_C_USE_TITLE = "✅ Օգտագործել առաջարկվածը"
COMPOSE_TITLE_BAD = "Վերնագիրը պետք է լինի 1-ից {max} նիշ (հիմա՝ {n})։"

COMPOSE_PREVIEW = "👆 Նախադիտում · #{id} · <b>{title}</b>\n{format} · {status}"
COMPOSE_PREVIEW_BAD_MARKUP = ("❌ Telegram-ը չընդունեց տեքստը․ դրա ձևավորումը սխալ է (օրինակ՝ "
                              "չփակված &lt;b&gt;-ի պես թեգ)։ Խմբագրեք տեքստը և նորից դիտեք։")
COMPOSE_PREVIEW_FAILED = "❌ Telegram-ը չընդունեց նախադիտումը՝ {reason}"
COMPOSE_NOT_EDITABLE = "Այս գրառումն այժմ հնարավոր չէ խմբագրել ({status})։"
COMPOSE_EDIT_MENU = "✏️ <b>Խմբագրում</b> · #{id} · {title}\n\nԻ՞նչ փոխել։"
COMPOSE_EDIT_MENU_PUBLISHED = ("✏️ <b>Խմբագրում</b> · #{id} · {title}\n\nՀրապարակված գրառման "
                               "մեջ կարելի է փոխել տեքստը, կոճակները և վերնագիրը։ Հետո սեղմեք "
                               "«Թարմացնել ալիքում»։")
BTN_C_EDIT = {"format": "📋 Ձևաչափ", "keywords": "🔑 Բանալի բառեր", "text": "📝 Տեքստ",
              "media": "🖼 Մեդիա", "buttons": "🔘 Կոճակներ", "title": "🏷 Վերնագիր"}
COMPOSE_FIELD_LOCKED = "Հրապարակված գրառման մեջ սա հնարավոր չէ փոխել։"
COMPOSE_SAVED_DRAFT = "💾 Գրառումը պահված է սևագրերում։ Գտեք այն /drafts-ում։"
COMPOSE_SAVED = "💾 Փոփոխությունները պահված են ({status})։"
COMPOSE_DISCARDED = "🗑 Գրառումը ջնջված է։"
COMPOSE_LEFT_AS_IS = "Գրառումը մնաց ինչպես կար ({status})։"
COMPOSE_PREVIEW_HINT = "Օգտագործեք նախադիտման տակի կոճակները (կամ /cancel)։"

# --- schedule / publishing / manage (handlers/schedule.py, handlers/publishing.py) ------------
MONTHS = ("Հունվար", "Փետրվար", "Մարտ", "Ապրիլ", "Մայիս", "Հունիս", "Հուլիս", "Օգոստոս",
          "Սեպտեմբեր", "Հոկտեմբեր", "Նոյեմբեր", "Դեկտեմբեր")
WEEKDAYS = ("Եկ", "Եք", "Չք", "Հգ", "Ու", "Շբ", "Կի")  # Monday first
CAL_BLANK = "·"
CAL_PREV = "◀️"
CAL_NEXT = "▶️"
CAL_BACK = "« Հետ"

SCHEDULE_PICK_DAY = ("🗓 <b>{title}</b>\nԸնտրեք հրապարակման օրը։\n"
                     "Ժամերը՝ {tz} ժամային գոտով (հիմա՝ {now})։")
SCHEDULE_PICK_HOUR = ("🗓 <b>{title}</b> · {date}\n🕐 Ընտրեք ժամը կամ գրեք այն ՀՀ:ՐՐ ձևաչափով "
                      "(օրինակ՝ 18:30)։ Ժամային գոտի՝ {tz} (հիմա՝ {now})։")
SCHEDULE_PICK_MINUTE = ("🗓 <b>{title}</b> · {date}, {hour}:__\nԸնտրեք րոպեները կամ գրեք ժամը "
                        "ՀՀ:ՐՐ ձևաչափով։ Ժամային գոտի՝ {tz}։")
SCHEDULE_PAST = ("⛔ {when}-ն արդեն անցել է (հիմա՝ {now}, {tz})։ Ընտրեք ապագա ժամ կամ գրեք "
                 "այն ՀՀ:ՐՐ ձևաչափով։")
SCHEDULE_PAST_DAY = "⛔ Այդ օրն արդեն անցել է։ Ընտրեք այսօր կամ ավելի ուշ։"
SCHEDULE_BAD_TIME = ("Չհասկացա ժամը։ Գրեք այն ՀՀ:ՐՐ ձևաչափով (օրինակ՝ 09:05) կամ ընտրեք "
                     "կոճակներից (/cancel՝ չեղարկելու համար)։")
SCHEDULE_PICK_DAY_FIRST = ("Նախ ընտրեք օրը վերևի օրացույցից, հետո ժամը "
                           "(/cancel՝ չեղարկելու համար)։")
SCHEDULE_DONE = "✅ <b>{title}</b> գրառումը պլանավորված է՝ {when} ({tz})։"
SCHEDULE_NOT_ALLOWED = "Այս գրառումը հնարավոր չէ պլանավորել․ այն {status} է։"
UNSCHEDULED = "↩️ <b>{title}</b> գրառումը հանվեց պլանից և վերադարձավ սևագրեր։"
UNSCHEDULE_NOT_ALLOWED = "Այս գրառումը պլանում չէ․ այն {status} է։"

NO_TITLE = "(առանց վերնագրի)"
NO_TIME = "—"
LIST_SCHEDULED_HEAD = "🗓 <b>Պլանավորված գրառումներ</b> ({n}) · ժամերը՝ {tz}"
LIST_DRAFTS_HEAD = "📝 <b>Սևագրեր</b> ({n}) · վերջին փոփոխությունը՝ {tz}"
LIST_POSTS_HEAD = "📰 <b>Վերջին հրապարակումները</b> ({n}) · ժամերը՝ {tz}"
LIST_ROW = "{n}. <b>{title}</b>\n     {format} · {when}"
LIST_ROW_STATUS = "{n}. <b>{title}</b>\n     {format} · {when} · {status}"
LIST_MORE = "\n… ցուցադրված են առաջին {shown}-ը {total}-ից։"
LIST_HINT = ("\nԿոճակներ՝ 👁 նախադիտում, ⚙️ բոլոր գործողությունները (հրապարակել, փոխել ժամը, "
             "խմբագրել, հանել պլանից)։")
LIST_SCHEDULED_EMPTY = "🗓 Պլանավորված գրառումներ չկան։ «➕ Նոր գրառում»՝ ստեղծելու համար։"
LIST_DRAFTS_EMPTY = "📝 Սևագրեր չկան։ «➕ Նոր գրառում»՝ ստեղծելու համար։"
LIST_POSTS_EMPTY = "📰 Դեռ հրապարակված գրառումներ չկան։"
BTN_LIST_PREVIEW = "{n}. 👁 {title}"
BTN_LIST_MANAGE = "⚙️ {n}"
POST_CARD = "<b>{title}</b>\n{status} · {format}\n{when}"
POST_CARD_SCHEDULED = "🗓 Հրապարակման ժամը՝ {when} ({tz})"
POST_CARD_PUBLISHED = "✅ Հրապարակված՝ {when} ({tz})\n🔗 {link}"
POST_CARD_UPDATED = "✏️ Վերջին փոփոխությունը՝ {when} ({tz})"
POST_CARD_ERROR = "\n❗ Պատճառը՝ {reason}"

PUBLISHED_NOW = "✅ <b>{title}</b> գրառումը հրապարակվեց ալիքում՝ {link}"
PUBLISH_REFUSED = ("❌ Telegram-ը մերժեց <b>{title}</b> գրառման հրապարակումը։\nՊատճառը՝ {reason}\n"
                   "Գրառումը նշվեց որպես ձախողված․ ստուգեք բոտի իրավունքները ալիքում և "
                   "փորձեք նորից։")
PUBLISH_BUSY = "⏳ Այս գրառումն արդեն հրապարակվում է։"
ALREADY_PUBLISHED = "Այս գրառումն արդեն հրապարակված է։"
PUBLISH_NOT_ALLOWED = "Այս գրառումը հնարավոր չէ հրապարակել․ այն {status} է։"
NO_CHANNEL = "Ալիքը կարգավորված չէ (SHOPPING_CHANNEL_ID)։ Դիմեք ադմինիստրատորին։"
PUBLISHING_ANSWER = "⏳ Հրապարակում եմ…"
NOTIFY_PUBLISHED = "✅ Ձեր պլանավորված <b>{title}</b> գրառումը հրապարակվեց՝ {link}"
NOTIFY_FAILED = ("❌ <b>{title}</b> գրառումը չհաջողվեց հրապարակել ({attempts} փորձ)։\n"
                 "Պատճառը՝ {reason}\nՍտուգեք բոտի իրավունքները ալիքում և փորձեք նորից։")
NOTIFY_MISSED = ("⚠️ <b>{title}</b> գրառումը պետք է հրապարակվեր {when}-ին ({tz}), բայց բոտն այդ "
                 "ժամին չէր աշխատում, և ուշացումը {grace}-ից ավելի է։ Հրապարակե՞լ հիմա, "
                 "փոխե՞լ ժամը, թե՞ վերադարձնել սևագրեր։")
STALE_REASON = ("Հրապարակումն ընդհատվեց (սերվերը կանգ առավ), և հնարավոր է՝ գրառումը մասամբ կամ "
                "ամբողջությամբ հասել է ալիք։ Նախ ստուգեք ալիքը, հետո միայն փորձեք նորից։")
NOTIFY_STALE = "⚠️ <b>{title}</b>․ {reason}"
UNEXPECTED_ERROR = "անսպասելի սխալ ({name})"

CHANNEL_UPDATED = "🔄 <b>{title}</b> գրառումը թարմացվեց ալիքում՝ {link}"
CHANNEL_UPDATE_FAILED = "❌ Չհաջողվեց թարմացնել գրառումն ալիքում։\nՊատճառը՝ {reason}"
NOT_PUBLISHED = "Այս գրառումը ալիքում չէ․ այն {status} է։"
DELETE_CONFIRM = ("🗑 Ջնջե՞լ <b>{title}</b> գրառումը ալիքից ({n} հաղորդագրություն)։ "
                  "Այս քայլը հետ շրջել հնարավոր չէ։")
BTN_DELETE_CONFIRM = "🗑 Այո, ջնջել"
BTN_DELETE_KEEP = "✖️ Ոչ, թողնել"
DELETED = "🗑 <b>{title}</b> գրառումը ջնջվեց ալիքից։"
DELETE_KEPT = "Լավ, գրառումը մնում է ալիքում։"
DELETE_TOO_OLD = ("⏳ Telegram-ը թույլ է տալիս բոտին ջնջել միայն 48 ժամից ոչ հին "
                  "հաղորդագրություններ, իսկ <b>{title}</b> գրառումն ավելի հին է։ Կարող եք "
                  "փոխարենը խմբագրել այն։")
DELETE_FAILED = "❌ Չհաջողվեց ջնջել գրառումը ալիքից։\nՊատճառը՝ {reason}"

SCHEDULER_HEAD = ("⚙️ <b>Պլանավորիչ</b>\nԺամային գոտի՝ {tz} (հիմա՝ {now}) · ստուգում՝ ամեն "
                  "{every} վրկ · ուշացման սահման՝ {grace} · փորձեր՝ {attempts}")
SCHEDULER_COUNTS = "Գրառումներ․ {counts}"
SCHEDULER_NEXT = "\n<b>Հաջորդ հրապարակումները</b>"
SCHEDULER_NEXT_NONE = "\nՊլանավորված գրառումներ չկան։"
SCHEDULER_NEXT_ROW = "• {when} — <b>{title}</b>{retry}"
SCHEDULER_RETRYING = " (կրկնակի փորձ {attempts}, հաջորդը՝ {at})"
SCHEDULER_FAILED = "\n<b>❌ Ձախողված</b>"
SCHEDULER_MISSED = "\n<b>⚠️ Բաց թողնված</b>"
SCHEDULER_PROBLEM_ROW = "{n}. <b>{title}</b> — {when}{reason}"
SCHEDULER_ALL_GOOD = "\nՁախողված կամ բաց թողնված գրառումներ չկան ✅"
BTN_CLEANUP = "🧹 Ձախողվածները՝ սևագրեր"
BTN_PROBLEM = "{n}. ⚙️ {title}"
CLEANED = "🧹 {n} ձախողված գրառում վերադարձվեց սևագրեր։"
CLEANED_NONE = "Ձախողված գրառումներ չկան։"

# --- analytics: /stats, the chart, /post, /export (shopping_bot/handlers/analytics.py) ---------
PERIOD_NAMES = {"today": "Այսօր", "7d": "7 օր", "30d": "30 օր"}
STATS_HEADER = "📊 <b>Վիճակագրություն՝ {name}</b>\n{first} – {last} ({tz})"
STATS_TOTALS = ("📰 Հրապարակված գրառումներ՝ <b>{posts}</b>\n"
                "👆 Սեղմումներ՝ <b>{clicks}</b>\n"
                "📈 Սեղմումներ մեկ գրառման հաշվով՝ <b>{ratio}</b>")
STATS_TOP_HEADER = "🏆 <b>Թոփ 5 ըստ սեղմումների</b>"
STATS_TOP_LINE = "{n}. {title} — {date} — {format} — <b>{clicks}</b>"
STATS_TOP_NONE = "Այս ժամանակահատվածում սեղմումներ չկան։"
STATS_FORMAT_HEADER = "🧩 <b>Ըստ ձևաչափի</b> (գրառում / սեղմում / միջին)"
STATS_FORMAT_LINE = "{format}՝ {posts} / {clicks} / {average}"
STATS_FOOTNOTE = ("<i>Սեղմումները՝ ժամանակահատվածում արված բոլոր սեղմումները, միջինը՝ "
                  "սեղմումներ ÷ հրապարակված գրառումներ։</i>")
BTN_CHART = "📉 Գրաֆիկ"
BTN_PERIOD = PERIOD_NAMES  # a period's button reads as its name
CHART_TITLE = "Սեղմումներ և գրառումներ ըստ օրերի\n{first} – {last}"
CHART_CLICKS = "Սեղմումներ"
CHART_POSTS = "Գրառումներ"
CHART_CAPTION = "📉 {name}՝ {first} – {last} ({tz})"
POST_USAGE = "Գրեք գրառման համարը, օրինակ՝ /post 12"
POST_HISTORY_HEADER = "🗂 <b>Գրառում #{id}</b>՝ {title}\n{format} · {status}"
POST_HISTORY_LINE = "• {when} — {action}"
POST_CTA_HEADER = "👆 <b>Կոճակների սեղմումներ</b>"
POST_CTA_LINE = "• {label} — <b>{clicks}</b>"
POST_CTA_NONE = "Կոճակներ չկան։"
# the life cycle's actions as /post shows them (one for each; other actions show as logged)
HISTORY_ACTIONS = {
    PostAction.CREATED: "ստեղծվել է",
    PostAction.EDITED: "խմբագրվել է",
    PostAction.SCHEDULED: "պլանավորվել է",
    PostAction.UNSCHEDULED: "հանվել է պլանից",
    PostAction.PUBLISHED: "հրապարակվել է",
    PostAction.PUBLISH_RETRY: "հրապարակման նոր փորձ",
    PostAction.FAILED: "ձախողվել է",
    PostAction.MISSED: "բաց է թողնվել",
    PostAction.DELETED: "ջնջվել է ալիքից",
    PostAction.CLEANED_UP: "վերադարձվել է սևագրերին",
}
EXPORT_CHOOSE_KIND = "📤 Ի՞նչ արտահանել"
EXPORT_KINDS = {"posts": "📰 Գրառումներ և վիճակագրություն", "events": "🧾 Իրադարձություններ",
                "summary": "📋 Ամփոփ հաշվետվություն"}
EXPORT_CHOOSE_PERIOD = "Ո՞ր ժամանակահատվածի համար"
EXPORT_CHOOSE_FORMAT = "Ո՞ր ձևաչափով"
EXPORT_CAPTION = "{kind}՝ {first} – {last} ({tz}), {n} տող"
EXPORT_EMPTY_NOTE = "Այս ժամանակահատվածում տվյալներ չկան, ֆայլը պարունակում է միայն վերնագրերը։"
DURATION_HOURS_MINUTES = "{h} ժ {m} ր"
DURATION_HOURS = "{h} ժ"
DURATION_MINUTES = "{m} ր"
DURATION_SECONDS = "{s} վ"

# --- publisher (lead) --------------------------------------------------------------------------
PUBLISH_DOES_NOT_FIT = ("տեքստը չի տեղավորվում (մեդիայով գրառման նկարագրությունը՝ առավելագույնը "
                        "1024 նիշ)․ կրճատեք այն խմբագրելով")
