-- GCRA decision, atomically: the same steps as dev.ballast.gateway.ratelimit.Gcra.decide, on Redis' own clock so
-- every gateway replica shares one time base and one budget per key.
-- KEYS[1]: the limit key. ARGV[1]: emission interval (microseconds). ARGV[2]: burst.
-- Returns {allowed 1|0, remaining, retry-after µs, reset µs}.
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local stored = tonumber(redis.call('GET', KEYS[1]) or '0')
local tat = math.max(stored, now)
local newTat = tat + interval
local allowAt = newTat - burst * interval
if now < allowAt then
  return {0, 0, allowAt - now, tat - now}
end
-- The key expires once the budget is full again: an idle client costs no memory.
redis.call('SET', KEYS[1], string.format('%d', newTat), 'PX', math.floor((newTat - now) / 1000) + 1)
return {1, math.floor((now - allowAt) / interval), 0, newTat - now}
