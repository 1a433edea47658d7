/**
 * What the mapping statements share: the audit details of a mapping event, and the marks a rule
 * change makes. A rule change marks its target (the GitLab group's pass recomputes who belongs there)
 * and the SCIM groups the rule matches (their passes refresh ScimGroupFeed, so that a later rename or
 * deletion of such a group still re-marks this target).
 */
import { auditInsertSql } from "../../audit/audit";
import type { SqlParams } from "../../db/sql-params";
import { mappingMatchesGroupSql, markTargetsSql } from "./group-targets";
import { markSubjectsSql } from "./mark-subjects";

/** Columns of a mapping as the statements answer it, over mapping row `m` and target row `t`. */
export const MAPPING_COLUMNS = `m."id"::text AS "id", m."connectionId"::text AS "connectionId", m."matchBy"::text AS "matchBy", m."matchValue", m."targetId"::text AS "targetId",
  m."accessLevel", m."expiresInDays", m."authoritative", m."origin"::text AS "origin", m."createdBy", m."createdAt", m."updatedAt", t."fullPath"`;

export interface MappingRow {
  id: string;
  connectionId: string;
  matchBy: "displayName" | "externalId" | "scimGroupId";
  matchValue: string;
  targetId: string;
  accessLevel: number;
  expiresInDays: number | null;
  authoritative: boolean;
  origin: "rule" | "unmapped";
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  fullPath: string;
}

/** JSON of mapping row `s` (with "fullPath"), as audit details. */
export const MAPPING_DETAILS_OF_S = `jsonb_build_object('matchBy', s."matchBy", 'matchValue', s."matchValue", 'gitlabGroup', s."fullPath", 'targetId', s."targetId",
  'accessLevel', s."accessLevel", 'expiresInDays', s."expiresInDays", 'authoritative', s."authoritative", 'origin', s."origin")`;

export interface MappingWrite {
  connectionId: string;
  actor: string;
  now: Date;
  requestId?: string;
}

/**
 * CTEs (each with a trailing comma) marking the target and the live SCIM groups of the mapping rows in
 * `source` (with "targetId", "connectionId", "matchBy", "matchValue"), and the audit event of each row
 * of `audited` (rows with "id" and the mapping's columns), in that order.
 */
export function mappingEffectsSql(p: SqlParams, source: string, audited: string, action: string, write: MappingWrite, detailsSql = MAPPING_DETAILS_OF_S): string {
  return `marked_target AS (${markTargetsSql(p, `(SELECT "targetId" AS "id" FROM ${source})`, { connectionId: write.connectionId, requestId: write.requestId }, write.now)}),
    marked_groups AS (${markSubjectsSql(
      p,
      `(SELECT DISTINCT g."id" FROM "ScimGroup" g JOIN ${source} rule ON ${mappingMatchesGroupSql("rule", "g")} WHERE g."deletedAt" IS NULL)`,
      { connectionId: write.connectionId, subjectType: "group", requestId: write.requestId },
      write.now,
    )}),
    mapping_event AS (${auditInsertSql(p, audited, { at: write.now, connectionId: write.connectionId, actor: write.actor, action, subjectType: "mapping", requestId: write.requestId, detailsSql })}),`;
}
