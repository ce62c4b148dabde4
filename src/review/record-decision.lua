-- fw_review_record_v1
-- Changes one field of a review hash (a cluster's verdict or an allowlist entry) and appends the
-- audit entry that explains it, together, only if the field still holds what the caller saw: two
-- analysts acting on the same cluster at once cannot overwrite each other unseen.
--
-- KEYS[1]  the hash (decisions or allowlist), KEYS[2] the audit log (list)
-- ARGV[1]  field, ARGV[2] the value the caller saw ('' when the field was absent)
-- ARGV[3]  new value ('' deletes the field), ARGV[4] audit entry (JSON without its sequence number)
--
-- Returns the audit entry's sequence number (its position + 1), or 0 when the field had changed.
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
return redis.call('RPUSH', KEYS[2], ARGV[4])
