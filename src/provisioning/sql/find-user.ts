/** One user by id, with its groups when asked and its GitLab state, as one statement (every user GET and PATCH reads it). */
import type { Database } from "../../db/database";
import { GITLAB_STATE_JOINS_OF_U, gitlabStateSelectSql } from "../gitlab-state-reads";
import { GROUPS_OF_U } from "../membership-reads";
import { toUserRecord, type UserRecord, type UserStatementRow } from "../user-record";

const GITLAB_STATE = gitlabStateSelectSql();

export async function findUser(db: Database, connectionId: string, id: string, options: { withGroups: boolean }): Promise<UserRecord | null> {
  const [row] = await db.direct.query<UserStatementRow>(
    `SELECT u.*${options.withGroups ? `, ${GROUPS_OF_U}` : ""}, ${GITLAB_STATE} FROM "ScimUser" u${GITLAB_STATE_JOINS_OF_U} WHERE u."id" = $1::uuid AND u."connectionId" = $2::uuid AND u."deletedAt" IS NULL`,
    [id, connectionId],
  );
  return row ? toUserRecord(row) : null;
}
