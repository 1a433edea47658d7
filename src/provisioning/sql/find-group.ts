/** One group by id, with its GitLab side and its members when asked, as one statement. */
import type { Database } from "../../db/database";
import { toGroupRecord, type GroupRecord, type GroupRowWithMembers } from "../group-record";
import { gitlabGroupsSelectSql } from "../gitlab-group-state";
import { MEMBERS_OF_G } from "../membership-reads";

export async function findGroup(db: Database, connectionId: string, id: string, options: { withMembers: boolean }): Promise<GroupRecord | null> {
  const [found] = await db.direct.query<GroupRowWithMembers>(
    `SELECT g.*, ${gitlabGroupsSelectSql("g")}${options.withMembers ? `, ${MEMBERS_OF_G}` : ""} FROM "ScimGroup" g WHERE g."id" = $1::uuid AND g."connectionId" = $2::uuid AND g."deletedAt" IS NULL`,
    [id, connectionId],
  );
  return found ? toGroupRecord(found) : null;
}
