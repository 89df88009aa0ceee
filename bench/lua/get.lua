-- GET the URL given to wrk, counting statuses. Args: quota per thread (0: until -d ends).
local dir = debug.getinfo(1, "S").source:sub(2):match("(.*/)")
local common = dofile(dir .. "common.lua")

setup = common.setup
response = common.response
done = common.done

function init(args)
  common.init(tonumber(args[1] or "0"))
end
