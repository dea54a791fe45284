-- GET with a signed-in session; counts the status codes the server answered.
--   wrk ... -s bench/wrk/get.lua URL -- "<Cookie header>"
-- An empty cookie sends no Cookie header (the anonymous "hello").

local threads = {}
local req

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  local headers = {}
  if args[1] and args[1] ~= "" then
    headers["Cookie"] = args[1]
  end
  req = wrk.format("GET", nil, headers)
end

function request()
  return req
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
