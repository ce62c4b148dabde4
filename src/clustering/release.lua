-- fw_clusterer_release_v1
-- Gives the clusterer lease up if this instance still holds it (compare-and-delete), so a standby
-- takes over at once; a lease another instance has taken since is left alone.
--
-- KEYS[1]  lease (string: holder id)
-- ARGV[1]  this instance's id
--
-- Returns 1 when released, 0 when this instance did not hold it.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
