-- fw_index_add_v1
-- Records accounts in the linking indexes of values that share one hash tag, refreshing each index
-- key's TTL. An index is a hash (small ones are listpacks: far smaller than sets of strings) from
-- account to the last day (event time) the account used the value. Idempotent: a batch written
-- twice changes nothing, and a day never moves backwards.
--
-- KEYS[1..n]      index hashes (same hash tag, built by keys.ts)
-- ARGV[1]         TTL, seconds
-- ARGV[2i], ARGV[2i+1] for KEYS[i]: the member (`<partition>|<account id>`) and the day number
--
-- Returns the number of members that were new.
local ttl = tonumber(ARGV[1])
local added = 0
for i = 1, #KEYS do
  local member = ARGV[2 * i]
  local day = tonumber(ARGV[2 * i + 1])
  local prev = redis.call('HGET', KEYS[i], member)
  if not prev then
    added = added + 1
    redis.call('HSET', KEYS[i], member, day)
  elseif tonumber(prev) < day then
    redis.call('HSET', KEYS[i], member, day)
  end
  redis.call('EXPIRE', KEYS[i], ttl)
end
return added
