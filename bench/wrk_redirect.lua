-- wrk script: GET a CTA redirect (/r/CODE) as many different clickers (X-Forwarded-For and
-- User-Agent vary per request), and print one JSON line (prefixed "WRK_JSON ") at the end.
--
--   wrk -t1 -c64 -d10s --latency -s bench/wrk_redirect.lua http://127.0.0.1:PORT/r/CODE

local counter = 0
local fmt = string.format

function request()
  counter = counter + 1
  return wrk.format("GET", nil, {
    ["X-Forwarded-For"] = fmt("198.51.%d.%d", math.floor(counter / 250) % 250, counter % 250),
    ["User-Agent"] = "Mozilla/5.0 (bench) Telegram",
  })
end

local redirects = 0
function response(status, headers, body)
  if status == 302 then redirects = redirects + 1 end
end

-- the JSON line at the end (bench/wrk_report.lua, next to this script)
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
done = dofile(here .. "wrk_report.lua")("non_2xx_3xx")
