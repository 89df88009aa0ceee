-- Shared by the bench scripts: count responses by status, stop a thread after its quota,
-- and print the totals as one JSON line ("STATUSES {...}") for bench/harness.py.
local common = {}
local threads = {}

function common.setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function common.init(quota)
  statuses = {}
  responses = 0
  limit = quota
end

function common.response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  responses = responses + 1
  if limit and limit > 0 and responses >= limit then
    -- Tell bench/harness.py this thread is through; it ends wrk (SIGINT) when all are,
    -- so wrk's elapsed time is the run's, not the -d ceiling.
    local marker = os.getenv("BENCH_MARKER_DIR")
    if marker then
      local f = io.open(marker .. "/done-" .. id, "w")
      if f then f:close() end
    end
    wrk.thread:stop()
  end
end

function common.done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for status, n in pairs(counts) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  io.write("STATUSES {" .. table.concat(parts, ", ") .. "}\n")
end

return common
