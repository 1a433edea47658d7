/**
 * The intent to give an unmapped SCIM group a subgroup, recorded before GitLab is asked (so that a
 * crash after GitLab made the group is recognised on the next pass): the target row (createdByBridge,
 * no GitLab id yet) at the candidate path and the group's unmapped mapping at the connection's
 * unmappedAccess, one statement, audited "mapping.added" (origin unmapped, actor reconciler). The
 * target is not marked yet: its pass would look the path up, and find whatever group holds it; the
 * group's pass marks it once the subgroup is made (or found to be ours). Nothing
 * is written when another target of the connection holds that path already (the caller tries the next
 * candidate) or the group has its unmapped mapping already.
 */
import crypto from "node:crypto";
import type { SqlParams } from "../../db/sql-params";
import { auditInsertSql } from "../../audit/audit";
import { MAPPING_DETAILS_OF_S } from "./mapping-pieces";
import { RECONCILER_ACTOR } from "./user-link-pieces";

export interface SubgroupIntent {
  connectionId: string;
  scimGroupId: string;
  fullPath: string;
  accessLevel: number;
  requestId: string | null;
  now: Date;
}

export function recordSubgroupIntentSql(p: SqlParams, intent: SubgroupIntent): string {
  const at = p.timestamp(intent.now);
  const connection = p.uuid(intent.connectionId);
  const group = p.add(intent.scimGroupId);
  return `WITH t AS (
      INSERT INTO "GitLabGroupTarget" ("id", "connectionId", "fullPath", "fullPathKey", "createdByBridge", "createdAt", "updatedAt")
      SELECT ${p.uuid(crypto.randomUUID())}, ${connection}, ${p.add(intent.fullPath)}, ${p.add(intent.fullPath.toLowerCase())}, true, ${at}, ${at}
      WHERE NOT EXISTS (SELECT 1 FROM "GroupMapping" WHERE "connectionId" = ${connection} AND "matchBy" = 'scimGroupId' AND "matchValue" = ${group}::text AND "origin" = 'unmapped')
      ON CONFLICT ("connectionId", "fullPathKey") DO NOTHING
      RETURNING "id", "fullPath"),
    m AS (
      INSERT INTO "GroupMapping" ("id", "connectionId", "matchBy", "matchValue", "targetId", "accessLevel", "origin", "createdBy", "createdAt", "updatedAt")
      SELECT ${p.uuid(crypto.randomUUID())}, ${connection}, 'scimGroupId', ${group}::text, t."id", ${p.add(intent.accessLevel)}::int, 'unmapped', ${p.add(RECONCILER_ACTOR)}, ${at}, ${at} FROM t
      RETURNING *),
    added AS (SELECT m.*, t."fullPath" FROM m JOIN t ON t."id" = m."targetId"),
    a AS (${auditInsertSql(p, "added", { at: intent.now, connectionId: intent.connectionId, actor: RECONCILER_ACTOR, action: "mapping.added", subjectType: "mapping", requestId: intent.requestId ?? undefined, detailsSql: MAPPING_DETAILS_OF_S })})
    SELECT t."id"::text AS "targetId", t."fullPath" FROM t`;
}
