/**
 * Lua scripts of state.redis. Layout is daprd's: one hash per key with fields `data` (the value
 * bytes) and `version` (the ETag, incremented on each write), expiry as the key's TTL, so data
 * written by daprd reads back and vice versa. Every write (single or transaction) goes through
 * MULTI_SCRIPT, which first checks all ETags and only then applies: a failed check changes nothing.
 *
 * MULTI_SCRIPT: KEYS = keys of the operations; ARGV = 5 values per operation:
 * op ("s" set | "d" delete), etag ("" none), data, first-write ("1" | "0"), ttl ms ("0" none, "-1" persist).
 */
export const GET_SCRIPT = `
local t = redis.call("TYPE", KEYS[1])
t = t["ok"] or t
if t == "hash" then
  local r = redis.call("HMGET", KEYS[1], "data", "version")
  if not r[1] then return false end
  return {r[1], r[2] or "", redis.call("PTTL", KEYS[1])}
elseif t == "string" then
  return {redis.call("GET", KEYS[1]), "", redis.call("PTTL", KEYS[1])}
end
return false`;

export const MULTI_SCRIPT = `
local staged = {}
local function current(k)
  if staged[k] ~= nil then return staged[k] end
  local t = redis.call("TYPE", k)
  t = t["ok"] or t
  if t == "hash" then return redis.call("HGET", k, "version") or false end
  return false
end
for i = 1, #KEYS do
  local b = (i - 1) * 5
  local k, op, etag, fw = KEYS[i], ARGV[b + 1], ARGV[b + 2], ARGV[b + 4]
  local v = current(k)
  if etag ~= "" then
    if (not v) or v ~= etag then return redis.error_reply("ETAG_MISMATCH " .. k) end
  elseif op == "s" and fw == "1" and v then
    return redis.error_reply("ETAG_MISMATCH " .. k)
  end
  if op == "s" then staged[k] = tostring((tonumber(v) or 0) + 1) else staged[k] = false end
end
for i = 1, #KEYS do
  local b = (i - 1) * 5
  local k, op = KEYS[i], ARGV[b + 1]
  if op == "s" then
    local t = redis.call("TYPE", k)
    t = t["ok"] or t
    if t ~= "hash" and t ~= "none" then redis.call("DEL", k) end
    redis.call("HSET", k, "data", ARGV[b + 3])
    redis.call("HINCRBY", k, "version", 1)
    local ttl = tonumber(ARGV[b + 5])
    if ttl > 0 then redis.call("PEXPIRE", k, ttl) else redis.call("PERSIST", k) end
  else
    redis.call("DEL", k)
  end
end
return #KEYS`;
