/**
 * The one writer of the durable "this subject needs reconciling" mark, as a CTE of a desired-state
 * write: every row of `source` (a CTE of the written rows, whose "id" is the subject) is marked in the
 * same statement as the change, so the change and its mark commit together. It lives with the
 * desired-state store (imports run reconcile → provisioning); the queue's other transitions live in
 * src/reconcile/sql, and src/reconcile/queue.ts describes the states.
 *
 * A mark bumps the generation and makes the subject due now, from any state, but never erases what
 * the queue learnt: attempts, the failure streak and the last error stay. A claimed item stays claimed
 * with its lease: the claimer's complete sees the moved generation and puts the item back to pending.
 * A pending item keeps its place in line if it was already due (LEAST), so a subject marked over and
 * over is not pushed behind the others.
 *
 * Priority: an offboarding (a user's `active` going false, a user's deletion) is 0, everything else 1;
 * the claim takes 0 before 1, so a leaver's block does not wait behind a bulk import. While the item is
 * pending or claimed it keeps the most urgent priority of the marks it carries (LEAST): an offboarding
 * followed by a name change is still an offboarding. requestId is the latest mark's SCIM request: the
 * correlation id of the GitLab calls made for the subject. A GitLab group's marks take
 * MEMBERSHIP_PRIORITY (2) unless they offboard: its memberships need its users linked first, so an
 * initial sync links users before it batches their memberships.
 *
 * A mark with `full` asks the next pass to read GitLab's actual state (drift repair); the flag stays
 * until a pass completes. A held item (no due time: dry run, or a mass-change hold) becomes due again
 * at a new mark and is planned afresh (a mass-change hold holds it again if the plan is still mass).
 */
import type { SqlParams } from "../../db/sql-params";

/** A SCIM user, a SCIM group, or a GitLab group some mapping rule targets (GitLabGroupTarget). */
export type SubjectType = "user" | "group" | "gitlab_group";

export interface MarkTarget {
  connectionId: string;
  subjectType: SubjectType;
  /** The SCIM request that made the change (WriteContext.requestId). */
  requestId?: string;
  /** SQL boolean over the written row `s` (and the statement's CTEs): this change offboards the subject. Default false. */
  offboardingSql?: string;
  /** The priority when not offboarding. Default DEFAULT_PRIORITY; GitLab groups' memberships take MEMBERSHIP_PRIORITY. */
  priority?: number;
  /** The next pass reads GitLab's actual state (drift repair). A mark without it leaves a pending full pass full. */
  full?: boolean;
  /**
   * Leave an item that is pending and due with at least this urgency as it is: its pass has not started,
   * so it reads this change anyway, and not rewriting the row (an update of every index) is what lets
   * a user's link mark the GitLab groups it joins cheaply during an initial sync. The row is still
   * locked (ON CONFLICT locks the rows it does not update), so on PostgreSQL a claim by another
   * instance waits until this change commits and then reads it; a claim made before is seen as claimed
   * and marked as usual.
   */
  skipDuePending?: boolean;
}

export const OFFBOARDING_PRIORITY = 0;
export const DEFAULT_PRIORITY = 1;
/** Memberships wait for the users they need: a GitLab group's pass runs when no user's link is due. */
export const MEMBERSHIP_PRIORITY = 2;

export function markSubjectsSql(p: SqlParams, source: string, subject: MarkTarget, now: Date): string {
  const at = p.timestamp(now);
  const base = subject.priority ?? DEFAULT_PRIORITY;
  const priority = subject.offboardingSql ? `CASE WHEN ${subject.offboardingSql} THEN ${OFFBOARDING_PRIORITY} ELSE ${base} END` : `${base}`;
  const full = subject.full ? "true" : "false";
  return `INSERT INTO "ReconcileItem" ("connectionId", "subjectType", "subjectId", "state", "dirtyAt", "nextAttemptAt", "priority", "requestId", "full", "updatedAt")
    SELECT ${p.uuid(subject.connectionId)}, ${p.add(subject.subjectType)}, s."id", 'pending'::"ReconcileState", ${at}, ${at}, (${priority})::smallint, ${p.add(subject.requestId ?? null)}::text, ${full}, ${at} FROM ${source} s
    ON CONFLICT ("subjectType", "subjectId") DO UPDATE SET "generation" = "ReconcileItem"."generation" + 1,
      "state" = CASE "ReconcileItem"."state" WHEN 'claimed' THEN 'claimed'::"ReconcileState" ELSE 'pending'::"ReconcileState" END,
      "nextAttemptAt" = CASE "ReconcileItem"."state" WHEN 'claimed' THEN "ReconcileItem"."nextAttemptAt"
        WHEN 'pending' THEN LEAST("ReconcileItem"."nextAttemptAt", EXCLUDED."nextAttemptAt") ELSE EXCLUDED."nextAttemptAt" END,
      "priority" = CASE WHEN "ReconcileItem"."state" IN ('pending', 'claimed') THEN LEAST("ReconcileItem"."priority", EXCLUDED."priority") ELSE EXCLUDED."priority" END,
      "requestId" = EXCLUDED."requestId", "full" = "ReconcileItem"."full" OR EXCLUDED."full",
      "parkedReason" = NULL, "dirtyAt" = EXCLUDED."dirtyAt", "updatedAt" = EXCLUDED."updatedAt"${
        subject.skipDuePending
          ? `
    WHERE NOT ("ReconcileItem"."state" = 'pending' AND "ReconcileItem"."nextAttemptAt" IS NOT NULL AND "ReconcileItem"."priority" <= EXCLUDED."priority" AND NOT EXCLUDED."full")`
          : ""
      }`;
}
