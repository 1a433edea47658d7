/**
 * Changes a mapping rule's level, expiry or authoritative mode, one statement: the rule, the mark of
 * its target (the GitLab group's pass moves levels up or down, or removes unmanaged members once the
 * rule is authoritative) and the audit event "mapping.updated" with before and after. A change that
 * changes nothing writes nothing. Answers the rule before and after (after null: unchanged; both null:
 * no such rule).
 */
import type { SqlParams } from "../../db/sql-params";
import { MAPPING_COLUMNS, mappingEffectsSql, type MappingWrite } from "./mapping-pieces";

export interface MappingChange {
  accessLevel?: number;
  /** null: no expiry; undefined: unchanged. */
  expiresInDays?: number | null;
  authoritative?: boolean;
}

export function updateMappingSql(p: SqlParams, write: MappingWrite, mappingId: string, change: MappingChange): string {
  const at = p.timestamp(write.now);
  const level = change.accessLevel === undefined ? `cur."accessLevel"` : `${p.add(change.accessLevel)}::int`;
  const expires = change.expiresInDays === undefined ? `cur."expiresInDays"` : `${p.add(change.expiresInDays)}::int`;
  const authoritative = change.authoritative === undefined ? `cur."authoritative"` : `${p.add(change.authoritative)}::boolean`;
  return `WITH cur AS (SELECT m.*, t."fullPath" FROM "GroupMapping" m JOIN "GitLabGroupTarget" t ON t."id" = m."targetId"
        WHERE m."id" = ${p.uuid(mappingId)} AND m."connectionId" = ${p.uuid(write.connectionId)} FOR UPDATE OF m),
    m AS (
      UPDATE "GroupMapping" SET "accessLevel" = ${level}, "expiresInDays" = ${expires}, "authoritative" = ${authoritative}, "updatedAt" = ${at}
      FROM cur WHERE "GroupMapping"."id" = cur."id"
        AND (cur."accessLevel", cur."expiresInDays", cur."authoritative") IS DISTINCT FROM (${level}, ${expires}, ${authoritative})
      RETURNING "GroupMapping".*),
    changed AS (SELECT m.*, cur."fullPath", (SELECT ${MAPPING_DETAILS_BEFORE}) AS "before" FROM m, cur),
    ${mappingEffectsSql(p, "m", "changed", "mapping.updated", write, `jsonb_build_object('before', s."before", 'after', jsonb_build_object('accessLevel', s."accessLevel", 'expiresInDays', s."expiresInDays", 'authoritative', s."authoritative"), 'gitlabGroup', s."fullPath", 'matchBy', s."matchBy", 'matchValue', s."matchValue")`)}
    done AS (SELECT 1)
    SELECT (SELECT row_to_json(x) FROM (SELECT ${MAPPING_COLUMNS} FROM cur m JOIN "GitLabGroupTarget" t ON t."id" = m."targetId") x) AS "before",
      (SELECT row_to_json(x) FROM (SELECT ${MAPPING_COLUMNS} FROM m JOIN "GitLabGroupTarget" t ON t."id" = m."targetId") x) AS "after"`;
}

const MAPPING_DETAILS_BEFORE = `jsonb_build_object('accessLevel', cur."accessLevel", 'expiresInDays', cur."expiresInDays", 'authoritative', cur."authoritative")`;
