/**
 * Mapping rules: which SCIM groups of a connection feed which GitLab group, at which access level
 * (issue 11 item 1). A rule matches SCIM groups by displayName (case-insensitive) or externalId
 * (exact), and may be written before the IdP pushes the group: it is matched on arrival. One SCIM group
 * may map to several GitLab groups and several to one; a member's level is the highest that applies.
 *
 * Each change is one statement (sql/mapping-*.ts) that also marks the GitLab group's target (its pass
 * reconciles the change: levels go up or down, members come and go) and the SCIM groups the rule
 * matches, and writes the audit event (mapping.added, .updated, .removed). Reads and writes take a
 * SqlRunner and the clock; errors an operator can fix are MappingErrors with a sentence.
 */
import { GROUP_FULL_PATH } from "../connections/settings";
import { SqlParams } from "../db/sql-params";
import type { SqlRunner } from "../db/sql-runner";
import { isUniqueViolation } from "./unique-violation";
import { addMappingSql, type NewMapping } from "./sql/mapping-add";
import { listMappingsSql, type MappingListRow } from "./sql/mapping-list";
import type { MappingRow, MappingWrite } from "./sql/mapping-pieces";
import { removeMappingSql } from "./sql/mapping-remove";
import { updateMappingSql, type MappingChange } from "./sql/mapping-update";

export type { MappingChange, MappingListRow, MappingRow };

export class MappingError extends Error {}

/** Namespace::URL_MAX_LENGTH per path segment; a full path has at most 20 levels (GitLab's nesting limit). */
const MAX_SEGMENT_LENGTH = 255;
const MAX_DEPTH = 20;
/** GitLab refuses expiry dates it cannot store far ahead; a rule of more than ten years is a typo. */
export const MAX_EXPIRES_IN_DAYS = 3650;

export type ScimGroupMatch = { by: "displayName"; displayName: string } | { by: "externalId"; externalId: string };

export interface AddMapping {
  connectionId: string;
  match: ScimGroupMatch;
  fullPath: string;
  accessLevel: number;
  expiresInDays: number | null;
  authoritative: boolean;
}

/** Throws a MappingError naming what is wrong with a GitLab group full path. */
export function assertGroupFullPath(fullPath: string): void {
  const segments = fullPath.split("/");
  if (!GROUP_FULL_PATH.test(fullPath) || segments.some((s) => s.length > MAX_SEGMENT_LENGTH || s.endsWith(".") || /\.(git|atom)$/i.test(s))) {
    throw new MappingError(`"${fullPath}" is not a GitLab group path: give the full path, segments of letters, digits, '_', '-' and '.' joined by '/' (e.g. acme/platform)`);
  }
  if (segments.length > MAX_DEPTH) throw new MappingError(`"${fullPath}" is nested ${segments.length} levels deep; GitLab allows ${MAX_DEPTH}`);
}

export function assertExpiresInDays(days: number | null): void {
  if (days !== null && !(Number.isInteger(days) && days >= 1 && days <= MAX_EXPIRES_IN_DAYS)) {
    throw new MappingError(`expiresInDays must be a whole number of days from 1 to ${MAX_EXPIRES_IN_DAYS}, got ${days}`);
  }
}

export async function addMapping(runner: SqlRunner, rule: AddMapping, actor: string, now: Date): Promise<MappingRow> {
  assertGroupFullPath(rule.fullPath);
  assertExpiresInDays(rule.expiresInDays);
  const match: Pick<NewMapping, "matchBy" | "matchValue"> =
    rule.match.by === "displayName" ? { matchBy: "displayName", matchValue: rule.match.displayName.toLowerCase() } : { matchBy: "externalId", matchValue: rule.match.externalId };
  const p = new SqlParams();
  const write: MappingWrite = { connectionId: rule.connectionId, actor, now };
  let rows: MappingRow[];
  try {
    rows = await runner.query<MappingRow>(addMappingSql(p, write, { ...match, fullPath: rule.fullPath, accessLevel: rule.accessLevel, expiresInDays: rule.expiresInDays, authoritative: rule.authoritative }), p.values);
  } catch (error) {
    // Two adds of the same new path at once: the other made the target row; this one is refused whole.
    if (isUniqueViolation(error)) throw new MappingError(`another change to the mappings of ${rule.fullPath} ran at the same time; try again`);
    throw error;
  }
  if (rows.length === 0) {
    const [existing] = await runner.query<{ id: string }>(
      `SELECT m."id"::text AS "id" FROM "GroupMapping" m JOIN "GitLabGroupTarget" t ON t."id" = m."targetId"
       WHERE m."connectionId" = $1::uuid AND m."matchBy" = $2::"GroupMatchBy" AND m."matchValue" = $3 AND t."fullPathKey" = $4`,
      [rule.connectionId, match.matchBy, match.matchValue, rule.fullPath.toLowerCase()],
    );
    throw new MappingError(`the same rule exists already (mapping ${existing?.id ?? "?"}): change it with \`mapping update --id ${existing?.id ?? "ID"}\``);
  }
  return rows[0];
}

/** The mapping's id from an id or a unique prefix of one (as `mapping list` shows them). */
export async function requireMappingId(runner: SqlRunner, idOrPrefix: string): Promise<{ id: string; connectionId: string }> {
  const prefix = idOrPrefix.toLowerCase();
  if (!/^[0-9a-f-]{4,36}$/.test(prefix)) throw new MappingError(`"${idOrPrefix}" is not a mapping id (see \`mapping list\`)`);
  const rows = await runner.query<{ id: string; connectionId: string }>(
    `SELECT "id"::text AS "id", "connectionId"::text AS "connectionId" FROM "GroupMapping" WHERE "id"::text LIKE $1 ORDER BY "id" LIMIT 2`,
    [`${prefix}%`],
  );
  if (rows.length === 0) throw new MappingError(`there is no mapping ${idOrPrefix} (see \`mapping list\`)`);
  if (rows.length > 1) throw new MappingError(`"${idOrPrefix}" is the start of more than one mapping id; give more of it`);
  return rows[0];
}

export async function updateMapping(runner: SqlRunner, idOrPrefix: string, change: MappingChange, actor: string, now: Date): Promise<{ mapping: MappingRow; changed: boolean }> {
  if (change.expiresInDays !== undefined) assertExpiresInDays(change.expiresInDays);
  const { id, connectionId } = await requireMappingId(runner, idOrPrefix);
  const p = new SqlParams();
  const [row] = await runner.query<{ before: MappingRow | null; after: MappingRow | null }>(updateMappingSql(p, { connectionId, actor, now }, id, change), p.values);
  if (!row?.before) throw new MappingError(`there is no mapping ${idOrPrefix} (see \`mapping list\`)`);
  return row.after ? { mapping: row.after, changed: true } : { mapping: row.before, changed: false };
}

export async function removeMapping(runner: SqlRunner, idOrPrefix: string, actor: string, now: Date): Promise<MappingRow> {
  const { id, connectionId } = await requireMappingId(runner, idOrPrefix);
  const p = new SqlParams();
  const [row] = await runner.query<MappingRow>(removeMappingSql(p, { connectionId, actor, now }, id), p.values);
  if (!row) throw new MappingError(`there is no mapping ${idOrPrefix} (see \`mapping list\`)`);
  return row;
}

export async function listMappings(runner: SqlRunner, filter: { connectionId?: string }): Promise<MappingListRow[]> {
  const p = new SqlParams();
  return runner.query<MappingListRow>(listMappingsSql(p, filter), p.values);
}
