-- fw_index_members_v1
-- The accounts indexed under one linking value, with the day each last used it: HGETALL of its index hash, returned
-- as the flat array Redis gives. Asked through a script, not HGETALL itself, because ioredis turns an HGETALL reply
-- into an object, one property per account: a farm's template has tens of thousands, and building those objects was
-- a good part of a late replay tick's index lookups.
--
-- KEYS[1]         an index hash (built by keys.ts)
--
-- Returns member1, day1, member2, day2, … (empty for a value nobody uses any more).
return redis.call('HGETALL', KEYS[1])
