-- POST scans of pre-issued ticket codes. Args: path, quota per thread, codes file,
-- device token, number of wrk threads, and optionally "alternate". Each thread scans its
-- own share of the codes once (first scans: "ok"), then around again: repeat entries
-- ("already_checked_in"), or with "alternate" exits and entries by turns (every scan an
-- "ok"; the checkpoint must count exits).
local dir = debug.getinfo(1, "S").source:sub(2):match("(.*/)")
local common = dofile(dir .. "common.lua")

setup = common.setup
response = common.response
done = common.done

function init(args)
  path = args[1]
  token = args[4]
  local nthreads = tonumber(args[5])
  codes = {}
  local i = 0
  for line in io.lines(args[3]) do
    if i % nthreads == id then
      table.insert(codes, line)
    end
    i = i + 1
  end
  alternate = args[6] == "alternate"
  n = 0
  common.init(tonumber(args[2]))
end

function request()
  n = n + 1
  local code = codes[((n - 1) % #codes) + 1]
  local direction = "entry"
  if alternate and math.floor((n - 1) / #codes) % 2 == 1 then
    direction = "exit"
  end
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, '{"code":"' .. code .. '","direction":"' .. direction .. '"}')
end
