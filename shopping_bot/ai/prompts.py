"""Every prompt the AI writer sends, in Armenian, and the templates of the no-AI fallback.

One system prompt per post format (tone, structure, emoji set, call to action, length), and one
function per action building the ``messages`` list of a chat completion: ``generate_messages``,
``improve_messages``, ``translate_messages``, ``shorten_messages``, ``review_messages``. The model
is asked for a JSON object: ``{"text": ..., "buttons": [{"label", "url"}]}`` for a post, and
``{"score": n, "suggestions": [...]}`` for a review.

``template_text`` builds the fallback draft (no AI): the format's template with the editor's
keywords inserted, HTML-escaped.
"""

from __future__ import annotations

import html

FORMATS = ("product", "sale", "collection", "tip")
DEFAULT_FORMAT = "product"
LANGUAGES = ("hy", "ru", "en")

# the language names as the prompts say them ("translate into ...")
LANGUAGE_NAMES = {"hy": "հայերեն", "ru": "ռուսերեն", "en": "անգլերեն"}

CAPTION_LIMIT = 1024
TEMPLATE_KEYWORDS_LIMIT = 600  # keywords beyond this are cut in the fallback draft

ROLE = ("Դու TimeToShopping Telegram ալիքի փորձառու խմբագիրն ես։ Ալիքը հայ գնորդներին "
        "ներկայացնում է ապրանքներ, զեղչեր, հավաքածուներ և գնումների խորհուրդներ։ Գրում ես "
        "գրագետ արևելահայերենով, կենդանի, վստահելի և հարգալից ոճով՝ առանց չափազանցությունների։")

# format -> what a post of that format looks like (also the context of a review)
FORMAT_PROMPTS = {
    "product": (
        "Ձևաչափը՝ ապրանքի ներկայացում (մեկ ապրանք)։\n"
        "Տոնը՝ ոգևորված, բայց փաստացի։\n"
        "Կառուցվածքը՝ գրավիչ վերնագիր <b>-ով; 2–3 նախադասություն՝ ինչ է ապրանքը, ում համար է և "
        "ինչու արժե ընտրել; 3–4 հիմնական առավելություն՝ առանձին տողերով, յուրաքանչյուրը "
        "էմոջիով; գինը, եթե տրված է; վերջում՝ կոչ գործողության (օր.՝ «Պատվիրե՛ք հիմա 👉»)։\n"
        "Էմոջիները՝ 🛍 ✨ ✅ 💎 📦 👉 (և ապրանքին համապատասխանող մեկ-երկուսը), ընդամենը 3–6 հատ։\n"
        "Երկարությունը՝ 400–900 նիշ։"
    ),
    "sale": (
        "Ձևաչափը՝ զեղչ կամ ակցիա։\n"
        "Տոնը՝ եռանդուն և հրավիրող, բայց ոչ ագրեսիվ։\n"
        "Կառուցվածքը՝ վերնագիր՝ զեղչի չափով (օր.՝ <b>−20%</b>); ինչի վրա է գործում զեղչը; հին "
        "և նոր գինը, եթե տրված են; ժամկետը, եթե տրված է; մեկ նախադասություն, թե ինչու չպետք է "
        "բաց թողնել; վերջում՝ հստակ կոչ (օր.՝ «Շտապե՛ք, քանակը սահմանափակ է 👉»)։\n"
        "Էմոջիները՝ 🔥 💥 🏷 ⏰ 💸 👉, ընդամենը 3–6 հատ։\n"
        "Երկարությունը՝ 300–800 նիշ։"
    ),
    "collection": (
        "Ձևաչափը՝ հավաքածու (մեկ թեմայով մի քանի ապրանք)։\n"
        "Տոնը՝ ոգեշնչող, ընտրությանն օգնող։\n"
        "Կառուցվածքը՝ թեմայի վերնագիր <b>-ով; մեկ-երկու նախադասություն ներածություն; 3–6 "
        "ապրանք՝ ցուցակով, յուրաքանչյուրը մեկ տողով (անունը <b>-ով, մեկ առավելություն, գինը, "
        "եթե տրված է); վերջում՝ կոչ (օր.՝ «Ընտրե՛ք ձերը 👉»)։\n"
        "Էմոջիները՝ 🧺 🎁 ✨ 1️⃣ 2️⃣ 3️⃣ 👉, չափավոր։\n"
        "Երկարությունը՝ 500–1000 նիշ։"
    ),
    "tip": (
        "Ձևաչափը՝ գնումների խորհուրդ։\n"
        "Տոնը՝ ընկերական և օգտակար, առանց գովազդային ճնշման։\n"
        "Կառուցվածքը՝ վերնագիր՝ հարց կամ խոստում <b>-ով; 3–5 գործնական խորհուրդ՝ առանձին "
        "տողերով, յուրաքանչյուրը էմոջիով; մեկ նախադասություն եզրակացություն; մեղմ կոչ (օր.՝ "
        "«Պահե՛ք գրառումը և կիսվե՛ք ընկերների հետ 📌»)։\n"
        "Էմոջիները՝ 💡 ✅ 📌 🛒 👀, ընդամենը 3–5 հատ։\n"
        "Երկարությունը՝ 400–900 նիշ։"
    ),
}

RULES = (
    "Կանոններ՝\n"
    "- Գրիր միայն {language} (ապրանքանիշերի և ապրանքների անունները կարող են մնալ "
    "լատինատառ)։\n"
    "- Ձևավորման համար օգտագործիր միայն <b> և <i> պիտակները; ոչ մի այլ HTML, ոչ Markdown։\n"
    f"- Տեքստը պետք է տեղավորվի {CAPTION_LIMIT} նիշի մեջ (նկարի ստորագրություն), եթե այլ "
    "բան չի խնդրվել։\n"
    "- Մի՛ հորինիր գներ, զեղչեր, ժամկետներ, հասցեներ կամ հղումներ, որոնք տրված չեն։"
)

POST_JSON = (
    "Պատասխանիր միայն JSON օբյեկտով, առանց այլ բացատրության՝\n"
    '{"text": "գրառման տեքստը", "buttons": [{"label": "կոճակի անունը", '
    '"url": "https://..."}]}\n'
    "buttons-ում՝ առավելագույնը 3 կոճակ (կոչ գործողության), անունը՝ մինչև 40 նիշ, {language}; "
    "url-ը՝ միայն http:// կամ https:// հղում, և միայն տրված հղումներից։ Եթե հղում տրված չէ, "
    "buttons-ը թող դատարկ լինի։"
)

REVIEW_ROLE = (
    "Դու TimeToShopping Telegram ալիքի պահանջկոտ գլխավոր խմբագիրն ես։ Գնահատիր գրառման "
    "որակը 10 բալանոց սանդղակով՝ հաշվի առնելով լեզուն և ուղղագրությունը, կառուցվածքը, "
    "վերնագրի գրավչությունը, կոչի հստակությունը, էմոջիների չափավորությունը և ձևաչափի "
    "պահանջներին համապատասխանությունը։"
)

REVIEW_JSON = (
    "Պատասխանիր միայն JSON օբյեկտով, առանց այլ բացատրության՝\n"
    '{"score": 8, "suggestions": ["կոնկրետ առաջարկ", "..."]}\n'
    "score-ը՝ ամբողջ թիվ 1-ից 10; suggestions-ում՝ մինչև 5 կոնկրետ, գործնական առաջարկ "
    "հայերենով (ինչ փոխել և ինչպես), յուրաքանչյուրը մեկ նախադասությամբ։"
)

TRANSLATE_ROLE = (
    "Դու TimeToShopping Telegram ալիքի պրոֆեսիոնալ թարգմանիչն ես։ Թարգմանիր գրառումը "
    "նշված լեզվով բնական, գովազդային ոճով (ոչ բառացի)։ Պահպանիր էմոջիները, <b> և <i> "
    "պիտակները, թվերը, գները, անունները և հղումները; ոչ մի այլ HTML, ոչ Markdown։ Եթե "
    "կոճակներ կան, թարգմանիր նաև դրանց անունները՝ հղումները չփոխելով։"
)

IMPROVE_TASK = (
    "Բարելավիր ստորև բերված գրառումը՝ ըստ խմբագրի հրահանգի։ Պահպանիր փաստերը (գները, "
    "անունները, հղումները), եթե հրահանգն այլ բան չի պահանջում։"
)

SHORTEN_TASK = (
    "Կրճատիր ստորև բերված գրառումը։ Պահպանիր գլխավորը՝ ապրանքը, գինը, զեղչը, կոչը։ "
    "Երկարությունը հաշվվում է առանց պիտակների։"
)

# a short corrective message, added once when an answer failed the checks
CORRECTIONS = {
    "empty": "տեքստը դատարկ էր",
    "json": "պատասխանը ճիշտ JSON չէր",
    "too_long": "տեքստը չափազանց երկար էր",
    "script_hy": "տեքստը հայերեն չէր",
    "script_ru": "տեքստը ռուսերեն չէր",
    "script_en": "տեքստը անգլերեն չէր",
    "score": "score-ը բացակայում էր",
}


def _format(post_format: str) -> str:
    return post_format if post_format in FORMATS else DEFAULT_FORMAT


def _rules(language: str) -> str:
    return RULES.replace("{language}", LANGUAGE_NAMES.get(language, language))


def _post_json(language: str) -> str:
    return POST_JSON.replace("{language}", LANGUAGE_NAMES.get(language, language))


def system_prompt(post_format: str) -> str:
    """The system prompt of a format, for the actions that write a post."""
    return "\n\n".join((ROLE, FORMAT_PROMPTS[_format(post_format)], _rules("hy"),
                        _post_json("hy")))


def _messages(system: str, user: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _on_post(task: str, text: str) -> str:
    """The user message of an action on a written post: what to do, then the post."""
    return f"{task}\n\nԳրառումը՝\n{text}"


def generate_messages(post_format: str, keywords: str) -> list[dict[str, str]]:
    """Write a new post of ``post_format`` from the editor's keywords."""
    user = ("Գրիր նոր գրառում այս ձևաչափով։\n"
            f"Բանալի բառեր՝ {keywords.strip()}")
    return _messages(system_prompt(post_format), user)


def improve_messages(text: str, instruction: str, post_format: str) -> list[dict[str, str]]:
    """Rewrite ``text`` following the editor's own words ("shorter", "add the price", ...)."""
    return _messages(system_prompt(post_format),
                     _on_post(f"{IMPROVE_TASK}\nՀրահանգ՝ {instruction.strip()}", text))


def translate_messages(text: str, language: str) -> list[dict[str, str]]:
    """Translate ``text`` into ``language`` ("hy", "ru" or "en")."""
    name = LANGUAGE_NAMES.get(language, language)
    system = "\n\n".join((TRANSLATE_ROLE, f"Թարգմանության լեզուն՝ {name}։",
                          _rules(language), _post_json(language)))
    return _messages(system, _on_post(f"Թարգմանության լեզուն՝ {name} ({language})", text))


def shorten_messages(text: str, limit: int, post_format: str) -> list[dict[str, str]]:
    """Shorten ``text`` so that its visible length is at most ``limit`` characters."""
    return _messages(system_prompt(post_format),
                     _on_post(f"{SHORTEN_TASK}\nՍահմանը՝ {limit} նիշ (ոչ ավելի)", text))


def review_messages(text: str, post_format: str) -> list[dict[str, str]]:
    """Ask for a quality review: a score out of 10 and concrete suggestions."""
    system = "\n\n".join((REVIEW_ROLE, "Ձևաչափի պահանջները՝\n" +
                          FORMAT_PROMPTS[_format(post_format)], REVIEW_JSON))
    return _messages(system, _on_post("Գնահատիր այս գրառումը։", text))


def correction_message(problem: str) -> dict[str, str]:
    """The corrective user message of the one regeneration after a failed check."""
    reason = CORRECTIONS.get(problem, "պատասխանը չընդունվեց")
    return {"role": "user",
            "content": f"Նախորդ պատասխանը չընդունվեց՝ {reason}։ Գրիր կրկին՝ պահպանելով բոլոր "
                       "կանոնները, և պատասխանիր նույն JSON ձևաչափով։"}


# --- the fallback draft (no AI) ---------------------------------------------------------------
TEMPLATES = {
    "product": ("🛍 <b>{keywords}</b>\n\n"
                "✨ Նոր ապրանք TimeToShopping-ում։\n"
                "✅ Որակ, որին կարելի է վստահել\n"
                "📦 Մանրամասները և պատվերը՝ ստորև\n\n"
                "👉 Պատվիրե՛ք հիմա"),
    "sale": ("🔥 <b>Զեղչ՝ {keywords}</b>\n\n"
             "💥 Հատուկ առաջարկ մեր ալիքի ընթերցողների համար։\n"
             "⏰ Ակցիան սահմանափակ է\n\n"
             "👉 Շտապե՛ք օգտվել"),
    "collection": ("🧺 <b>Հավաքածու՝ {keywords}</b>\n\n"
                   "🎁 Ընտրել ենք ձեզ համար լավագույնները մեկ թեմայով։\n"
                   "✨ Նայե՛ք և ընտրե՛ք ձերը\n\n"
                   "👉 Մանրամասները՝ ստորև"),
    "tip": ("💡 <b>Խորհուրդ՝ {keywords}</b>\n\n"
            "✅ Գնումից առաջ համեմատե՛ք գներն ու կարծիքները\n"
            "📌 Ստուգե՛ք չափսը, երաշխիքը և վերադարձի պայմանները\n\n"
            "Պահե՛ք գրառումը և կիսվե՛ք ընկերների հետ 📌"),
}


def template_text(post_format: str, keywords: str) -> str:
    """The format's template with the keywords inserted (escaped, cut to a sane length)."""
    words = " ".join((keywords or "").split())
    if len(words) > TEMPLATE_KEYWORDS_LIMIT:
        words = words[:TEMPLATE_KEYWORDS_LIMIT - 1].rstrip() + "…"
    if not words:
        words = "TimeToShopping"
    return TEMPLATES[_format(post_format)].format(keywords=html.escape(words, quote=False))
