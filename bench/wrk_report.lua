-- The end of a wrk run as one JSON line (prefixed "WRK_JSON "), shared by the wrk scripts:
--
--   local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
--   done = dofile(here .. "wrk_report.lua")("non_2xx")
--
-- The argument names the field that counts wrk's status errors (the answers the script does
-- not count as success).

local fmt = string.format

return function(status_errors)
  return function(summary, latency, requests)
    local s = summary
    local secs = s.duration / 1e6
    io.write(fmt('WRK_JSON {"requests":%d,"duration_s":%.3f,"rps":%.1f,"%s":%d,'
      .. '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,'
      .. '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f}\n',
      s.requests, secs, s.requests / secs, status_errors,
      s.errors.status, s.errors.connect, s.errors.read, s.errors.write, s.errors.timeout,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
  end
end
