/**
 * The one writer of a user's GitLabUserLink row, as a CTE body (INSERT … ON CONFLICT DO UPDATE …
 * RETURNING "scimUserId"): what GitLab just confirmed (a record: a new link, or the columns a change
 * touched) and/or the end of a reconcile pass as the admins and the IdP see it (a settle: syncState,
 * lastError, lastSyncedAt when synced, and appliedActive when the pass marked the user's GitLab
 * groups). The row is created if the user has none yet (a conflict before any link).
 *
 * The record statements (user-link-linked.ts, user-link-applied.ts) write a record alone; the settle
 * (src/reconcile/sql/settle-user.ts) writes the pass's last record together with its end, because a
 * statement must not write one row twice and because that saves the pass a round trip. What GitLab
 * confirmed is written whatever became of the claim (the call happened); the end of the pass only
 * while the claim is still the worker's (`settle.guard`: a CTE that has a row then).
 */
import type { SqlParams } from "../../db/sql-params";
import type { BridgeUserState, LinkMethod } from "../gitlab-user-state";

/** A new link (found by identity, email or username, or just created) with what GitLab showed of the account. */
export interface NewLink {
  gitlabUserId: number;
  gitlabUsername: string;
  linkedBy: LinkMethod;
  appliedName: string | null;
  appliedEmail: string | null;
  appliedProvider: string | null;
  appliedExternUid: string | null;
  /** Carried over from a tombstone's link that this user took over (reactivation undoes it). */
  stateByBridge: BridgeUserState | null;
}

/** Columns of a linked user that GitLab confirmed (only those set are written). */
export interface AppliedChange {
  appliedName?: string | null;
  appliedEmail?: string | null;
  appliedProvider?: string | null;
  appliedExternUid?: string | null;
  stateByBridge?: BridgeUserState | null;
  tokensRevokedAt?: Date | null;
  gitlabDeletedAt?: Date | null;
  /**
   * "pending": the change is an intent the pass has not seen confirmed yet (the bridge is about to
   * block: gitlab-user-plan.ts reads an unsynced stateByBridge as not yet confirmed); "held": the
   * mass-change guard holds the pass (with lastError saying why).
   */
  syncState?: "pending" | "held";
  lastError?: string | null;
}

export type LinkRecord = { linked: NewLink } | { applied: AppliedChange };

export interface LinkSettle {
  /** A CTE that has a row while the claim is still the worker's. */
  guard: string;
  /** SQL text expression of the state (it may read the guard's CTE), e.g. `'synced'`. */
  syncStateSql: string;
  lastError: string | null;
  /** Set when the settle marks the user's GitLab groups for this active-ness (settle-user.ts). */
  appliedActive?: boolean;
}

const CASTS: Record<keyof AppliedChange, string> = {
  appliedName: "text",
  appliedEmail: "text",
  appliedProvider: "text",
  appliedExternUid: "text",
  stateByBridge: `"GitLabBridgeUserState"`,
  tokensRevokedAt: "timestamptz",
  gitlabDeletedAt: "timestamptz",
  syncState: `"GitLabSyncState"`,
  lastError: "text",
};

/** Column → SQL value of a record. */
function recordColumns(p: SqlParams, record: LinkRecord, at: string): [string, string][] {
  if ("linked" in record) {
    const l = record.linked;
    return [
      ["gitlabUserId", `${p.add(l.gitlabUserId)}::int`],
      ["gitlabUsername", `${p.add(l.gitlabUsername)}::text`],
      ["linkedBy", `${p.add(l.linkedBy)}::"GitLabLinkMethod"`],
      ["linkedAt", at],
      ["appliedName", `${p.add(l.appliedName)}::text`],
      ["appliedEmail", `${p.add(l.appliedEmail)}::text`],
      ["appliedProvider", `${p.add(l.appliedProvider)}::text`],
      ["appliedExternUid", `${p.add(l.appliedExternUid)}::text`],
      ["stateByBridge", `${p.add(l.stateByBridge)}::"GitLabBridgeUserState"`],
      ["tokensRevokedAt", `NULL::timestamptz`],
      ["gitlabDeletedAt", `NULL::timestamptz`],
    ];
  }
  const change = record.applied;
  return (Object.keys(CASTS) as (keyof AppliedChange)[])
    .filter((key) => change[key] !== undefined)
    .map((key) => {
      const value = change[key];
      return [key, `${p.add(value instanceof Date ? value.toISOString() : value)}::${CASTS[key]}`];
    });
}

export function userLinkWriteSql(p: SqlParams, subject: { scimUserId: string; connectionId: string }, now: Date, record: LinkRecord | null, settle: LinkSettle | null): string {
  const at = p.timestamp(now);
  const user = p.uuid(subject.scimUserId);
  const recorded = record ? recordColumns(p, record, at) : [];
  const ours = settle ? `EXISTS (SELECT 1 FROM ${settle.guard})` : "false";
  // The end of the pass: its values while the claim is ours; otherwise a new row's defaults, an existing row's own values.
  const settled: [string, string, string][] = [];
  if (settle) {
    const state = `(${settle.syncStateSql})::"GitLabSyncState"`;
    settled.push(["syncState", `CASE WHEN ${ours} THEN ${state} ELSE 'pending' END`, `CASE WHEN ${ours} THEN EXCLUDED."syncState" ELSE l."syncState" END`]);
    settled.push(["lastError", `CASE WHEN ${ours} THEN ${p.add(settle.lastError)}::text END`, `CASE WHEN ${ours} THEN EXCLUDED."lastError" ELSE l."lastError" END`]);
    settled.push(["lastSyncedAt", `CASE WHEN ${ours} AND ${state} = 'synced' THEN ${at} END`, `COALESCE(EXCLUDED."lastSyncedAt", l."lastSyncedAt")`]);
    if (settle.appliedActive !== undefined) {
      settled.push(["appliedActive", `CASE WHEN ${ours} THEN ${p.add(settle.appliedActive)}::boolean END`, `CASE WHEN ${ours} THEN EXCLUDED."appliedActive" ELSE l."appliedActive" END`]);
    }
  }
  const columns = ["scimUserId", "connectionId", ...recorded.map(([c]) => c), ...settled.map(([c]) => c), "updatedAt"];
  const values = [user, p.uuid(subject.connectionId), ...recorded.map(([, v]) => v), ...settled.map(([, v]) => v), at];
  const updates = [...recorded.map(([c]) => `"${c}" = EXCLUDED."${c}"`), ...settled.map(([c, , u]) => `"${c}" = ${u}`), `"updatedAt" = EXCLUDED."updatedAt"`];
  return `INSERT INTO "GitLabUserLink" AS l (${columns.map((c) => `"${c}"`).join(", ")})
      SELECT ${values.join(", ")}
      WHERE EXISTS (SELECT 1 FROM "ScimUser" WHERE "id" = ${user})${record ? "" : ` AND ${ours}`}
      ON CONFLICT ("scimUserId") DO UPDATE SET ${updates.join(", ")}
      RETURNING l."scimUserId"`;
}
