-- POST registrations with unique e-mails. Args: path, quota per thread, run id, session ids
-- ("" or "12,13"). Also drives the baseline's /insert (it ignores the extra fields).
local dir = debug.getinfo(1, "S").source:sub(2):match("(.*/)")
local common = dofile(dir .. "common.lua")

setup = common.setup
response = common.response
done = common.done

function init(args)
  path = args[1]
  run = args[3]
  sessions = args[4] or ""
  n = 0
  common.init(tonumber(args[2]))
end

function request()
  n = n + 1
  local extra = ""
  if sessions ~= "" then
    extra = ',"sessions":[' .. sessions .. ']'
  end
  local body = string.format(
    '{"name":"Bench %d-%d","email":"rush-%s-%d-%d@bench.example","consent":true%s}',
    id, n, run, id, n, extra)
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
