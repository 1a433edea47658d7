/**
 * The one statement behind every group list and search (GET /Groups, POST /.search, Entra's
 * `displayName eq "…"` lookup on the displayNameKey index): total and page together, each group's
 * members as JSON when the response shows them (see search-users.ts for the shape).
 */
import type { SqlRunner } from "../../db/sql-runner";
import { toGroupRecord, type GroupRecord, type GroupRowWithMembers } from "../group-record";
import { gitlabGroupsSelectSql } from "../gitlab-group-state";
import { MEMBERS_OF_G } from "../membership-reads";
import { groupStorage } from "./group-storage";
import { pageStatement, type SearchResult } from "./page-statement";
import type { SearchQuery } from "./predicate";

export async function searchGroups(db: SqlRunner, connectionId: string, query: SearchQuery, options: { withMembers: boolean }): Promise<SearchResult<GroupRecord>> {
  const statement = pageStatement({
    table: `"ScimGroup"`,
    storage: groupStorage,
    connectionId,
    select: `g.*, ${gitlabGroupsSelectSql("g")}${options.withMembers ? `, ${MEMBERS_OF_G}` : ""}`,
    query,
    liveCountColumn: "groups",
  });
  const { totalResults, rows } = await statement.run<GroupRowWithMembers>(db);
  return { totalResults, records: rows.map(toGroupRecord) };
}
