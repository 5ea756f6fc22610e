#!/usr/bin/env bash
# Post a fake /start update to a running server, the way Telegram does.
#   scripts/test_webhook.sh URL SECRET [BOT] [USER_ID]
#   URL     the server, e.g. http://localhost:8000 or https://<service>.onrender.com
#   SECRET  the bot's webhook secret (the value registered with setWebhook, as sent in
#           X-Telegram-Bot-Api-Secret-Token)
#   BOT     avap (default) or shopping;  USER_ID  the sender (default 1, a fake user)
# Expect 200 {"ok":true}; 401 means a wrong secret, 404 a bot that is not configured.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
usage_unless 2 "$@"
url="${1%/}"
secret="$2"
bot="${3:-avap}"
user_id="${4:-1}"
update_id="$(( $(date +%s) * 1000 + RANDOM % 1000 ))"
now="$(date +%s)"
body=$(cat <<JSON
{"update_id": ${update_id}, "message": {"message_id": ${update_id}, "date": ${now},
 "chat": {"id": ${user_id}, "type": "private", "first_name": "Test"},
 "from": {"id": ${user_id}, "is_bot": false, "first_name": "Test"},
 "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
JSON
)
echo "POST ${url}/webhook/${bot}  (update_id ${update_id})"
status=$(curl -sS -o /tmp/test_webhook.$$ -w '%{http_code}' -X POST "${url}/webhook/${bot}" \
    -H 'Content-Type: application/json' -H "X-Telegram-Bot-Api-Secret-Token: ${secret}" \
    --data "${body}")
echo "HTTP ${status}: $(cat /tmp/test_webhook.$$)"
rm -f /tmp/test_webhook.$$
[ "${status}" = "200" ]
