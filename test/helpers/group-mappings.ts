/**
 * Mapping rules for the GitLab group pass's tests, through the functions the `mapping` commands run
 * (test/cli/mapping-cli.test.ts covers the commands themselves), and direct marks of a target for tests
 * that look at one pass in isolation (markTarget: what the SCIM group pass, the user pass and the drift
 * sweep do).
 */
import { SqlParams } from "../../src/db/sql-params";
import { addMapping as addRule, updateMapping as updateRule } from "../../src/provisioning/group-mappings";
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

/** A rule through the same function `mapping add` runs (src/provisioning/group-mappings.ts); it marks the target. */
export async function addMapping(bridge: ReconcilingBridge, m: TestMapping): Promise<{ mappingId: string; targetId: string }> {
  const match = "displayName" in m.scimGroup ? { by: "displayName" as const, displayName: m.scimGroup.displayName } : { by: "externalId" as const, externalId: m.scimGroup.externalId };
  const row = await addRule(
    bridge.db.direct,
    { connectionId: m.connectionId ?? bridge.connectionId, match, fullPath: m.gitlabGroup, accessLevel: m.accessLevel, expiresInDays: m.expiresInDays ?? null, authoritative: m.authoritative ?? false },
    "test",
    new Date(),
  );
  await wakeWorkers(bridge);
  return { mappingId: row.id, targetId: row.targetId };
}

/** Changes a rule as `mapping update` does (it marks the target). */
export async function updateMapping(bridge: ReconcilingBridge, mappingId: string, change: { accessLevel?: number; authoritative?: boolean; expiresInDays?: number | null }): Promise<void> {
  await updateRule(bridge.db.direct, mappingId, change, "test", new Date());
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
