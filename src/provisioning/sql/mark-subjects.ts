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
 */
import type { SqlParams } from "../../db/sql-params";

export type SubjectType = "user" | "group";

export function markSubjectsSql(p: SqlParams, source: string, subject: { connectionId: string; subjectType: SubjectType }, now: Date): string {
  const at = p.timestamp(now);
  return `INSERT INTO "ReconcileItem" ("connectionId", "subjectType", "subjectId", "state", "dirtyAt", "nextAttemptAt", "updatedAt")
    SELECT ${p.uuid(subject.connectionId)}, ${p.add(subject.subjectType)}, s."id", 'pending'::"ReconcileState", ${at}, ${at}, ${at} FROM ${source} s
    ON CONFLICT ("subjectType", "subjectId") DO UPDATE SET "generation" = "ReconcileItem"."generation" + 1,
      "state" = CASE "ReconcileItem"."state" WHEN 'claimed' THEN 'claimed'::"ReconcileState" ELSE 'pending'::"ReconcileState" END,
      "nextAttemptAt" = CASE "ReconcileItem"."state" WHEN 'claimed' THEN "ReconcileItem"."nextAttemptAt"
        WHEN 'pending' THEN LEAST("ReconcileItem"."nextAttemptAt", EXCLUDED."nextAttemptAt") ELSE EXCLUDED."nextAttemptAt" END,
      "parkedReason" = NULL, "dirtyAt" = EXCLUDED."dirtyAt", "updatedAt" = EXCLUDED."updatedAt"`;
}
