-- fw_apply_batch_v1
-- Applies the aggregated effect of one batch of one input partition to its accounts, at most once.
-- The partition's applied offset is stored in the same script, so a batch delivered again (after a
-- crash before the commit, or a rebalance) changes nothing.
--
-- KEYS[1]       the partition's applied-offset key (string, decimal offset)
-- KEYS[2..n+1]  one account key per account in the batch (hash)
-- ARGV[1]       first offset of the batch
-- ARGV[2]       last offset of the batch
-- ARGV[3..]     per account i (in KEYS order), three values: event count, min event time, max event time
--
-- Returns { status, applied_offset }:
--   1  applied; applied offset is now ARGV[2]
--   0  the whole batch was applied before; nothing changed
--  -1  the batch overlaps what was applied (a redelivery that starts before and ends after the
--      applied offset); nothing changed: the caller drops the events at or below applied_offset and
--      calls again with the rest.
local applied = tonumber(redis.call('GET', KEYS[1]) or '-1')
local first = tonumber(ARGV[1])
local last = tonumber(ARGV[2])
if last <= applied then return { 0, tostring(applied) } end
if first <= applied then return { -1, tostring(applied) } end

for i = 2, #KEYS do
  local base = 3 + (i - 2) * 3
  local count = tonumber(ARGV[base])
  local minTs = tonumber(ARGV[base + 1])
  local maxTs = tonumber(ARGV[base + 2])
  local key = KEYS[i]
  redis.call('HINCRBY', key, 'events', count)
  local f = tonumber(redis.call('HGET', key, 'first_ts') or '')
  if f == nil or minTs < f then redis.call('HSET', key, 'first_ts', ARGV[base + 1]) end
  local l = tonumber(redis.call('HGET', key, 'last_ts') or '')
  if l == nil or maxTs > l then redis.call('HSET', key, 'last_ts', ARGV[base + 2]) end
end
redis.call('SET', KEYS[1], ARGV[2])
return { 1, ARGV[2] }
