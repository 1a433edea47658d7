/** Pieces the group statements share: members read back by the writing statement, and the audit details of a group event. */
import { membersJsonSql } from "../membership-reads";

/**
 * The members of group row `r` after the write, from inside the writing statement (which cannot see
 * its own changes): the rows it started with minus those it removed (CTE `removed`), plus those it
 * inserted (CTE `added`), in the order they were added.
 */
export const MEMBERS_AFTER_OF_R = membersJsonSql(`(SELECT m."userId", m."createdAt" FROM "ScimGroupMember" m WHERE m."groupId" = r."id" AND m."userId" NOT IN (SELECT "userId" FROM removed)
      UNION ALL SELECT "userId", "createdAt" FROM added)`);

/** Audit details of a group event, from the written row `s` and the CTEs `added` and `removed`: the same whichever request wrote it. */
export const GROUP_AUDIT_DETAILS = `jsonb_build_object('displayName', s."displayName", 'externalId', s."externalId",
      'added', (SELECT COALESCE(jsonb_agg("userId" ORDER BY "userId"), '[]'::jsonb) FROM added),
      'removed', (SELECT COALESCE(jsonb_agg("userId" ORDER BY "userId"), '[]'::jsonb) FROM removed))`;
