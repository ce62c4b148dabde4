-- fw_index_sizes_v1
-- How many accounts used each of many linking values: HLEN of each index hash, in one call. The
-- clusterer asks this for every value its active accounts use — millions on a first pass — and one
-- command per value spent more time building and parsing commands than Redis spent answering them.
--
-- KEYS[1..n]      index hashes (same hash tag, built by keys.ts)
--
-- Returns an array of n sizes (0 for a value nobody uses any more).
local sizes = {}
for i = 1, #KEYS do
  sizes[i] = redis.call('HLEN', KEYS[i])
end
return sizes
