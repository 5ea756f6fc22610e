#!/usr/bin/env bash
# Call each /admin endpoint of a running server and print the HTTP status codes.
#   scripts/check_admin_endpoints.sh URL TOKEN [TELEGRAM_ID]
#   URL    the server, e.g. http://localhost:8000 or https://<service>.onrender.com
#   TOKEN  ADMIN_API_TOKEN of that server
#   TELEGRAM_ID  when given, also resets that student's verification (it changes data!)
# Expected: 200 for stats, dead and retry; 202, 409 or 501 for the Sheets resync; 401 for the
# calls made without or with a wrong token; 404 everywhere when ADMIN_API_TOKEN is unset.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
usage_unless 2 "$@"
url="${1%/}"
token="$2"
failed=0

call() {  # method path expected-codes [curl args...]
    local method="$1" path="$2" expected="$3"
    shift 3
    local code
    code=$(curl -sS -o /dev/null -w '%{http_code}' -X "${method}" "${url}${path}" "$@")
    local mark="ok "
    case " ${expected} " in *" ${code} "*) ;; *) mark="BAD"; failed=1 ;; esac
    printf '%s %-4s %-50s %s (expected %s)\n' "${mark}" "${method}" "${path}" "${code}" \
        "${expected}"
}

auth=(-H "Authorization: Bearer ${token}")
call GET  /admin/stats   "401 404"
call GET  /admin/stats   "401 404" -H "Authorization: Bearer wrong-${RANDOM}"
call GET  /admin/stats   "200" "${auth[@]}"
call GET  /admin/dead    "200" "${auth[@]}"
call POST /admin/retry   "200" "${auth[@]}"
call POST /admin/sheets/resync "202 409 501" "${auth[@]}"
if [ $# -ge 3 ]; then
    call POST "/admin/students/$3/reset-verification" "200 404" "${auth[@]}"
fi
exit "${failed}"
