/**
 * Adds a mapping rule, one statement: the target row for the GitLab group (made on the first rule that
 * names its path; GitLab paths are case-insensitive, so fullPathKey = lower(fullPath) and a later rule
 * naming it in another case shares the row), the rule, the marks of the target and of the SCIM groups
 * the rule matches now, and the audit event "mapping.added". Null when the same rule (same match, same
 * target) exists already: nothing is written.
 */
import crypto from "node:crypto";
import type { SqlParams } from "../../db/sql-params";
import { MAPPING_COLUMNS, mappingEffectsSql, type MappingWrite } from "./mapping-pieces";

export interface NewMapping {
  matchBy: "displayName" | "externalId" | "scimGroupId";
  matchValue: string;
  fullPath: string;
  accessLevel: number;
  expiresInDays: number | null;
  authoritative: boolean;
}

export function addMappingSql(p: SqlParams, write: MappingWrite, rule: NewMapping): string {
  const at = p.timestamp(write.now);
  const connection = p.uuid(write.connectionId);
  return `WITH t AS (
      INSERT INTO "GitLabGroupTarget" ("id", "connectionId", "fullPath", "fullPathKey", "createdAt", "updatedAt")
      VALUES (${p.uuid(crypto.randomUUID())}, ${connection}, ${p.add(rule.fullPath)}, ${p.add(rule.fullPath.toLowerCase())}, ${at}, ${at})
      -- a no-op update, so that the existing row is returned
      ON CONFLICT ("connectionId", "fullPathKey") DO UPDATE SET "updatedAt" = "GitLabGroupTarget"."updatedAt"
      RETURNING "id", "fullPath"),
    m AS (
      INSERT INTO "GroupMapping" ("id", "connectionId", "matchBy", "matchValue", "targetId", "accessLevel", "expiresInDays", "authoritative", "origin", "createdBy", "createdAt", "updatedAt")
      SELECT ${p.uuid(crypto.randomUUID())}, ${connection}, ${p.add(rule.matchBy)}::"GroupMatchBy", ${p.add(rule.matchValue)}, t."id", ${p.add(rule.accessLevel)}::int,
        ${p.add(rule.expiresInDays)}::int, ${p.add(rule.authoritative)}::boolean, 'rule', ${p.add(write.actor)}, ${at}, ${at} FROM t
      ON CONFLICT ("connectionId", "matchBy", "matchValue", "targetId") DO NOTHING
      RETURNING *),
    added AS (SELECT m.*, t."fullPath" FROM m JOIN t ON t."id" = m."targetId"),
    ${mappingEffectsSql(p, "m", "added", "mapping.added", write)}
    done AS (SELECT 1)
    SELECT ${MAPPING_COLUMNS} FROM m JOIN t ON t."id" = m."targetId"`;
}
