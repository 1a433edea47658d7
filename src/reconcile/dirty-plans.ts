/**
 * The plans of every dirty subject (its reconcile item is not done: pending, held by dry run, claimed
 * or parked), made offline: no GitLab call, the planner sees only desired and applied state. So a user
 * without a link shows the create it would try first; GitLab may refuse it because it already holds
 * the identity, email or username, and then the reconciler links that user instead (the plan says so).
 * A GitLab group (target) shows its membership plan, made offline too: each add would be looked up
 * first, and may turn into an adoption or a conflict. SCIM groups have no GitLab plan of their own.
 * For `plan` (CLI) and the admin pages; dry run records the same plans as "gitlab.plan" audit events.
 */
import type { Database } from "../db/database";
import { readSettings } from "../connections/settings";
import { planUser, type Plan } from "../provisioning/gitlab-user-plan";
import { findUserSubject } from "../provisioning/sql/find-user-subject";
import { describeMembershipPlan, type MembershipPlan } from "../provisioning/gitlab-membership-plan";
import { findTargetSubject } from "../provisioning/sql/find-target-subject";
import { planTargetOffline } from "./target-reconciler";

export interface DirtySubjectPlan {
  connection: string;
  subjectType: string;
  subjectId: string;
  /** The SCIM userName (users), the GitLab group's full path (GitLab groups), or null. */
  name: string | null;
  queueState: string;
  /** Held by dry run: waits until dry run ends. */
  held: boolean;
  lastError: string | null;
  plan: Plan | MembershipPlan | { kind: "not_planned"; reason: string };
}

export async function planDirtySubjects(db: Database, filter: { connectionName?: string } = {}): Promise<DirtySubjectPlan[]> {
  const params: unknown[] = [];
  let where = `i."state" <> 'done'`;
  if (filter.connectionName !== undefined) {
    params.push(filter.connectionName);
    where += ` AND c."name" = $1`;
  }
  const items = await db.direct.query<{ subjectType: string; subjectId: string; state: string; held: boolean; full: boolean; lastError: string | null; connection: string }>(
    `SELECT i."subjectType", i."subjectId", i."state"::text AS "state", i."state" = 'pending' AND i."nextAttemptAt" IS NULL AS "held", i."full", i."lastError", c."name" AS "connection"
     FROM "ReconcileItem" i JOIN "Connection" c ON c."id" = i."connectionId"
     WHERE ${where} ORDER BY i."priority", i."nextAttemptAt" NULLS LAST, i."id"`,
    params,
  );
  const plans: DirtySubjectPlan[] = [];
  for (const item of items) {
    const base = { connection: item.connection, subjectType: item.subjectType, subjectId: item.subjectId, queueState: item.state, held: item.held, lastError: item.lastError };
    if (item.subjectType === "gitlab_group") {
      const target = await findTargetSubject(db.direct, item.subjectId);
      if (!target) continue;
      let plan: DirtySubjectPlan["plan"];
      try {
        plan = planTargetOffline(target, readSettings(target.storedSettings), new Date(), item.full);
      } catch (error) {
        plan = { kind: "not_planned", reason: `invalid connection settings: ${(error as Error).message}` };
      }
      plans.push({ ...base, name: target.fullPath, plan });
      continue;
    }
    if (item.subjectType !== "user") {
      plans.push({ ...base, name: null, plan: { kind: "not_planned", reason: "a SCIM group's pass only decides which GitLab groups it feeds; their plans show the memberships" } });
      continue;
    }
    const subject = await findUserSubject(db.direct, item.subjectId);
    if (!subject) continue;
    let plan: DirtySubjectPlan["plan"];
    try {
      plan = planUser(subject.desired, subject.applied, readSettings(subject.storedSettings));
    } catch (error) {
      plan = { kind: "not_planned", reason: `invalid connection settings: ${(error as Error).message}` };
    }
    plans.push({ ...base, name: subject.desired.userName, plan });
  }
  return plans;
}

/** One line per operation, for people. */
export function describePlan(plan: DirtySubjectPlan["plan"]): string[] {
  if (plan.kind === "not_planned") return [`(${plan.reason})`];
  if (plan.kind === "memberships" || plan.kind === "observe_members") return describeMembershipPlan(plan);
  if (plan.kind === "conflict") return [`conflict: ${plan.reason}`];
  if (plan.kind === "observe") {
    const what = [plan.lookups.identity && "identity", plan.lookups.email && "email", ...plan.lookups.usernames.map((u) => `username ${u}`)].filter(Boolean).join(", ");
    return [`look up GitLab users by ${what}, then link one (or report a conflict); no user is created (create_users is off)`];
  }
  if (plan.ops.length === 0) return [...plan.notes, "nothing to do"];
  return [
    ...plan.ops.map((op) => {
      switch (op.op) {
        case "create":
          return `create GitLab user @${op.username} "${op.name}" <${op.email}> with identity ${op.identity.provider}/${op.identity.externUid} (links instead if GitLab already holds that identity, email or username)`;
        case "link":
          return `link GitLab user @${op.account.username} (#${op.account.id}) by ${op.method}${op.takeoverFrom ? `, taken over from deleted SCIM user ${op.takeoverFrom}` : ""}`;
        case "update": {
          const changes = [op.name !== undefined && `name "${op.name}"`, op.email !== undefined && `email ${op.email}`, op.identity && `identity ${op.identity.provider}/${op.identity.externUid}`].filter(Boolean);
          return `update GitLab user #${op.gitlabUserId}: ${changes.join(", ")}`;
        }
        case "revoke_tokens":
          return `revoke the personal access tokens and delete the SSH keys of GitLab user #${op.gitlabUserId}`;
        case "delete":
          return `delete GitLab user #${op.gitlabUserId}${op.hard ? " (hard delete: contributions too)" : ""}`;
        case "forget":
          return `record GitLab user #${op.gitlabUserId} as gone (GitLab no longer has it)`;
        default:
          return `${op.op} GitLab user #${op.gitlabUserId}`;
      }
    }),
    ...plan.notes,
  ];
}
