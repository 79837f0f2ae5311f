-- wrk script of bench/reads.py: POSTs the GraphQL bodies of the file
-- BENCH_BODIES (one JSON body per line) in turn, from a random start per
-- thread, with BENCH_TOKEN as the bearer token, and counts the answers
-- that are not 200 or carry "errors". Prints one RESULT line.
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODIES")) do
  bodies[#bodies + 1] = line
end
local token = os.getenv("BENCH_TOKEN")
local threads = {}
local next_body = 1
failed = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + #threads)
  next_body = math.random(#bodies)
end

function request()
  next_body = next_body % #bodies + 1
  local headers = { ["content-type"] = "application/json" }
  if token and token ~= "" then
    headers["authorization"] = "Bearer " .. token
  end
  return wrk.format("POST", "/graphql", headers, bodies[next_body])
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local answers_failed = 0
  for _, thread in ipairs(threads) do
    answers_failed = answers_failed + thread:get("failed")
  end
  local socket = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %d\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, answers_failed + socket))
end
