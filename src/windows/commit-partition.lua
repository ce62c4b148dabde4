-- fw_commit_partition_v3
-- Writes one partition batch's effect: the new state blob of every account the batch touched, the
-- active-account and written-account sets, and the partition's applied offset, watermark and pending index entries —
-- all or nothing, and only if nobody else committed to the partition since the caller read it
-- (compare-and-set on the applied offset). The caller computed the blobs from what it read.
--
-- KEYS[1]       the partition's meta hash (fields: offset, maxts, pendix, writer, wseq, wsince)
-- KEYS[2]       the partition's active-account sorted set (member: account id, score: last event second)
-- KEYS[3]       the partition's written-account sorted set (member: account id, score: the applied offset of the
--               batch that last wrote it): a tick reads those written since its previous one
-- KEYS[4..n]    one state key per account, in the order of the account arguments below
-- ARGV[1]       the applied offset the caller read ('-1' when none)
-- ARGV[2]       the new applied offset (last offset of the batch)
-- ARGV[3]       the new max event time of the partition (ms)
-- ARGV[4]       pending index entries of this batch (opaque to the script)
-- ARGV[5]       TTL of the account keys, seconds
-- ARGV[6]       prune: active members with a score below this are removed (and from the written set)
-- ARGV[7]       the writer's token: a worker keeping the states it wrote (written-states.ts) trusts them only
--               while the meta still shows its token and the offset it wrote
-- ARGV[8..]     per account i (KEYS[3+i]), three values: state blob, last event second (score), account id
--
-- Returns { 1 } when written, or { 0, current_offset } when the offset moved since the read
-- (nothing written; the caller reads again).
local current = redis.call('HGET', KEYS[1], 'offset') or '-1'
if current ~= ARGV[1] then return { 0, current } end

local ttl = tonumber(ARGV[5])
-- `wseq` is the offset of the last batch this version wrote. When it is not the one being replaced (the partition's
-- first batch, an older writer's during a rolling deploy, offsets forgotten by an operator), the written set may miss
-- accounts written up to `current`: `wsince` says that it holds every one written after it.
if redis.call('HGET', KEYS[1], 'wseq') ~= current then redis.call('HSET', KEYS[1], 'wsince', current) end
for i = 4, #KEYS do
  local base = 8 + (i - 4) * 3
  redis.call('SET', KEYS[i], ARGV[base], 'EX', ttl)
  redis.call('ZADD', KEYS[2], 'GT', ARGV[base + 1], ARGV[base + 2])
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[base + 2])
end
-- The written set holds the active accounts alone: an account leaves both at once (each leaves once, so the work is
-- bounded by what was written).
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[6])
for i = 1, #gone, 1000 do redis.call('ZREM', KEYS[3], unpack(gone, i, math.min(i + 999, #gone))) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[6])
redis.call('HSET', KEYS[1], 'offset', ARGV[2], 'maxts', ARGV[3], 'pendix', ARGV[4], 'writer', ARGV[7], 'wseq', ARGV[2])
return { 1 }
