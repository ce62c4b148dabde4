-- Moves an account's undecodable state blob aside, if it is still the blob the caller read.
-- KEYS[1] the account's state key; KEYS[2] its quarantine key (same hash tag: the partition's).
-- ARGV[1] the blob as read; ARGV[2] why it could not be decoded; ARGV[3] when (ms); ARGV[4] TTL of the copy (s).
-- Returns 1 when moved, 0 when the key no longer holds that blob (another writer replaced it).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[2], 'blob', ARGV[1], 'reason', ARGV[2], 'at', ARGV[3])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
redis.call('DEL', KEYS[1])
return 1
