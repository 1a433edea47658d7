/**
 * The reconcile queue: one durable item per subject (a SCIM user or group), moved between states by
 * one SQL statement per transition (src/reconcile/sql; the mark is src/provisioning/sql/mark-subjects.ts,
 * part of every desired-state write). Every function takes the SqlRunner (`db.direct`) and the clock.
 *
 *   pending ──claim──▶ claimed ──complete──▶ done            (generation unchanged during the claim)
 *      ▲                 │  ├──complete──▶ pending, due now  (a mark moved the generation meanwhile)
 *      │                 │  ├──fail──────▶ pending, due after backoff + jitter, not before Retry-After
 *      │                 │  ├──fail──────▶ parked            (budget of attempts or time spent)
 *      │                 │  ├──park──────▶ parked            (permanent error)
 *      │                 │  ├──renew─────▶ claimed, longer lease
 *      │                 │  ├──release───▶ pending, attempt not counted (GitLab down, shutting down)
 *      │                 │  └──hold──────▶ pending with no due time, attempt not counted (dry run)
 *      │                 └─(lease ends)─ claim by anyone ──▶ claimed (or parked when the budget is spent)
 *      ├──────── mark ─── from pending, done, parked: due now (a claimed item stays claimed)
 *      ├──────── retry ── from parked: due now, fresh budget
 *      └──────── resume held ── from pending with no due time (held): due now (dry run turned off)
 *
 * A mark bumps the generation and never erases history: attempts, the failure streak and the last error
 * survive it. When a mark came during a claim, the claim's end leaves the item pending and due, as a
 * mark right after it would have (complete, fail and park alike; fail still honours Retry-After). Only
 * the claimer's own current claim (worker, generation, attempt) can complete, fail, park, renew or
 * release it; any other call changes nothing and returns null. nextAttemptAt is when the queue next
 * looks at an item (a claimed item's lease end) and is null for done, parked and held items.
 * Claims take offboardings (priority 0) before the rest (see mark-subjects.ts).
 */
import { SqlParams } from "../db/sql-params";
import type { SqlRunner } from "../db/sql-runner";
import { toUserSubject, type UserSubject, type UserSubjectRow } from "../provisioning/sql/find-user-subject";
import type { SubjectType } from "../provisioning/sql/mark-subjects";
import type { RetryBudget } from "./sql/budget";
import { claimSql, type ClaimRequest } from "./sql/claim";
import { completeSql } from "./sql/complete";
import { failSql, type Backoff, type Failure } from "./sql/fail";
import type { ClaimHandle } from "./sql/own-claim";
import { holdSql } from "./sql/hold";
import { parkSql } from "./sql/park";
import { releaseSql } from "./sql/release";
import { countByStateSql, findItemSql, listParkedSql, NEXT_DUE_SQL } from "./sql/reads";
import { renewSql } from "./sql/renew";
import { resumeHeldSql } from "./sql/resume-held";
import { retryAuditedSql, retrySql, type RetryTarget } from "./sql/retry";

export type { ClaimRequest, Failure, RetryTarget };

export const QUEUE_STATES = ["pending", "claimed", "done", "parked"] as const;
export type QueueState = (typeof QUEUE_STATES)[number];
export type ParkReason = "permanent_error" | "attempt_budget" | "time_budget";

export interface QueueItem {
  id: string;
  connectionId: string;
  subjectType: SubjectType;
  subjectId: string;
  state: QueueState;
  generation: number;
  attempts: number;
  dirtyAt: Date;
  nextAttemptAt: Date | null;
  claimedBy: string | null;
  claimedGeneration: number | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  firstFailedAt: Date | null;
  parkedReason: ParkReason | null;
  /** 0: offboarding, 1: the rest. */
  priority: number;
  /** The SCIM request of the latest mark (correlation id of the GitLab calls). */
  requestId: string | null;
  /** The next pass reads GitLab's actual state (drift repair). */
  full: boolean;
  /** The mass-change hold the item waits on or was let through by. */
  holdId: string | null;
  updatedAt: Date;
}

/** What a worker holds while it reconciles a subject; pass it back to complete, fail, park or renew. */
export interface Claim extends ClaimHandle {
  connectionId: string;
  subjectType: SubjectType;
  subjectId: string;
  leaseUntil: Date;
  /** The error of the previous attempt, if any (history survives marks). */
  lastError: string | null;
  priority: number;
  requestId: string | null;
  /** Read GitLab's actual state in this pass (drift repair). */
  full: boolean;
  /** Set when the item was held by the mass-change guard: the hold it waits on or, approved, was let through by. */
  holdId: string | null;
  /**
   * A user's item: the user's state as the claim read it (find-user-subject.ts), null when the user row
   * is gone altogether. Undefined for other subjects, and on a renewed claim (the pass keeps the first).
   */
  user?: UserSubject | null;
}

export type RetryPolicy = Backoff & RetryBudget;

/** Backoff from 1 s doubling to 1 h; parked after 25 attempts or 24 hours of failing, whichever comes first. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  baseDelayMs: 1_000,
  maxDelayMs: 60 * 60_000,
  maxAttempts: 25,
  maxFailingMs: 24 * 60 * 60_000,
});

/** GitLab's messages can echo whole request bodies; an item keeps a bounded excerpt. */
const MAX_ERROR_LENGTH = 2_000;

async function run(runner: SqlRunner, build: (p: SqlParams) => string): Promise<QueueItem[]> {
  const p = new SqlParams();
  const statement = build(p);
  return runner.query<QueueItem>(statement, p.values);
}

async function runOne(runner: SqlRunner, build: (p: SqlParams) => string): Promise<QueueItem | null> {
  const [item] = await run(runner, build);
  return item ?? null;
}

function claimOf(item: QueueItem & { user?: UserSubjectRow | null }): Claim {
  return {
    ...(item.subjectType === "user" && item.user !== undefined ? { user: item.user && toUserSubject(item.user) } : {}),
    itemId: item.id,
    claimedBy: item.claimedBy!,
    generation: item.claimedGeneration!,
    attempt: item.attempts,
    connectionId: item.connectionId,
    subjectType: item.subjectType,
    subjectId: item.subjectId,
    leaseUntil: item.nextAttemptAt!,
    lastError: item.lastError,
    priority: item.priority,
    requestId: item.requestId,
    full: item.full,
    holdId: item.holdId,
  };
}

export async function claim(runner: SqlRunner, request: ClaimRequest, policy: RetryBudget, now: Date): Promise<Claim[]> {
  const p = new SqlParams();
  const statement = claimSql(p, request, policy, now);
  return (await runner.query<QueueItem & { user: UserSubjectRow | null }>(statement, p.values)).map(claimOf);
}

/** Null when the claim is no longer this worker's: stop working on the subject. */
export async function renew(runner: SqlRunner, held: Claim, leaseMs: number, now: Date): Promise<Claim | null> {
  const item = await runOne(runner, (p) => renewSql(p, held, leaseMs, now));
  return item && claimOf(item);
}

/** Hands the claim back without spending an attempt: due again at `notBefore` (or now). */
export async function release(runner: SqlRunner, held: ClaimHandle, notBefore: Date | null, now: Date): Promise<QueueItem | null> {
  return runOne(runner, (p) => releaseSql(p, held, notBefore, now));
}

/** Dry run: hands the claim back without a due time (hold.ts); resumeHeld makes it due. */
export async function hold(runner: SqlRunner, held: ClaimHandle, now: Date): Promise<QueueItem | null> {
  return runOne(runner, (p) => holdSql(p, held, now));
}

/** Makes held items due now (all, or those of these connections); returns them. */
export async function resumeHeld(runner: SqlRunner, filter: { connectionIds?: readonly string[] }, now: Date): Promise<QueueItem[]> {
  return run(runner, (p) => resumeHeldSql(p, filter, now));
}

export async function complete(runner: SqlRunner, held: ClaimHandle, now: Date): Promise<QueueItem | null> {
  return runOne(runner, (p) => completeSql(p, held, now));
}

export async function fail(runner: SqlRunner, held: ClaimHandle, failure: Failure, policy: RetryPolicy, now: Date): Promise<QueueItem | null> {
  return runOne(runner, (p) => failSql(p, held, { ...failure, error: failure.error.slice(0, MAX_ERROR_LENGTH) }, policy, now));
}

export async function park(runner: SqlRunner, held: ClaimHandle, error: string, now: Date): Promise<QueueItem | null> {
  return runOne(runner, (p) => parkSql(p, held, error.slice(0, MAX_ERROR_LENGTH), now));
}

/**
 * The items moved from parked to pending (none when the target is not parked). With `audit`, each one
 * is recorded as "reconcile.retried" by that actor in the same statement (an operator's retry).
 */
export async function retry(runner: SqlRunner, target: RetryTarget, now: Date, audit?: { actor: string; requestId?: string }): Promise<QueueItem[]> {
  return run(runner, (p) => (audit ? retryAuditedSql(p, target, now, audit) : retrySql(p, target, now)));
}

export async function findItem(runner: SqlRunner, subject: { subjectType: SubjectType; subjectId: string }): Promise<QueueItem | null> {
  return runOne(runner, (p) => findItemSql(p, subject));
}

export async function countByState(runner: SqlRunner, filter: { connectionId?: string } = {}): Promise<Record<QueueState, number>> {
  const p = new SqlParams();
  const rows = await runner.query<{ state: QueueState; count: number }>(countByStateSql(p, filter), p.values);
  const counts = Object.fromEntries(QUEUE_STATES.map((state) => [state, 0])) as Record<QueueState, number>;
  for (const row of rows) counts[row.state] = row.count;
  return counts;
}

/** When the queue next has an item to claim (a due time or a lease end), or null when nothing waits. */
export async function nextDueAt(runner: SqlRunner): Promise<Date | null> {
  const [row] = await runner.query<{ next: Date | string | null }>(NEXT_DUE_SQL);
  return row?.next == null ? null : new Date(row.next);
}

/** Parked items, most recent error first. */
export async function listParked(runner: SqlRunner, filter: { connectionId?: string; limit: number }): Promise<QueueItem[]> {
  return run(runner, (p) => listParkedSql(p, filter));
}
