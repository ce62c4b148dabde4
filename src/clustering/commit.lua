-- fw_clusterer_commit_v2
-- Stores the clusterer's state after a tick — changed cluster records, the last tick, and the tick's
-- messages in the outbox they are sent from — only if the caller's fencing token is still the newest.
--
-- KEYS[1]  fencing counter, KEYS[2] cluster records (hash: id -> JSON), KEYS[3] clusterer state (hash),
-- KEYS[4]  outbox (hash: tick -> JSON array of {topic, key, value})
-- ARGV[1]  the caller's fencing token, ARGV[2] the tick just done (ms), ARGV[3] the tick's messages
--          (JSON array; '' when it sends nothing)
-- ARGV[4..] pairs: cluster id, record JSON
--
-- Returns 1 when written, 0 when the token is stale (nothing written).
if tonumber(redis.call('GET', KEYS[1]) or '0') ~= tonumber(ARGV[1]) then return 0 end
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('HSET', KEYS[3], 'last_tick', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[4], ARGV[2], ARGV[3]) end
return 1
