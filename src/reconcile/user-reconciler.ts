/**
 * One pass of a user's reconciler, for a claim the worker holds, as a visible list of steps:
 *   load     the SCIM user (tombstones too), its link and its connection's settings: one statement;
 *   plan     planUser (pure); an "observe" plan makes the lookups it asks for and plans again;
 *   execute  the plan's operations one at a time through the GitLab client, each outcome recorded as
 *            applied state + audit event as soon as GitLab answers (a crash repeats at most that call,
 *            and every call is idempotent);
 *   settle   the queue transition and the link's syncState in one statement (sql/settle-user.ts):
 *            complete (synced) | fail (retryable, honouring Retry-After; parked when the budget is
 *            spent) | park (permanent error → failed; conflict → conflict) | hold (dry run).
 * Every GitLab exchange of the pass becomes one "gitlab.call" audit event (gitlab-call-log.ts).
 *
 * Dry run (DRY_RUN, or the connection's dryRun): the plan is made offline (no lookups, no calls),
 * recorded as a "gitlab.plan" event, and the item is held until dry run ends (queue.ts, hold).
 */
import { SqlParams } from "../db/sql-params";
import { massChangeThreshold, readSettings, type ConnectionSettings } from "../connections/settings";
import type { GitLabClient } from "../gitlab/client";
import { GitLabError } from "../gitlab/errors";
import { listActiveTokens, listSshKeys, revokeToken, deleteSshKey } from "../gitlab/credentials";
import { banUser, blockUser, deactivateUser, unbanUser, unblockUser, activateUser } from "../gitlab/user-state";
import { createUser, deleteUser, findUser, findUserByIdentity, findUserByUsername, findUsersByEmail, updateUser } from "../gitlab/users";
import type { GitLabUser } from "../gitlab/types";
import { identityOf, planUser, type Lookups, type Observed, type ObservedAccount, type Plan, type RefusalReason, type UserOp } from "../provisioning/gitlab-user-plan";
import type { AppliedUser, BridgeUserState, DesiredUser } from "../provisioning/gitlab-user-state";
import { findLinksOfGitLabUsers } from "../provisioning/sql/find-links-of-gitlab-users";
import { findUserSubject, type UserSubject } from "../provisioning/sql/find-user-subject";
import type { LinkWriteContext, OutcomeEvent } from "../provisioning/sql/user-link-pieces";
import { recordUserLink } from "../provisioning/sql/user-link-record";
import { releaseUserLink } from "../provisioning/sql/user-link-released";
import type { AppliedChange, LinkRecord, NewLink } from "../provisioning/sql/user-link-write";
import { isUniqueViolation } from "../provisioning/unique-violation";
import type { GitLabCallDetails } from "./gitlab-call-log";
import { guardMassChange } from "./mass-change-guard";
import type { PassDeps, PassOutcome } from "./pass";
import type { Claim, QueueItem } from "./queue";
import { completeSql } from "./sql/complete";
import { failSql } from "./sql/fail";
import { holdSql } from "./sql/hold";
import { parkSql } from "./sql/park";
import { countRecentOffboardings } from "./sql/recent-offboardings";
import { settleUserSql, type UserSettlement } from "./sql/settle-user";

/** Rounds of lookups a pass makes at most (identity, email, username, then suffixed usernames). */
const MAX_PLAN_ROUNDS = 8;
const MAX_ERROR_LENGTH = 2_000;

/** Thrown by an operation whose failure is a conflict for a person to resolve (e.g. 409 email taken). */
class ConflictStop extends Error {}

/** Thrown when the mass-change guard held the item: its claim has ended, there is nothing to settle. */
class HeldStop extends Error {}

/** What each deprovisioning call sets. */
const DEPROVISIONED = { block: "blocked", deactivate: "deactivated", ban: "banned" } as const;
const SET_CALL = { blocked: "block", deactivated: "deactivate", banned: "ban" } as const;

export async function reconcileUser(deps: PassDeps, claim: Claim, signal?: AbortSignal): Promise<PassOutcome> {
  const calls: GitLabCallDetails[] = [];
  return deps.callLog.collect(calls, () => new UserPass(deps, claim, calls, signal).run());
}

class UserPass {
  private readonly gitlab: GitLabClient;
  /** Set once loaded (the claim's, or read here). */
  private subject: UserSubject | null = null;
  /**
   * What GitLab last confirmed, not written yet: written before the pass's next GitLab call (flush),
   * or by the settle in the same statement as the end of the pass (one round trip fewer per pass).
   */
  private unwritten: { record: LinkRecord; event?: OutcomeEvent; calls: GitLabCallDetails[] } | null = null;
  /** This pass linked the user to a GitLab user (its GitLab groups are marked at the settle). */
  private linkedNow = false;

  constructor(
    private readonly deps: PassDeps,
    private readonly claim: Claim,
    private readonly calls: GitLabCallDetails[],
    private readonly signal: AbortSignal | undefined,
  ) {
    this.gitlab = signal ? deps.gitlab.with({ signal }) : deps.gitlab;
  }

  /** The context of the next write: it takes the calls made since the last one (or these). */
  private ctx(calls: GitLabCallDetails[] = this.calls.splice(0)): LinkWriteContext {
    return { connectionId: this.claim.connectionId, scimUserId: this.claim.subjectId, requestId: this.claim.requestId, now: this.deps.now(), calls };
  }

  async run(): Promise<PassOutcome> {
    // The worker's claim read the subject in the claiming statement; a claim made otherwise did not.
    const subject = this.claim.user !== undefined ? this.claim.user : await findUserSubject(this.deps.runner, this.claim.subjectId);
    this.subject = subject;
    if (!subject) {
      // The SCIM user row is gone altogether (its connection was deleted): nothing left to reconcile.
      await this.settle({ parkedAs: "failed", lastError: null }, "complete");
      return "gone";
    }
    let settings: ConnectionSettings;
    try {
      settings = readSettings(subject.storedSettings);
    } catch (error) {
      await this.settle({ parkedAs: "failed", lastError: `connection "${subject.connectionName}" has invalid settings: ${(error as Error).message}` }, "park");
      return "failed";
    }
    if (this.deps.dryRun || settings.dryRun) {
      const plan = planUser(subject.desired, subject.applied, settings);
      await this.settle({ parkedAs: "failed", lastError: null, event: { action: "gitlab.plan", details: { plan: planDetails(plan), dryRun: this.deps.dryRun ? "DRY_RUN" : "connection" } } }, "hold");
      return "dry_run";
    }
    try {
      const notes = await this.apply(subject.desired, subject.applied, settings);
      await this.settle({ parkedAs: "failed", lastError: notes.length ? notes.join("; ") : null }, "complete");
      return "synced";
    } catch (error) {
      return this.settleError(error);
    }
  }

  /** Plans, observes as asked, and executes; returns the plan's notes. Throws what ends the pass otherwise. */
  private async apply(desired: DesiredUser, loaded: AppliedUser | null, settings: ConnectionSettings): Promise<string[]> {
    const observed: Observed = {};
    let applied = loaded;
    if (this.claim.full && applied?.gitlabUserId != null && !applied.gitlabDeletedAt) {
      // Drift repair (a full pass): plan with the account as GitLab has it now.
      const account = await findUser(this.gitlab, applied.gitlabUserId);
      observed.linked = account ? { state: account.state } : null;
    }
    for (let round = 0; round < MAX_PLAN_ROUNDS; round++) {
      const plan = planUser(desired, applied, settings, observed);
      if (plan.kind === "conflict") throw new ConflictStop(plan.reason);
      if (plan.kind === "observe") {
        await this.observe(plan.lookups, observed, desired, settings);
        continue;
      }
      if (plan.ops.length === 1 && plan.ops[0].op === "forget") {
        // The account is gone: recorded, then planned again without it (a live user's is a conflict).
        await this.execute(plan.ops[0], settings);
        applied = applied && { ...applied, gitlabDeletedAt: this.deps.now() };
        delete observed.linked;
        continue;
      }
      let refused = false;
      for (const op of plan.ops) {
        const refusal = await this.execute(op, settings);
        if (refusal) {
          // Only a create is refused, and it is its plan's only operation: plan again with the refusal.
          (observed.refusals ??= []).push(refusal);
          refused = true;
          break;
        }
      }
      if (!refused) return plan.notes;
    }
    throw new ConflictStop(`no plan settled after ${MAX_PLAN_ROUNDS} rounds of GitLab lookups`);
  }

  /** The lookups a plan asked for, each found user annotated with the SCIM user it is linked to. */
  private async observe(lookups: Lookups, observed: Observed, desired: DesiredUser, settings: ConnectionSettings): Promise<void> {
    const identity = identityOf(desired, settings);
    const byIdentity = lookups.identity && identity ? await findUserByIdentity(this.gitlab, identity.provider, identity.externUid) : null;
    const byEmail = lookups.email && desired.email ? await findUsersByEmail(this.gitlab, desired.email) : [];
    const byUsername: Record<string, GitLabUser | null> = {};
    for (const username of lookups.usernames) byUsername[username.toLowerCase()] = await findUserByUsername(this.gitlab, username);
    const found = [...(byIdentity ? [byIdentity] : []), ...byEmail, ...Object.values(byUsername).filter((u): u is GitLabUser => u !== null)];
    const holders = new Map((await findLinksOfGitLabUsers(this.deps.runner, [...new Set(found.map((u) => u.id))])).map((h) => [h.gitlabUserId, h]));
    const annotate = (u: GitLabUser): ObservedAccount => {
      const h = holders.get(u.id);
      return { id: u.id, username: u.username, name: u.name, email: u.email, state: u.state, identities: u.identities, holder: h ? { scimUserId: h.scimUserId, connectionId: h.connectionId, tombstone: h.tombstone, stateByBridge: h.stateByBridge } : null };
    };
    if (lookups.identity) observed.byIdentity = byIdentity ? annotate(byIdentity) : null;
    if (lookups.email) observed.byEmail = byEmail.map(annotate);
    if (lookups.usernames.length) {
      const known = { ...observed.byUsername };
      for (const [key, u] of Object.entries(byUsername)) known[key] = u ? annotate(u) : null;
      observed.byUsername = known;
    }
  }

  /** Runs one operation and records its outcome; answers a create's refusal instead of throwing it. */
  private async execute(op: UserOp, settings: ConnectionSettings): Promise<{ username: string; reason: RefusalReason } | null> {
    // What the previous operation's answer confirmed is written before this one calls GitLab.
    await this.flush();
    switch (op.op) {
      case "create": {
        let result: { user: GitLabUser; created: boolean };
        try {
          result = await createUser(this.gitlab, { username: op.username, name: op.name, email: op.email, provider: op.identity.provider, externUid: op.identity.externUid }, { findOwnOnConflict: false });
        } catch (error) {
          const reason = refusalOf(error);
          if (reason) return { username: op.username, reason };
          throw error;
        }
        const u = result.user;
        this.linked(
          { gitlabUserId: u.id, gitlabUsername: u.username, linkedBy: "created", appliedName: u.name, appliedEmail: u.email ?? op.email, appliedProvider: op.identity.provider, appliedExternUid: op.identity.externUid, stateByBridge: null },
          { action: result.created ? "gitlab.user.created" : "gitlab.user.linked", details: { gitlabUserId: u.id, username: u.username, ...(result.created ? {} : { method: "identity", note: "the create had already been carried out" }) } },
        );
        return null;
      }
      case "link": {
        if (op.takeoverFrom) {
          await releaseUserLink(this.deps.runner, { connectionId: this.claim.connectionId, tombstoneScimUserId: op.takeoverFrom, gitlabUserId: op.account.id, takenOverBy: this.claim.subjectId, requestId: this.claim.requestId, now: this.deps.now() });
        }
        this.linked(
          { gitlabUserId: op.account.id, gitlabUsername: op.account.username, linkedBy: op.method, appliedName: op.account.name, appliedEmail: op.account.email ?? null, appliedProvider: op.identity?.provider ?? null, appliedExternUid: op.identity?.externUid ?? null, stateByBridge: op.stateByBridge },
          { action: "gitlab.user.linked", details: { gitlabUserId: op.account.id, username: op.account.username, method: op.method, state: op.account.state, ...(op.takeoverFrom ? { takenOverFrom: op.takeoverFrom } : {}) } },
        );
        return null;
      }
      case "update": {
        try {
          await updateUser(this.gitlab, op.gitlabUserId, { name: op.name, email: op.email, identity: op.identity });
        } catch (error) {
          // contract §1.3: 409 "Email has already been taken": a person must resolve it; retrying cannot.
          if (error instanceof GitLabError && error.status === 409) throw new ConflictStop(`GitLab refused the change of @${op.gitlabUserId}: ${error.gitlabMessage ?? "conflict"}`);
          throw error;
        }
        const change = { ...(op.name !== undefined ? { appliedName: op.name } : {}), ...(op.email !== undefined ? { appliedEmail: op.email } : {}), ...(op.identity ? { appliedProvider: op.identity.provider, appliedExternUid: op.identity.externUid } : {}) };
        this.applied(change, { action: "gitlab.user.updated", details: { gitlabUserId: op.gitlabUserId, changed: Object.keys(change) } });
        return null;
      }
      case "block":
      case "deactivate":
      case "ban":
        await this.deprovision(op, settings);
        return null;
      case "unblock":
      case "activate":
      case "unban": {
        const action = op.op === "unblock" ? unblockUser : op.op === "unban" ? unbanUser : activateUser;
        await action(this.gitlab, op.gitlabUserId);
        const verb = op.op === "unblock" ? "unblocked" : op.op === "unban" ? "unbanned" : "activated";
        // The bridge's own state is undone; tokens revoked before stay revoked, but a later offboarding revokes again.
        this.applied({ stateByBridge: null, tokensRevokedAt: null }, { action: `gitlab.user.${verb}`, details: { gitlabUserId: op.gitlabUserId } });
        return null;
      }
      case "revoke_tokens": {
        const tokens = await listActiveTokens(this.gitlab, op.gitlabUserId);
        for (const token of tokens) await revokeToken(this.gitlab, token.id);
        const keys = await listSshKeys(this.gitlab, op.gitlabUserId);
        for (const key of keys) await deleteSshKey(this.gitlab, op.gitlabUserId, key.id);
        this.applied({ tokensRevokedAt: this.deps.now() }, { action: "gitlab.user.tokens_revoked", details: { gitlabUserId: op.gitlabUserId, personalAccessTokens: tokens.length, sshKeys: keys.length } });
        return null;
      }
      case "delete": {
        await deleteUser(this.gitlab, op.gitlabUserId, { hard: op.hard });
        this.applied({ gitlabDeletedAt: this.deps.now() }, { action: "gitlab.user.deleted", details: { gitlabUserId: op.gitlabUserId, hard: op.hard, policy: settings.deleteGitLabUsers } });
        return null;
      }
      case "forget": {
        // A full pass found no such GitLab user: someone deleted it outside the bridge.
        this.applied({ gitlabDeletedAt: this.deps.now() }, { action: "gitlab.drift.user", details: { gitlabUserId: op.gitlabUserId, found: "missing", note: "the linked GitLab user no longer exists" } });
        return null;
      }
    }
  }

  /**
   * block, deactivate or ban, in the order that survives a crash anywhere:
   *   1. the offboarding guard (issue 11 item 7): too many deprovisionings by the bridge in the last
   *      hour for the connection, and the item is held for an admin instead (HeldStop);
   *   2. the intent, written before the call: stateByBridge with syncState pending. A crash after
   *      GitLab carried the call out leaves it, so the next pass repeats the call and counts its
   *      `null` (already blocked) as the bridge's own, and a reactivation undoes it;
   *   3. the call; its answer confirms the intent, or gives the state back to whoever set it: an
   *      account already blocked before the bridge's first call (someone else's block), or ldap_blocked.
   */
  private async deprovision(op: Extract<UserOp, { op: "block" | "deactivate" | "ban" }>, settings: ConnectionSettings): Promise<void> {
    const id = op.gitlabUserId;
    await this.guardOffboarding(op, settings);
    const loaded = this.subject?.applied?.stateByBridge ?? null;
    let state: BridgeUserState = DEPROVISIONED[op.op];
    // A full pass's repeat after drift is written as an intent too, with the drift's audit event.
    if (loaded !== state || op.drift) {
      await this.write({ applied: { stateByBridge: state, syncState: "pending" } }, op.drift ? { action: "gitlab.drift.user", details: { gitlabUserId: id, expected: state, found: op.drift } } : undefined);
    }
    const call = op.op === "block" ? blockUser : op.op === "ban" ? banUser : deactivateUser;
    let result = await this.stateAction(() => call(this.gitlab, id));
    const extra: Record<string, unknown> = {};
    if (result === "recently_active") {
      // contract §1.4: GitLab refuses to deactivate a user active in the last 90 days: block instead, and say so.
      state = "blocked";
      await this.write({ applied: { stateByBridge: state, syncState: "pending" } }, undefined);
      result = await this.stateAction(() => blockUser(this.gitlab, id));
      Object.assign(extra, { fallbackFrom: "deactivate", reason: "GitLab refuses to deactivate a user active in the past 90 days" });
    }
    const details = { gitlabUserId: id, result, ...extra };
    // The `null` of a call with an earlier attempt that may have been carried out (its answer lost; the
    // client tried again) is the bridge's own too.
    const path = `/api/v4/users/${id}/${SET_CALL[state]}`;
    const repeated = this.calls.filter((c) => c.path === path).length > 1;
    if (result === "ldap_blocked") {
      this.applied({ stateByBridge: null }, { action: "gitlab.user.ldap_blocked", details: { ...details, note: "the user is ldap_blocked in GitLab: left as it is" } });
    } else if (result === "changed" || loaded === state || repeated) {
      // Changed now, or by this pass's intent's earlier call (a crash, or a lost answer, before its record).
      this.applied({}, { action: `gitlab.user.${state}`, details: result === "changed" ? details : { ...details, note: "already so by the bridge's earlier call" } });
    } else {
      // Already so before the bridge's first call: someone else's, which reactivation must not undo.
      this.applied({ stateByBridge: null }, { action: `gitlab.user.${state}`, details });
    }
  }

  /**
   * Issue 11 item 7: the connection's linked users marked to leave in the last hour (since the latest
   * approved offboardings hold), this one included, over massChangeThreshold → the item waits on a
   * hold for an admin (sql/recent-offboardings.ts says what is counted and why).
   */
  private async guardOffboarding(op: Extract<UserOp, { op: "block" | "deactivate" | "ban" }>, settings: ConnectionSettings): Promise<void> {
    const now = this.deps.now();
    const recent = await countRecentOffboardings(this.deps.runner, this.claim.connectionId, now, settings.massChangeMinimum);
    // Drift repair and a repeated intent are counted too: the item was marked by the SCIM change that made the user leave.
    const count = Math.max(recent.offboardings, 1);
    if (recent.linkedUsers === null) return; // within the minimum: the threshold cannot be reached
    const threshold = massChangeThreshold(settings, recent.linkedUsers);
    if (count <= threshold) return;
    const name = this.subject?.desired.userName ?? this.claim.subjectId;
    const summary = `would ${op.op} ${name}: ${count} linked users of the connection marked to leave in the last hour (threshold ${threshold} of ${recent.linkedUsers} linked users)`;
    const verdict = await guardMassChange(this.deps.runner, this.claim, { kind: "offboardings", count, threshold, summary, counts: { linkedUsers: recent.linkedUsers } }, now);
    if (verdict.verdict === "proceed") return;
    if (verdict.item) await this.write({ applied: { syncState: "held", lastError: `held by the mass-change guard: ${summary}` } }, undefined);
    throw new HeldStop(summary);
  }

  /** A new link, written with the next write (its unique violation, a race lost, is a conflict: see flush). */
  private linked(link: NewLink, event: OutcomeEvent): void {
    this.linkedNow = true;
    this.unwritten = { record: { linked: link }, event, calls: this.calls.splice(0) };
  }

  /** What GitLab confirmed of a linked user, written with the next write. */
  private applied(change: AppliedChange, event: OutcomeEvent): void {
    this.unwritten = { record: { applied: change }, event, calls: this.calls.splice(0) };
  }

  /** Writes what is unwritten, then this record, now (before a GitLab call that depends on it). */
  private async write(record: LinkRecord, event: OutcomeEvent | undefined): Promise<void> {
    await this.flush();
    await recordUserLink(this.deps.runner, this.ctx(), record, event);
  }

  /** Writes the unwritten record, if any, on its own. */
  private async flush(): Promise<void> {
    const unwritten = this.unwritten;
    if (!unwritten) return;
    this.unwritten = null;
    try {
      await recordUserLink(this.deps.runner, this.ctx(unwritten.calls), unwritten.record, unwritten.event);
    } catch (error) {
      this.calls.unshift(...unwritten.calls); // the calls happened: the settle writes their events
      throw this.linkRaceLost(unwritten.record, error) ?? error;
    }
  }

  /** Another SCIM user linked this GitLab user meanwhile (the unique index decided the race): a conflict. */
  private linkRaceLost(record: LinkRecord, error: unknown): ConflictStop | null {
    if (!("linked" in record) || !isUniqueViolation(error)) return null;
    this.linkedNow = false;
    return new ConflictStop(`GitLab user @${record.linked.gitlabUsername} was linked to another SCIM user meanwhile`);
  }

  /** A state action; an ldap_blocked user (403) is reported, not fought (contract §1.4). */
  private async stateAction<T>(action: () => Promise<T>): Promise<T | "ldap_blocked"> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof GitLabError && error.status === 403 && /LDAP blocked users/.test(error.gitlabMessage ?? "")) return "ldap_blocked";
      throw error;
    }
  }

  private async settleError(error: unknown): Promise<PassOutcome> {
    if (error instanceof HeldStop) return "held";
    if (error instanceof ConflictStop) {
      await this.settle({ parkedAs: "conflict", lastError: error.message, event: { action: "gitlab.user.conflict", details: { reason: error.message } } }, "park");
      return "conflict";
    }
    if (this.signal?.aborted) {
      await this.flush(); // the worker releases the claim; what GitLab confirmed stays recorded
      return "released";
    }
    if (error instanceof GitLabError && error.kind === "permanent") {
      await this.settle({ parkedAs: "failed", lastError: error.message, event: { action: "gitlab.user.failed", details: { error: error.message, status: error.status } } }, "park");
      return "failed";
    }
    const message = error instanceof Error ? error.message : String(error);
    const retryAfterMs = error instanceof GitLabError ? error.retryAfterMs : null;
    const item = await this.settle({ parkedAs: "failed", lastError: message, event: { action: "gitlab.user.failed", details: { error: message, budgetSpent: true } }, eventOnlyIfParked: true }, "fail", retryAfterMs);
    // Not GitLab's answer (a bug, the database): counted as a failed attempt, and the worker logs it.
    if (!(error instanceof GitLabError)) throw error;
    return item?.state === "parked" ? "failed" : "retry";
  }

  /**
   * The settle statement (sql/settle-user.ts), with the unwritten record if any. A pass that ends the
   * claim otherwise than in dry run marks the user's GitLab groups when its memberships must follow:
   * linked in this pass, or its desired active-ness changed since they were last marked.
   */
  private async settle(s: Omit<UserSettlement, "transitionSql" | "record" | "marks">, transition: "complete" | "fail" | "park" | "hold", retryAfterMs: number | null = null): Promise<QueueItem | null> {
    const unwritten = this.unwritten;
    this.unwritten = null;
    const calls = [...(unwritten?.calls ?? []), ...this.calls.splice(0)];
    const ctx = this.ctx(calls);
    const p = new SqlParams();
    const error = (s.lastError ?? "").slice(0, MAX_ERROR_LENGTH);
    const transitionSql =
      transition === "complete"
        ? completeSql(p, this.claim, ctx.now)
        : transition === "hold"
          ? holdSql(p, this.claim, ctx.now)
          : transition === "park"
            ? parkSql(p, this.claim, error, ctx.now)
            : // Retry-After counts from the moment the failure is recorded (lastErrorAt), not before it.
              failSql(p, this.claim, { error, notBefore: retryAfterMs === null ? null : new Date(ctx.now.getTime() + retryAfterMs) }, this.deps.policy, ctx.now);
    const statement = settleUserSql(p, ctx, {
      ...s,
      transitionSql,
      lastError: s.lastError === null ? null : error,
      record: unwritten ? { record: unwritten.record, event: unwritten.event } : undefined,
      marks: transition === "hold" ? undefined : this.marks(),
    });
    try {
      const [item] = await this.deps.runner.query<QueueItem>(statement, p.values);
      return item ?? null;
    } catch (e) {
      const lost = unwritten && this.linkRaceLost(unwritten.record, e);
      if (!lost) throw e;
      this.calls.unshift(...calls);
      await this.settle({ parkedAs: "conflict", lastError: lost.message, event: { action: "gitlab.user.conflict", details: { reason: lost.message } } }, "park");
      return null;
    }
  }

  /** The marks of the user's GitLab groups this settle makes, if any (see settle). */
  private marks(): { active: boolean } | undefined {
    const subject = this.subject;
    if (!subject) return undefined;
    const active = subject.desired.active && !subject.desired.deletedAt;
    const linked = this.linkedNow || subject.applied?.gitlabUserId != null;
    if (!linked) return undefined;
    return this.linkedNow || subject.applied?.appliedActive !== active ? { active } : undefined;
  }
}

/** contract §1.2: what a refused create says about candidates (409 email, 409 username, 400 identity). */
function refusalOf(error: unknown): RefusalReason | null {
  if (!(error instanceof GitLabError) || error.kind !== "permanent") return null;
  const message = error.gitlabMessage ?? "";
  if (error.status === 409) return /email/i.test(message) ? "email" : /username/i.test(message) ? "username" : null;
  if (error.status === 400) {
    if (/identities\.extern_uid/.test(message)) return "identity";
    // A username GitLab will not take (a group's path, a reserved or invalid name): try the next one.
    if (/username/i.test(message)) return "username";
  }
  return null;
}

/** The plan as an audit event's details (dry run, CLI): plain JSON. */
export function planDetails(plan: Plan): Record<string, unknown> {
  return JSON.parse(JSON.stringify(plan)) as Record<string, unknown>;
}
