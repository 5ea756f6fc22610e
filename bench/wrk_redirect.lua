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

function done(summary, latency, requests)
  local s = summary
  local secs = s.duration / 1e6
  io.write(fmt('WRK_JSON {"requests":%d,"duration_s":%.3f,"rps":%.1f,'
    .. '"non_2xx_3xx":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,'
    .. '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f}\n',
    s.requests, secs, s.requests / secs,
    s.errors.status, s.errors.connect, s.errors.read, s.errors.write, s.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
