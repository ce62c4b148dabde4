-- fw_commit_partition_v2
-- Writes one partition batch's effect: the new state blob of every account the batch touched, the
-- active-account index, and the partition's applied offset, watermark and pending index entries —
-- all or nothing, and only if nobody else committed to the partition since the caller read it
-- (compare-and-set on the applied offset). The caller computed the blobs from what it read.
--
-- KEYS[1]       the partition's meta hash (fields: offset, maxts, pendix, writer)
-- KEYS[2]       the partition's active-account sorted set (member: account id, score: last event second)
-- KEYS[3..n]    one state key per account, in the order of the account arguments below
-- ARGV[1]       the applied offset the caller read ('-1' when none)
-- ARGV[2]       the new applied offset (last offset of the batch)
-- ARGV[3]       the new max event time of the partition (ms)
-- ARGV[4]       pending index entries of this batch (opaque to the script)
-- ARGV[5]       TTL of the account keys, seconds
-- ARGV[6]       prune: active members with a score below this are removed
-- ARGV[7]       the writer's token: a worker keeping the states it wrote (written-states.ts) trusts them only
--               while the meta still shows its token and the offset it wrote
-- ARGV[8..]     per account i (KEYS[2+i]), three values: state blob, last event second (score), account id
--
-- Returns { 1 } when written, or { 0, current_offset } when the offset moved since the read
-- (nothing written; the caller reads again).
local current = redis.call('HGET', KEYS[1], 'offset') or '-1'
if current ~= ARGV[1] then return { 0, current } end

local ttl = tonumber(ARGV[5])
for i = 3, #KEYS do
  local base = 8 + (i - 3) * 3
  redis.call('SET', KEYS[i], ARGV[base], 'EX', ttl)
  redis.call('ZADD', KEYS[2], 'GT', ARGV[base + 1], ARGV[base + 2])
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[6])
redis.call('HSET', KEYS[1], 'offset', ARGV[2], 'maxts', ARGV[3], 'pendix', ARGV[4], 'writer', ARGV[7])
return { 1 }
