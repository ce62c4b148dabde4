-- fw_clusterer_lease_v1
-- Takes or renews the clusterer lease. Only one clusterer is active at a time; each new holder gets
-- a fencing token one higher than any before, and every write of the clusterer is checked against it
-- (fw_clusterer_commit_v1), so a paused old holder that wakes up cannot overwrite its successor.
--
-- KEYS[1]  lease (string: holder id), KEYS[2] fencing counter (integer)
-- ARGV[1]  this instance's id, ARGV[2] lease time-to-live in ms
--
-- Returns the fencing token when this instance holds the lease after the call, or 0.
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return tonumber(redis.call('GET', KEYS[2]) or '0')
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return redis.call('INCR', KEYS[2])
