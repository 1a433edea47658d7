/**
 * Everything a SCIM group's pass reads, one statement: the group (tombstones too), its connection's
 * name and stored settings, the mappings that match it now (rules and its unmapped mapping, each with
 * its target) and the targets it fed at its last pass (ScimGroupFeed). Null when the row is gone.
 */
import type { SqlRunner } from "../../db/sql-runner";
import { mappingMatchesGroupSql } from "./group-targets";

export interface GroupMatch {
  mappingId: string;
  origin: "rule" | "unmapped";
  accessLevel: number;
  targetId: string;
  fullPath: string;
  gitlabGroupId: number | null;
  createdByBridge: boolean;
}

export interface GroupSubject {
  id: string;
  connectionId: string;
  connectionName: string;
  /** Connection.settings as stored (read with readSettings). */
  storedSettings: unknown;
  displayName: string;
  externalId: string | null;
  deletedAt: Date | null;
  matches: GroupMatch[];
  /** Targets the group fed at its last pass. */
  fedBefore: string[];
}

const GROUP_SUBJECT_SQL = `SELECT g."id"::text AS "id", g."connectionId"::text AS "connectionId", c."name" AS "connectionName", c."settings" AS "storedSettings",
    g."displayName", g."externalId", g."deletedAt",
    COALESCE((SELECT json_agg(json_build_object('mappingId', m."id", 'origin', m."origin", 'accessLevel', m."accessLevel", 'targetId', t."id", 'fullPath', t."fullPath",
        'gitlabGroupId', t."gitlabGroupId", 'createdByBridge', t."createdByBridge") ORDER BY m."createdAt", m."id")
      FROM "GroupMapping" m JOIN "GitLabGroupTarget" t ON t."id" = m."targetId" WHERE ${mappingMatchesGroupSql("m", "g")}), '[]'::json) AS "matches",
    COALESCE((SELECT json_agg(f."targetId"::text ORDER BY f."targetId") FROM "ScimGroupFeed" f WHERE f."scimGroupId" = g."id"), '[]'::json) AS "fedBefore"
  FROM "ScimGroup" g JOIN "Connection" c ON c."id" = g."connectionId"
  WHERE g."id" = $1::uuid`;

export async function findGroupSubject(runner: SqlRunner, scimGroupId: string): Promise<GroupSubject | null> {
  const [row] = await runner.query<GroupSubject>(GROUP_SUBJECT_SQL, [scimGroupId]);
  return row ?? null;
}
