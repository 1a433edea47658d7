/**
 * Mapping rules for the GitLab group pass's tests, written straight into the database until part B's
 * `mapping add` CLI lands (the lead switches these tests to the CLI at merge): a target row for the
 * GitLab group path (made on first use), the rule, and the target's reconcile mark, in one statement
 * as the CLI will do it. markTarget stands in for the marks part B's SCIM group pass and part D's user
 * pass will make (a group's members changed, a user left): until then tests mark the target themselves.
 */
import crypto from "node:crypto";
import { SqlParams } from "../../src/db/sql-params";
import { markTargetsSql } from "../../src/provisioning/sql/group-targets";
import type { ReconcilingBridge } from "./reconciling-bridge";

/**
 * Wakes a worker and lets it resume before the caller waits for quiet: whenIdle counts a woken worker as
 * asleep until its loop runs again, so a quiet() right after a bare wake() could resolve at once.
 */
export async function wakeWorkers(bridge: ReconcilingBridge): Promise<void> {
  bridge.reconciler.workers.wake();
  await new Promise((resolve) => setImmediate(resolve));
}

export interface TestMapping {
  connectionId?: string;
  /** The SCIM group's displayName (matched case-insensitively) or externalId. */
  scimGroup: { displayName: string } | { externalId: string };
  gitlabGroup: string;
  accessLevel: number;
  expiresInDays?: number | null;
  authoritative?: boolean;
}

export async function addMapping(bridge: ReconcilingBridge, m: TestMapping): Promise<{ mappingId: string; targetId: string }> {
  const p = new SqlParams();
  const connectionId = m.connectionId ?? bridge.connectionId;
  const now = new Date();
  const [matchBy, matchValue] = "displayName" in m.scimGroup ? ["displayName", m.scimGroup.displayName.toLowerCase()] : ["externalId", m.scimGroup.externalId];
  const mappingId = crypto.randomUUID();
  const statement = `WITH t0 AS (
      INSERT INTO "GitLabGroupTarget" ("id", "connectionId", "fullPath", "fullPathKey", "updatedAt")
      VALUES (${p.uuid(crypto.randomUUID())}, ${p.uuid(connectionId)}, ${p.add(m.gitlabGroup)}, ${p.add(m.gitlabGroup.toLowerCase())}, now())
      ON CONFLICT ("connectionId", "fullPathKey") DO UPDATE SET "updatedAt" = EXCLUDED."updatedAt"
      RETURNING "id"),
    m AS (
      INSERT INTO "GroupMapping" ("id", "connectionId", "matchBy", "matchValue", "targetId", "accessLevel", "expiresInDays", "authoritative", "createdBy")
      SELECT ${p.uuid(mappingId)}, ${p.uuid(connectionId)}, ${p.add(matchBy)}::"GroupMatchBy", ${p.add(matchValue)}, t0."id", ${p.add(m.accessLevel)}::int,
        ${p.add(m.expiresInDays ?? null)}::int, ${p.add(m.authoritative ?? false)}::boolean, 'test' FROM t0
      RETURNING "targetId" AS "id"),
    mark AS (${markTargetsSql(p, "m", { connectionId }, now)})
    SELECT "id" AS "targetId" FROM m`;
  const [row] = await bridge.db.direct.query<{ targetId: string }>(statement, p.values);
  await wakeWorkers(bridge);
  return { mappingId, targetId: row.targetId };
}

/** Changes a rule and marks its target, as `mapping update` will. */
export async function updateMapping(bridge: ReconcilingBridge, mappingId: string, change: { accessLevel?: number; authoritative?: boolean; expiresInDays?: number | null }): Promise<void> {
  const p = new SqlParams();
  const sets = [
    change.accessLevel !== undefined && `"accessLevel" = ${p.add(change.accessLevel)}::int`,
    change.authoritative !== undefined && `"authoritative" = ${p.add(change.authoritative)}::boolean`,
    change.expiresInDays !== undefined && `"expiresInDays" = ${p.add(change.expiresInDays)}::int`,
  ].filter(Boolean);
  const [row] = await bridge.db.direct.query<{ connectionId: string }>(`UPDATE "GroupMapping" SET ${sets.join(", ")} WHERE "id" = ${p.uuid(mappingId)} RETURNING "connectionId"`, p.values);
  const q = new SqlParams();
  await bridge.db.direct.query(`WITH m AS (SELECT "targetId" AS "id" FROM "GroupMapping" WHERE "id" = ${q.uuid(mappingId)}) ${markTargetsSql(q, "m", { connectionId: row.connectionId }, new Date())}`, q.values);
  await wakeWorkers(bridge);
}

/** Marks a target for a pass (full: drift repair), as the SCIM group pass, the user pass and the drift sweep will. */
export async function markTarget(bridge: ReconcilingBridge, targetId: string, options: { full?: boolean; connectionId?: string } = {}): Promise<void> {
  const p = new SqlParams();
  await bridge.db.direct.query(
    `WITH m AS (SELECT ${p.uuid(targetId)} AS "id") ${markTargetsSql(p, "m", { connectionId: options.connectionId ?? bridge.connectionId, full: options.full }, new Date())}`,
    p.values,
  );
  await wakeWorkers(bridge);
}

export async function targetOf(bridge: ReconcilingBridge, targetId: string) {
  return bridge.db.prisma.gitLabGroupTarget.findUniqueOrThrow({ where: { id: targetId }, include: { memberships: true, conflicts: true } });
}

export async function targetAudit(bridge: ReconcilingBridge, targetId: string, actionPrefix = "gitlab.") {
  const rows = await bridge.db.prisma.auditEvent.findMany({ where: { subjectType: "gitlab_group", subjectId: targetId, action: { startsWith: actionPrefix } }, orderBy: { id: "asc" } });
  return rows.map((r) => ({ action: r.action, details: r.details as Record<string, any> }));
}
