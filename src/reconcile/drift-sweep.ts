/**
 * The drift sweep (issue 11 item 6): reads what GitLab actually holds and asks the reconcilers to
 * repair what the bridge owns. Level-triggered like everything else: the sweep only observes and
 * marks; the passes it marks (with `full`) do the repairs through their usual plan and executor.
 *
 *   load     the connections in scope (one, or all) and their linked users (one statement);
 *   observe  GitLab's users, a page of 100 at a time in id order (keyset, contract §5); each page's
 *            linked users are compared with what the IdP wants and what the bridge set
 *            (provisioning/user-drift.ts); a linked account the listing did not show is looked up
 *            by id (GET /users/:id) before it is called missing;
 *   record   per page, one statement: the page's gitlab.call events, and per drifted user a
 *            gitlab.drift.user event and a full mark (sql/record-drift.ts);
 *   finish   per connection, one statement: every GitLab group its rules target is marked full
 *            (the target pass lists the members and repairs managed drift), and one
 *            reconcile.drift_swept event (sql/finish-drift-sweep.ts).
 *
 * A dry run (`reconcile --full --dry-run`) makes the same GET calls (recorded as gitlab.call events,
 * since they happened), reports the differences, and marks nothing.
 *
 * One sweep at a time per process (DriftSweeper); with PostgreSQL several instances may sweep at
 * once, which is harmless: marks are idempotent.
 */
import crypto from "node:crypto";
import { readSettings, type ConnectionSettings, type DeprovisionAction } from "../connections/settings";
import { SqlParams } from "../db/sql-params";
import type { SqlRunner } from "../db/sql-runner";
import type { GitLabClient } from "../gitlab/client";
import type { GitLabUserState } from "../gitlab/types";
import { findUser, listUsersByKeyset } from "../gitlab/users";
import { describeMembershipPlan } from "../provisioning/gitlab-membership-plan";
import { findSweepLinks } from "../provisioning/sql/find-sweep-links";
import { userDriftOf, type SweptLink, type UserDrift } from "../provisioning/user-drift";
import type { GitLabCallDetails, GitLabCallLog } from "./gitlab-call-log";
import { finishDriftSweepSql } from "./sql/finish-drift-sweep";
import { recordDriftSql, type SweepWriteContext } from "./sql/record-drift";
import { planTargetFull } from "./target-reconciler";

export interface DriftSweepDeps {
  runner: SqlRunner;
  gitlab: GitLabClient;
  callLog: GitLabCallLog;
  now: () => Date;
}

export interface DriftSweepRequest {
  /** One connection; all when absent. */
  connectionId?: string;
  /** Report the differences, mark nothing. */
  dryRun?: boolean;
  /** The audit actor: "reconciler" for the periodic sweep, "cli" for `reconcile --full`. */
  actor: string;
}

export interface ConnectionSweepReport {
  connection: { id: string; name: string };
  /** Why the connection was not swept (its settings are invalid), else null. */
  skipped: string | null;
  /** Linked users compared with GitLab (those with work in flight are not). */
  usersChecked: number;
  userDrift: UserDrift[];
  /** GitLab groups marked for a full pass (or, in a dry run, that would be). */
  targetsMarked: number;
  /**
   * Dry run only (null otherwise: the marked groups' full passes find and repair it): per GitLab group,
   * what its full pass would do, planned from its direct members as GitLab lists them now.
   */
  targets: TargetDriftReport[] | null;
}

export interface TargetDriftReport {
  targetId: string;
  fullPath: string;
  /** Managed members GitLab no longer has, and managed members at another level. */
  missing: number;
  levelDrift: number;
  /** Direct members the bridge does not manage. */
  unmanaged: number;
  /** The full pass's plan, one line per operation (describeMembershipPlan). */
  plan: string[];
}

export interface DriftSweepReport {
  sweepId: string;
  dryRun: boolean;
  startedAt: Date;
  finishedAt: Date;
  /** GitLab users listed. */
  gitlabUsers: number;
  connections: ConnectionSweepReport[];
}

interface SweptConnection {
  id: string;
  name: string;
  settings: ConnectionSettings | null;
  skipped: string | null;
}

export async function sweepDrift(deps: DriftSweepDeps, request: DriftSweepRequest, signal?: AbortSignal): Promise<DriftSweepReport> {
  const calls: GitLabCallDetails[] = [];
  return deps.callLog.collect(calls, () => new Sweep(deps, request, calls, signal).run());
}

class Sweep {
  private readonly sweepId = crypto.randomUUID();
  private readonly gitlab: GitLabClient;
  private readonly dryRun: boolean;

  constructor(
    private readonly deps: DriftSweepDeps,
    private readonly request: DriftSweepRequest,
    private readonly calls: GitLabCallDetails[],
    signal: AbortSignal | undefined,
  ) {
    this.gitlab = signal ? deps.gitlab.with({ signal }) : deps.gitlab;
    this.dryRun = request.dryRun === true;
  }

  async run(): Promise<DriftSweepReport> {
    const startedAt = this.deps.now();
    const connections = await this.loadConnections();
    const swept = connections.filter((c) => c.settings !== null);
    const links = await findSweepLinks(this.deps.runner, swept.map((c) => c.id));
    const observation = new Observation(links, new Map(swept.map((c) => [c.id, c.settings!.deprovision])));
    try {
      // Nobody linked: GitLab's users need not be read (the groups are still marked).
      if (links.length > 0) await this.observe(observation);
    } catch (error) {
      await this.record([]); // the calls happened: their events are written before the sweep gives up
      throw error;
    }

    const reports: ConnectionSweepReport[] = [];
    for (const c of connections) {
      const connection = { id: c.id, name: c.name };
      if (c.settings === null) {
        reports.push({ connection, skipped: c.skipped, usersChecked: 0, userDrift: [], targetsMarked: 0, targets: null });
        continue;
      }
      const usersChecked = links.filter((l) => l.connectionId === c.id && !l.inFlight).length;
      const userDrift = observation.drifts.filter((d) => d.connectionId === c.id);
      const targetsMarked = await this.finish(c.id, { usersChecked, userDrift: userDrift.length, dryRun: this.dryRun });
      const targets = this.dryRun ? await this.planTargets(c.id, c.settings) : null;
      reports.push({ connection, skipped: null, usersChecked, userDrift, targetsMarked, targets });
    }
    return { sweepId: this.sweepId, dryRun: this.dryRun, startedAt, finishedAt: this.deps.now(), gitlabUsers: observation.listed, connections: reports };
  }

  /** Pages through GitLab's users, comparing and recording page by page, then looks up the unseen. */
  private async observe(observation: Observation): Promise<void> {
    for await (const page of listUsersByKeyset(this.gitlab)) {
      observation.listed += page.length;
      await this.record(page.flatMap((user) => observation.compare(user.id, user.state)));
    }
    // Not listed: gone, or created or moved while the pages went by. Looked up one by one before
    // anything is called missing (a listing is not proof of absence).
    const found: UserDrift[] = [];
    for (const link of observation.unseen()) {
      const user = await findUser(this.gitlab, link.gitlabUserId);
      found.push(...observation.compare(link.gitlabUserId, user ? user.state : null));
    }
    await this.record(found);
  }

  /** Dry run: each GitLab group's full-pass plan from its members as listed now (GETs only). */
  private async planTargets(connectionId: string, settings: ConnectionSettings): Promise<TargetDriftReport[]> {
    const rows = await this.deps.runner.query<{ id: string }>(`SELECT "id" FROM "GitLabGroupTarget" WHERE "connectionId" = $1::uuid ORDER BY "fullPathKey"`, [connectionId]);
    const reports: TargetDriftReport[] = [];
    for (const { id } of rows) {
      const planned = await planTargetFull(this.deps.runner, this.gitlab, id, settings, this.deps.now());
      if (!planned) continue;
      if (planned.plan === "group_gone") {
        const line = `GitLab group #${planned.subject.gitlabGroupId} is gone (404 Group Not Found): its next pass forgets it and its managed memberships, and ${planned.subject.createdByBridge ? "makes the subgroup again" : `looks ${planned.subject.fullPath} up again`}`;
        reports.push({ targetId: id, fullPath: planned.subject.fullPath, missing: planned.subject.applied.length, levelDrift: 0, unmanaged: 0, plan: [line] });
        continue;
      }
      if (planned.plan.kind !== "memberships") continue;
      const { drift, unmanaged } = planned.plan;
      reports.push({
        targetId: id,
        fullPath: planned.subject.fullPath,
        missing: drift.filter((d) => d.kind === "missing").length,
        levelDrift: drift.filter((d) => d.kind === "level").length,
        unmanaged: unmanaged?.length ?? 0,
        plan: describeMembershipPlan(planned.plan),
      });
    }
    await this.record([]); // the listing calls' events
    return reports;
  }

  private async loadConnections(): Promise<SweptConnection[]> {
    const p = new SqlParams();
    const which = this.request.connectionId === undefined ? "" : ` WHERE "id" = ${p.uuid(this.request.connectionId)}`;
    const rows = await this.deps.runner.query<{ id: string; name: string; settings: unknown }>(`SELECT "id", "name", "settings" FROM "Connection"${which} ORDER BY "name"`, p.values);
    return rows.map((row) => {
      try {
        return { id: row.id, name: row.name, settings: readSettings(row.settings), skipped: null };
      } catch (error) {
        return { id: row.id, name: row.name, settings: null, skipped: `connection "${row.name}" has invalid settings: ${(error as Error).message}` };
      }
    });
  }

  /** The calls made since the last record and, unless a dry run, the drifts found meanwhile. */
  private async record(found: readonly UserDrift[]): Promise<void> {
    const p = new SqlParams();
    const ctx: SweepWriteContext = { sweepId: this.sweepId, actor: this.request.actor, connectionId: this.request.connectionId ?? null, now: this.deps.now(), calls: this.calls.splice(0) };
    const statement = recordDriftSql(p, ctx, this.dryRun ? [] : found);
    if (statement) await this.deps.runner.query(statement, p.values);
  }

  private async finish(connectionId: string, summary: { usersChecked: number; userDrift: number; dryRun: boolean }): Promise<number> {
    const p = new SqlParams();
    const statement = finishDriftSweepSql(p, { sweepId: this.sweepId, actor: this.request.actor, connectionId, now: this.deps.now() }, summary);
    const [row] = await this.deps.runner.query<{ targets: number }>(statement, p.values);
    return row?.targets ?? 0;
  }
}

/** What the sweep has seen of GitLab so far, against the links it loaded. */
class Observation {
  readonly drifts: UserDrift[] = [];
  listed = 0;
  private readonly byGitLabId: Map<number, SweptLink>;
  private readonly seen = new Set<number>();

  constructor(
    links: readonly SweptLink[],
    private readonly deprovisionOf: Map<string, DeprovisionAction>,
  ) {
    this.byGitLabId = new Map(links.map((l) => [l.gitlabUserId, l]));
  }

  /** The drift of the user linked to GitLab user `id` (none if nobody is), `state` null when it is gone. */
  compare(id: number, state: GitLabUserState | null): UserDrift[] {
    const link = this.byGitLabId.get(id);
    if (!link) return [];
    this.seen.add(id);
    const drift = userDriftOf(link, state, this.deprovisionOf.get(link.connectionId)!);
    if (drift) this.drifts.push(drift);
    return drift ? [drift] : [];
  }

  /** Links the listing did not show whose subjects are not in flight. */
  unseen(): SweptLink[] {
    return [...this.byGitLabId.values()].filter((l) => !this.seen.has(l.gitlabUserId) && !l.inFlight);
  }
}

/**
 * One sweep at a time in this process: a sweep asked for while one runs waits for it and then runs
 * (an operator's `reconcile --full` is never dropped); the periodic tick skips instead (`ifIdle`).
 */
export class DriftSweeper {
  private running: Promise<unknown> = Promise.resolve();
  /** Sweeps running or waiting; counted at once, so a tick right after a request sees it. */
  private pending = 0;

  /** `signal`: the owner's stop, which cancels a sweep in flight (its GitLab calls). */
  constructor(
    private readonly deps: DriftSweepDeps,
    private readonly signal?: AbortSignal,
  ) {}

  get idle(): boolean {
    return this.pending === 0;
  }

  sweep(request: DriftSweepRequest): Promise<DriftSweepReport> {
    this.pending++;
    const next = this.running
      .catch(() => undefined)
      .then(() => {
        if (this.signal?.aborted) throw new Error("the bridge is stopping: no drift sweep now");
        return sweepDrift(this.deps, request, this.signal);
      })
      .finally(() => this.pending--);
    this.running = next;
    return next;
  }

  /** Resolves once no sweep is running or waiting (their outcome is their callers'). */
  async settled(): Promise<void> {
    await this.running.catch(() => undefined);
  }
}
