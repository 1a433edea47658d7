/**
 * The reconcile workers of this process: RECONCILE_WORKERS claim loops over the durable queue
 * (queue.ts), each reconciling one subject at a time.
 *
 * A loop takes a claimed item from `ready`, or claims up to CLAIM_BATCH due items (offboardings
 * first) and keeps the rest in `ready` for the next free loop; it runs the pass and looks again. With
 * nothing due it sleeps until the earliest of: a wake-up (`wake`, called after every committed SCIM
 * write in this process, so a change is picked up at once), the next due time it knows of (a retry's
 * backoff), or RECONCILE_POLL_MS (work marked by another bridge instance). A wake-up wakes one sleeper;
 * a loop that found work wakes another, so a burst spreads over the workers without a stampede of
 * claims.
 *
 * Leases: a pass renews its claim every third of RECONCILE_LEASE_MS; if the claim was lost (another
 * process took the item over after an expired lease), the pass is aborted. Stop: the loops finish,
 * passes in flight are aborted (their GitLab calls cancelled) and their claims released without
 * spending an attempt, and so are the claims of a batch no loop started; a call GitLab already
 * carried out is repeated later, and every call is idempotent.
 *
 * Each kind of subject has its pass (PASSES): a SCIM user's, a SCIM group's, a GitLab group's.
 */
import crypto from "node:crypto";
import type { SqlRunner } from "../db/sql-runner";
import type { GitLabClient } from "../gitlab/client";
import type { Logger } from "../observability/logger";
import type { GitLabCallLog } from "./gitlab-call-log";
import * as queue from "./queue";
import type { SubjectType } from "../provisioning/sql/mark-subjects";
import { reconcileGroup } from "./group-reconciler";
import { reconcileTarget } from "./target-reconciler";
import { ParentGroupLookup } from "./parent-groups";
import type { PassDeps, PassOutcome } from "./pass";
import { reconcileUser } from "./user-reconciler";

type Pass = (deps: PassDeps, claim: queue.Claim, signal: AbortSignal) => Promise<PassOutcome>;

/**
 * Items one claim takes when that many are due. A claim statement costs about the same for one item or
 * four (the statement, its commit and its WAL flush, not the rows), and during an initial sync it was
 * half of the embedded database's work per user. The others wait in `ready` for the next loop that is
 * free, a few milliseconds against a lease of minutes; an offboarding marked meanwhile waits at most
 * for those few to start.
 */
const CLAIM_BATCH = 4;

/** The pass of each kind of subject. */
const PASSES: Record<SubjectType, Pass> = { user: reconcileUser, group: reconcileGroup, gitlab_group: reconcileTarget };

export interface WorkerOptions {
  runner: SqlRunner;
  gitlab: GitLabClient;
  callLog: GitLabCallLog;
  logger: Logger;
  workers: number;
  leaseMs: number;
  pollMs: number;
  dryRun: boolean;
  policy: queue.RetryPolicy;
  now?: () => Date;
  /** Names this process's claims (claimedBy = `${instance}/${n}`). Default: a random id. */
  instance?: string;
}

export interface ReconcileWorkers {
  /** Wakes a sleeping worker: something was just marked. */
  wake(): void;
  /** Resolves once every worker is asleep with nothing due that it could claim (tests). */
  whenIdle(): Promise<void>;
  readonly running: boolean;
  /** Stops the loops, aborts and releases the passes in flight. */
  stop(): Promise<void>;
}

export function startReconcileWorkers(options: WorkerOptions): ReconcileWorkers {
  const now = options.now ?? (() => new Date());
  const instance = options.instance ?? `bridge-${crypto.randomBytes(4).toString("hex")}`;
  const stopping = new AbortController();
  const parentGroups = new ParentGroupLookup();
  /** Claimed by a loop's batch, not yet taken by a loop (taken in claim order). */
  const ready: queue.Claim[] = [];
  const sleepers = new Set<() => void>();
  let idleWaiters: Array<() => void> = [];
  let asleep = 0;
  let pendingWakes = 0;

  const wakeOne = () => {
    const [first] = sleepers;
    if (first) {
      first();
    } else {
      // Every worker is busy (or between a claim that found nothing and its sleep): the next one to look
      // claims again at once instead of sleeping. Bounded: a burst needs no more than one look per worker.
      pendingWakes = Math.min(pendingWakes + 1, options.workers);
    }
  };

  /** Sleeps counted as asleep until woken: a woken worker is awake at once, so whenIdle cannot settle between a wake and its claim. */
  function sleep(ms: number): Promise<void> {
    asleep++;
    settleIdle();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (sleepers.delete(done)) asleep--;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      sleepers.add(done);
    });
  }

  function settleIdle(): void {
    if (asleep === options.workers && pendingWakes === 0 && ready.length === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  async function nextDueInMs(): Promise<number> {
    const next = await queue.nextDueAt(options.runner);
    if (!next) return options.pollMs;
    return Math.min(options.pollMs, next.getTime() - now().getTime());
  }

  /**
   * A batch's item waits in `ready` for milliseconds, unless every loop is held up (an outage, on the
   * breaker): a lease run half down is renewed before the pass starts, and null means the claim is lost.
   */
  async function keepLease(claim: queue.Claim): Promise<queue.Claim | null> {
    if (claim.leaseUntil.getTime() - now().getTime() > options.leaseMs / 2) return claim;
    try {
      return await queue.renew(options.runner, claim, options.leaseMs, now());
    } catch (error) {
      options.logger.warn({ err: error, subjectId: claim.subjectId }, "could not renew a reconcile lease");
      return claim; // the pass renews again as it runs, and a claim lost meanwhile aborts it
    }
  }

  async function runPass(claim: queue.Claim): Promise<PassOutcome> {
    const reconcile = PASSES[claim.subjectType];
    const pass = new AbortController();
    const onStop = () => pass.abort();
    stopping.signal.addEventListener("abort", onStop);
    let held: queue.Claim = claim;
    const renewal = setInterval(() => {
      void queue.renew(options.runner, held, options.leaseMs, now()).then(
        (renewed) => {
          if (renewed) held = renewed;
          else pass.abort(); // the claim is no longer ours: stop working on the subject
        },
        (error) => options.logger.warn({ err: error, subjectId: claim.subjectId }, "could not renew a reconcile lease"),
      );
    }, Math.max(1_000, Math.floor(options.leaseMs / 3)));
    try {
      const deps: PassDeps = { runner: options.runner, gitlab: options.gitlab, callLog: options.callLog, dryRun: options.dryRun, policy: options.policy, now, parentGroups };
      const outcome = await reconcile(deps, held, pass.signal);
      if (outcome === "released") await queue.release(options.runner, held, null, now());
      return outcome;
    } finally {
      clearInterval(renewal);
      stopping.signal.removeEventListener("abort", onStop);
    }
  }

  async function loop(n: number): Promise<void> {
    const claimedBy = `${instance}/${n}`;
    while (!stopping.signal.aborted) {
      let claims: queue.Claim[] = [];
      const taken = ready.shift();
      if (taken) {
        const held = await keepLease(taken);
        if (!held) continue; // its lease ran out and another instance took the item over: look again
        claims = [held];
      } else {
        try {
          claims = await queue.claim(options.runner, { claimedBy, limit: Math.min(CLAIM_BATCH, options.workers), leaseMs: options.leaseMs }, options.policy, now());
        } catch (error) {
          if (stopping.signal.aborted) break;
          options.logger.error({ err: error }, "reconcile worker could not claim work; trying again after the poll interval");
        }
        ready.push(...claims.slice(1));
      }
      if (claims.length === 0) {
        let waitMs = options.pollMs;
        try {
          waitMs = await nextDueInMs();
        } catch {
          // the claim's own error was logged; poll again later
        }
        if (stopping.signal.aborted) break;
        if (pendingWakes > 0) {
          pendingWakes--;
          continue;
        }
        await sleep(waitMs);
        continue;
      }
      if (pendingWakes > 0) {
        pendingWakes--;
        wakeOne();
      } else if (sleepers.size > 0) wakeOne(); // there may be more: let another worker look
      for (let i = 0; i < ready.length && sleepers.size > 0; i++) wakeOne(); // the batch's others
      const claim = claims[0];
      try {
        const outcome = await runPass(claim);
        options.logger.debug({ subjectType: claim.subjectType, subjectId: claim.subjectId, outcome }, "reconciled");
      } catch (error) {
        options.logger.error({ err: error, subjectType: claim.subjectType, subjectId: claim.subjectId }, "reconcile pass failed unexpectedly");
        if (stopping.signal.aborted) await queue.release(options.runner, claim, null, now()).catch(() => undefined);
      }
    }
  }

  const loops = Array.from({ length: options.workers }, (_, n) => loop(n));
  let running = true;

  return {
    wake: () => {
      if (running) wakeOne();
    },
    whenIdle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
    get running() {
      return running;
    },
    async stop() {
      if (!running) return;
      running = false;
      stopping.abort();
      for (const wake of [...sleepers]) wake();
      await Promise.all(loops);
      // Claimed by a batch and never started: handed back without spending an attempt.
      for (const claim of ready.splice(0)) await queue.release(options.runner, claim, null, now()).catch(() => undefined);
      for (const w of idleWaiters) w();
      idleWaiters = [];
    },
  };
}
