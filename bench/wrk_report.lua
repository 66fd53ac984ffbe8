-- wrk script of bench/run.py: every request is a GET of one path, turning over the
-- attendants' sessions (one Cookie header each), with HX-Request when the screen asks through
-- htmx; at the end one JSON line with the percentiles wrk's --latency table lacks (p95).
-- Arguments (after --): path, "htmx" or "page", then one Cookie header per session.

local prepared = {}
local turn = 0

function init(args)
  local path = args[1]
  local partial = args[2] == "htmx"
  local cookies = {}
  for i = 3, #args do
    cookies[#cookies + 1] = args[i]
  end
  if #cookies == 0 then
    cookies[1] = ""
  end
  for _, cookie in ipairs(cookies) do
    local headers = {}
    if cookie ~= "" then
      headers["Cookie"] = cookie
    end
    if partial then
      headers["HX-Request"] = "true"
    end
    prepared[#prepared + 1] = wrk.format("GET", path, headers)
  end
end

function request()
  turn = turn % #prepared + 1
  return prepared[turn]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"requests":%d,' ..
    '"duration_us":%d,"bytes":%d,"non_2xx_3xx":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"timeouts":%d}\n',
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read,
    e.write, e.timeout))
end
