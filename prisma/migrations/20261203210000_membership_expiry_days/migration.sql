-- The number of days a managed membership's expiry was set for, so that a rule whose expiresInDays
-- changes sets the expiry again (from that day), while days merely passing change nothing.
-- Memberships made before it keep NULL: their expiry changes only when it is gained or lost, as before.
ALTER TABLE "GitLabMembership" ADD COLUMN "expiresInDays" INTEGER;
