-- Users and groups are updated in place all the time (deactivation, renames, every membership
-- change bumps versions) and none of those updates touches an indexed column. With free room on the
-- page PostgreSQL makes them HOT updates, which skip all index maintenance; full pages (fillfactor
-- 100) force a new tuple on another page plus an entry in every index. Applies to pages written from
-- now on (a VACUUM FULL or the next bulk load rewrites the old ones).
ALTER TABLE "ScimUser" SET (fillfactor = 80);
ALTER TABLE "ScimGroup" SET (fillfactor = 80);
