-- POST a form with a signed-in session and its CSRF token; counts the status codes.
--   wrk ... -s bench/wrk/post.lua URL -- "<Cookie header>" "<urlencoded body>"
-- Every "{{KEY}}" in the body becomes a fresh UUID per request (the officer form's idempotency
-- key), unique across threads: a random per-thread prefix, the thread's number and a counter.

local threads = {}
local cookie, template
local counter = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  statuses = {}
  cookie, template = args[1], args[2] or ""
  math.randomseed(os.time() + 7919 * number)
  prefix = string.format("%08x", math.random(0, 0x7fffffff))
end

function request()
  counter = counter + 1
  local key = string.format(
    "%s-%04x-4%03x-8%03x-%012x",
    prefix, number % 0x10000, math.random(0, 0xfff), math.random(0, 0xfff), counter
  )
  local body = template:gsub("{{KEY}}", key)
  return wrk.format("POST", nil, {
    ["Cookie"] = cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

function response(status, _headers, _body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(_summary, _latency, _requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  io.write("STATUSES")
  for status, n in pairs(counts) do
    io.write(" ", status, "=", n)
  end
  io.write("\n")
end
