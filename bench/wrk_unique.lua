-- wrk script: POST Telegram updates with a unique, increasing update_id per request.
--
--   wrk -t1 -c64 -d10s --latency -s bench/wrk_unique.lua http://127.0.0.1:PORT/webhook/avap \
--       -- SECRET [FIRST_UPDATE_ID] [CHATS]
--
-- Every request carries the X-Telegram-Bot-Api-Secret-Token header and a private-chat text
-- message "hi"; chat ids are spread over CHATS chats (default 5000). The update id counter is
-- per wrk thread, so run with -t1 (what the benchmark does) for ids that are unique overall.
-- At the end the script prints one JSON line (prefixed "WRK_JSON ") with the figures.

local counter, chats, secret

function init(args)
  secret = args[1] or ""
  counter = tonumber(args[2] or "1000000")
  chats = tonumber(args[3] or "5000")
end

local fmt = string.format
local tmpl = '{"update_id":%d,"message":{"message_id":%d,"date":1700000000,'
  .. '"chat":{"id":%d,"type":"private","first_name":"Bench"},'
  .. '"from":{"id":%d,"is_bot":false,"first_name":"Bench","language_code":"en"},'
  .. '"text":"hi"}}'

function request()
  counter = counter + 1
  local chat = 100000000 + (counter % chats)
  local body = fmt(tmpl, counter, counter, chat, chat)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Telegram-Bot-Api-Secret-Token"] = secret,
  }, body)
end

-- the JSON line at the end (bench/wrk_report.lua, next to this script)
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
done = dofile(here .. "wrk_report.lua")("non_2xx")
