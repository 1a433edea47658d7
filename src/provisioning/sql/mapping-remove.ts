/**
 * Removes a mapping rule, one statement: the rule, the marks of its target (whose pass removes the
 * memberships the rule alone granted; the target row and its managed memberships stay until then) and
 * of the SCIM groups it matched, and the audit event "mapping.removed". Answers the removed rule, or
 * nothing when there was none.
 */
import type { SqlParams } from "../../db/sql-params";
import { MAPPING_COLUMNS, mappingEffectsSql, type MappingWrite } from "./mapping-pieces";

export function removeMappingSql(p: SqlParams, write: MappingWrite, mappingId: string): string {
  return `WITH m AS (DELETE FROM "GroupMapping" WHERE "id" = ${p.uuid(mappingId)} AND "connectionId" = ${p.uuid(write.connectionId)} RETURNING *),
    removed AS (SELECT m.*, t."fullPath" FROM m JOIN "GitLabGroupTarget" t ON t."id" = m."targetId"),
    ${mappingEffectsSql(p, "m", "removed", "mapping.removed", write)}
    done AS (SELECT 1)
    SELECT ${MAPPING_COLUMNS} FROM m JOIN "GitLabGroupTarget" t ON t."id" = m."targetId"`;
}
