/**
 * The user planner (src/provisioning/gitlab-user-plan.ts), every branch: pure data in, a Plan out.
 * Issue 10 §4 (linking, creating, usernames), §5 (updates), §6 (deprovisioning and reactivation).
 */
import { DEFAULT_CONNECTION_SETTINGS } from "../../src/connections/settings";
import { baseUsername, usernameCandidate } from "../../src/provisioning/gitlab-username";
import { planUser, type ObservedAccount, type Observed, type PlanSettings } from "../../src/provisioning/gitlab-user-plan";
import type { AppliedUser, DesiredUser } from "../../src/provisioning/gitlab-user-state";

const CONNECTION = "c0000000-0000-4000-8000-000000000001";
const OTHER_CONNECTION = "c0000000-0000-4000-8000-000000000002";
const ME = "u0000000-0000-4000-8000-000000000001";
const SOMEONE = "u0000000-0000-4000-8000-000000000002";
const S: PlanSettings = DEFAULT_CONNECTION_SETTINGS;
const ID = { provider: "saml", externUid: "ext-alice" };

function desired(over: Partial<DesiredUser> = {}): DesiredUser {
  return { scimUserId: ME, connectionId: CONNECTION, userName: "alice@example.com", externalId: "ext-alice", displayName: "Alice A", givenName: "Alice", familyName: "A", email: "alice@example.com", active: true, deletedAt: null, ...over };
}

function linked(over: Partial<AppliedUser> = {}): AppliedUser {
  return {
    gitlabUserId: 42, gitlabUsername: "alice", linkedBy: "created", syncState: "synced", lastError: null, lastSyncedAt: null,
    appliedName: "Alice A", appliedEmail: "alice@example.com", appliedProvider: "saml", appliedExternUid: "ext-alice",
    stateByBridge: null, tokensRevokedAt: null, gitlabDeletedAt: null, appliedActive: true, ...over,
  };
}

function account(over: Partial<ObservedAccount> = {}): ObservedAccount {
  return { id: 7, username: "alice", name: "Alice Old", email: "alice@example.com", state: "active", identities: [], holder: null, ...over };
}

/** Everything looked up, nothing found (then override what was found). */
function observedNothing(over: Observed = {}): Observed {
  return { byIdentity: null, byEmail: [], byUsername: { alice: null }, ...over };
}

const opsOf = (plan: ReturnType<typeof planUser>) => (plan.kind === "apply" ? plan.ops.map((o) => o.op) : plan.kind);

describe("usernames (contract §1.2: letters, digits, '_', '-', '.'; not starting with '-', not ending in '.', '.git', '.atom')", () => {
  test.each([
    ["alice@example.com", "alice"],
    ["Alice.Smith@example.com", "Alice.Smith"],
    ["josé.núñez@example.com", "jose.nunez"],
    ["a b+c@example.com", "a_b_c"],
    ["-dash@example.com", "dash"],
    ["repo.git@example.com", "repo"],
    ["x.atom.@example.com", "x"],
    ["@example.com", "_example.com"],
    ["名前@example.com", "_"],
    ["plainname", "plainname"],
  ])("%s → %s", (userName, expected) => {
    expect(baseUsername(userName)).toBe(expected);
  });

  test("an empty result falls back to 'user'; suffixes are deterministic", () => {
    expect(baseUsername("...@x")).toBe("user");
    expect([0, 1, 2].map((n) => usernameCandidate("alice", n))).toEqual(["alice", "alice1", "alice2"]);
  });
});

describe("unlinked user: create first, observe only on a refusal", () => {
  test("create_users on, nothing observed yet: create with identity, derived username, name and email", () => {
    expect(planUser(desired(), null, S)).toEqual({ kind: "apply", notes: [], ops: [{ op: "create", username: "alice", name: "Alice A", email: "alice@example.com", identity: ID }] });
  });

  test("the name falls back to given + family name, then the userName", () => {
    const plan = planUser(desired({ displayName: null }), null, S);
    expect(plan.kind === "apply" && plan.ops[0]).toMatchObject({ name: "Alice A" });
    const bare = planUser(desired({ displayName: " ", givenName: null, familyName: null }), null, S);
    expect(bare.kind === "apply" && bare.ops[0]).toMatchObject({ name: "alice@example.com" });
  });

  test("a refused create asks for the lookups: identity, email, base username", () => {
    expect(planUser(desired(), null, S, { refusals: [{ username: "alice", reason: "email" }] })).toEqual({ kind: "observe", lookups: { identity: true, email: true, usernames: ["alice"] } });
  });

  test("create_users off: lookups first; nothing found → conflict", () => {
    const off = { ...S, createUsers: false };
    expect(planUser(desired(), null, off)).toEqual({ kind: "observe", lookups: { identity: true, email: true, usernames: ["alice"] } });
    expect(planUser(desired(), null, off, observedNothing())).toEqual({ kind: "conflict", reason: "no GitLab user matches (identity, email, username) and create_users is off" });
  });

  test("extern_uid from userName or id; a missing externalId is a conflict naming the setting", () => {
    const byUserName = planUser(desired(), null, { ...S, externUidFrom: "userName" });
    expect(byUserName.kind === "apply" && byUserName.ops[0]).toMatchObject({ identity: { provider: "saml", externUid: "alice@example.com" } });
    const byId = planUser(desired(), null, { ...S, externUidFrom: "id", identityProvider: "okta_saml" });
    expect(byId.kind === "apply" && byId.ops[0]).toMatchObject({ identity: { provider: "okta_saml", externUid: ME } });
    expect(planUser(desired({ externalId: null }), null, S)).toMatchObject({ kind: "conflict", reason: expect.stringContaining("no externalId") });
  });

  test("no email: conflict (GitLab needs one)", () => {
    expect(planUser(desired({ email: null }), null, S)).toMatchObject({ kind: "conflict", reason: expect.stringContaining("no email") });
  });

  test("inactive or deleted and never linked: nothing to do", () => {
    expect(opsOf(planUser(desired({ active: false }), null, S))).toEqual([]);
    expect(opsOf(planUser(desired({ deletedAt: new Date() }), null, S))).toEqual([]);
  });
});

describe("linking (identity, then email, then username)", () => {
  test("by identity: link, then bring name to the desired value", () => {
    const holder = account({ identities: [{ provider: "saml", extern_uid: "ext-alice" }], email: "other@example.com" });
    const plan = planUser(desired(), null, S, observedNothing({ byIdentity: holder, byEmail: [account({ id: 8 })] }));
    expect(plan).toMatchObject({ kind: "apply", ops: [{ op: "link", method: "identity", identity: ID, takeoverFrom: null }, { op: "update", gitlabUserId: 7, name: "Alice A", email: "alice@example.com" }] });
    const update = plan.kind === "apply" ? plan.ops[1] : null;
    expect(update).not.toHaveProperty("identity");
  });

  test("by email: link and set the identity it lacks", () => {
    const plan = planUser(desired(), null, S, observedNothing({ byEmail: [account({ name: "Alice A" })] }));
    expect(plan).toMatchObject({ kind: "apply", ops: [{ op: "link", method: "email", identity: null }, { op: "update", gitlabUserId: 7, identity: ID }] });
  });

  test("by email, but the user holds another identity of our provider: conflict", () => {
    const plan = planUser(desired(), null, S, observedNothing({ byEmail: [account({ identities: [{ provider: "saml", extern_uid: "someone-else" }] })] }));
    expect(plan).toMatchObject({ kind: "conflict", reason: expect.stringContaining("another saml identity (someone-else)") });
  });

  test("two users with the email: conflict naming both", () => {
    const plan = planUser(desired(), null, S, observedNothing({ byEmail: [account(), account({ id: 8, username: "alice2" })] }));
    expect(plan).toEqual({ kind: "conflict", reason: "2 GitLab users have the email alice@example.com (@alice, @alice2)" });
  });

  test("by username: a free holder of the derived username is linked", () => {
    const plan = planUser(desired(), null, S, observedNothing({ byUsername: { alice: account({ email: "old@example.com", name: "Alice A" }) } }));
    expect(plan).toMatchObject({ kind: "apply", ops: [{ op: "link", method: "username" }, { op: "update", email: "alice@example.com", identity: ID }] });
  });

  test("a candidate linked to another live SCIM user: conflict, nothing changed", () => {
    const holder = { scimUserId: SOMEONE, connectionId: CONNECTION, tombstone: false, stateByBridge: null };
    expect(planUser(desired(), null, S, observedNothing({ byIdentity: account({ holder }) }))).toEqual({ kind: "conflict", reason: `GitLab user @alice (matched by identity) is already linked to SCIM user ${SOMEONE}` });
    expect(planUser(desired(), null, S, observedNothing({ byEmail: [account({ holder })] }))).toMatchObject({ kind: "conflict" });
  });

  test("a candidate linked to a deleted SCIM user of another connection: conflict", () => {
    const holder = { scimUserId: SOMEONE, connectionId: OTHER_CONNECTION, tombstone: true, stateByBridge: null };
    expect(planUser(desired(), null, S, observedNothing({ byIdentity: account({ holder }) }))).toMatchObject({ kind: "conflict", reason: expect.stringContaining("another connection") });
  });

  test("takeover from a tombstone of the same connection: link, undo the block the bridge set, update", () => {
    const holder = { scimUserId: SOMEONE, connectionId: CONNECTION, tombstone: true, stateByBridge: "blocked" as const };
    const plan = planUser(desired(), null, S, observedNothing({ byIdentity: account({ holder, state: "blocked", identities: [{ provider: "saml", extern_uid: "ext-alice" }] }) }));
    expect(plan).toMatchObject({ kind: "apply", ops: [{ op: "link", takeoverFrom: SOMEONE, stateByBridge: "blocked" }, { op: "unblock", gitlabUserId: 7 }, { op: "update", name: "Alice A" }] });
  });

  test("a linked-to account blocked by someone else (or ldap_blocked) is linked and left blocked, with a note", () => {
    for (const state of ["blocked", "ldap_blocked"]) {
      const plan = planUser(desired(), null, S, observedNothing({ byEmail: [account({ state, name: "Alice A", identities: [{ provider: "saml", extern_uid: "ext-alice" }] })] }));
      expect(plan).toEqual({ kind: "apply", ops: [expect.objectContaining({ op: "link" })], notes: [`GitLab user @alice is ${state} and the bridge did not set that: left as it is`] });
    }
  });
});

describe("username collisions and refusals", () => {
  test("a username holder linked to another SCIM user is a collision: create with the next suffix", () => {
    const holder = { scimUserId: SOMEONE, connectionId: CONNECTION, tombstone: false, stateByBridge: null };
    const plan = planUser(desired(), null, S, observedNothing({ byUsername: { alice: account({ email: "x@example.com", holder }) }, refusals: [{ username: "alice", reason: "username" }] }));
    expect(plan).toMatchObject({ kind: "apply", ops: [{ op: "create", username: "alice1" }] });
  });

  test("a username holder with another identity of our provider is a collision too", () => {
    const plan = planUser(desired(), null, S, observedNothing({ byUsername: { alice: account({ email: "x@example.com", identities: [{ provider: "saml", extern_uid: "bob" }] }) } }));
    expect(plan).toMatchObject({ kind: "apply", ops: [{ op: "create", username: "alice1" }] });
  });

  test("suffixes refused in this pass are skipped", () => {
    const taken = account({ email: "x@example.com", identities: [{ provider: "saml", extern_uid: "bob" }] });
    const plan = planUser(desired(), null, S, observedNothing({ byUsername: { alice: taken }, refusals: [{ username: "alice", reason: "username" }, { username: "alice1", reason: "username" }] }));
    expect(plan).toMatchObject({ kind: "apply", ops: [{ op: "create", username: "alice2" }] });
  });

  test("every suffix taken: conflict", () => {
    const refusals = Array.from({ length: 20 }, (_, n) => ({ username: usernameCandidate("alice", n), reason: "username" as const }));
    expect(planUser(desired(), null, S, observedNothing({ refusals }))).toMatchObject({ kind: "conflict", reason: expect.stringContaining("all taken") });
  });

  test("email refused but no primary-email holder (someone's secondary email): conflict, not a loop", () => {
    expect(planUser(desired(), null, S, observedNothing({ refusals: [{ username: "alice", reason: "email" }] }))).toMatchObject({ kind: "conflict", reason: expect.stringContaining("secondary email") });
  });

  test("identity refused but not found: conflict", () => {
    expect(planUser(desired(), null, S, observedNothing({ refusals: [{ username: "alice", reason: "identity" }] }))).toMatchObject({ kind: "conflict", reason: expect.stringContaining("identity") });
  });
});

describe("linked user: updates", () => {
  test("nothing changed: nothing to do", () => {
    expect(planUser(desired(), linked(), S)).toEqual({ kind: "apply", ops: [], notes: [] });
  });

  test("name and email changes: one PUT; the email compared case-insensitively", () => {
    expect(planUser(desired({ displayName: "Alice B", email: "ALICE@example.com" }), linked(), S)).toEqual({ kind: "apply", notes: [], ops: [{ op: "update", gitlabUserId: 42, name: "Alice B" }] });
    expect(planUser(desired({ email: "new@example.com" }), linked(), S)).toMatchObject({ ops: [{ op: "update", email: "new@example.com" }] });
  });

  test("an externalId change moves the identity", () => {
    expect(planUser(desired({ externalId: "ext-new" }), linked(), S)).toMatchObject({ ops: [{ op: "update", identity: { provider: "saml", externUid: "ext-new" } }] });
  });

  test("a deleted user whose GitLab user is gone (deleted by the bridge): nothing more to do", () => {
    expect(planUser(desired({ deletedAt: new Date() }), linked({ gitlabDeletedAt: new Date() }), S)).toMatchObject({ kind: "apply", ops: [] });
  });

  test("issue 11 drift repair: a live, active user whose GitLab user was deleted outside the bridge is a conflict, not a second account", () => {
    expect(planUser(desired(), linked({ gitlabDeletedAt: new Date() }), S)).toMatchObject({ kind: "conflict", reason: expect.stringContaining("deleted outside the bridge") });
  });
});

describe("deprovisioning per policy", () => {
  const off = desired({ active: false });
  test.each([
    ["block", ["block"]],
    ["deactivate", ["deactivate"]],
    ["ban", ["ban"]],
    ["none", []],
  ] as const)("active false with deprovision %s → %j", (deprovision, ops) => {
    expect(opsOf(planUser(off, linked(), { ...S, deprovision }))).toEqual(ops);
  });

  test("revoke_tokens adds the revocation, once", () => {
    expect(opsOf(planUser(off, linked(), { ...S, revokeTokens: true }))).toEqual(["block", "revoke_tokens"]);
    expect(opsOf(planUser(off, linked({ stateByBridge: "blocked", tokensRevokedAt: new Date() }), { ...S, revokeTokens: true }))).toEqual([]);
  });

  test("already deprovisioned by the bridge: nothing again", () => {
    expect(opsOf(planUser(off, linked({ stateByBridge: "blocked" }), S))).toEqual([]);
  });

  test("an inactive user's profile change still flows, after the block", () => {
    expect(opsOf(planUser(desired({ active: false, displayName: "Gone" }), linked(), S))).toEqual(["block", "update"]);
  });

  test("DELETE: never deletes the account by default; soft and hard delete it after the block", () => {
    const deleted = desired({ deletedAt: new Date() });
    expect(opsOf(planUser(deleted, linked(), S))).toEqual(["block"]);
    expect(planUser(deleted, linked(), { ...S, deleteGitLabUsers: "soft" })).toMatchObject({ ops: [{ op: "block" }, { op: "delete", gitlabUserId: 42, hard: false }] });
    expect(planUser(deleted, linked({ stateByBridge: "blocked" }), { ...S, deleteGitLabUsers: "hard" })).toMatchObject({ ops: [{ op: "delete", hard: true }] });
    expect(opsOf(planUser(deleted, linked(), { ...S, deprovision: "none", deleteGitLabUsers: "soft" }))).toEqual(["delete"]);
  });

  test("a deleted user's profile is not pushed", () => {
    expect(opsOf(planUser(desired({ deletedAt: new Date(), displayName: "Gone" }), linked(), S))).toEqual(["block"]);
  });
});

describe("block intent (recorded before the call: stateByBridge on a link not yet synced)", () => {
  const off = desired({ active: false });
  test.each([
    ["blocked", "block"],
    ["deactivated", "deactivate"],
    ["banned", "ban"],
  ] as const)("an unconfirmed %s intent (a crash or a lost answer after it) → the call again: %s", (stateByBridge, op) => {
    expect(opsOf(planUser(off, linked({ stateByBridge, syncState: "pending" }), S))).toEqual([op]);
    expect(opsOf(planUser(off, linked({ stateByBridge, syncState: "failed" }), S))).toEqual([op]);
  });

  test("a confirmed one (the pass that recorded it settled synced): nothing again", () => {
    expect(opsOf(planUser(off, linked({ stateByBridge: "blocked", syncState: "synced" }), S))).toEqual([]);
  });

  test("reactivation undoes an intent too (a call that may have been carried out)", () => {
    expect(opsOf(planUser(desired(), linked({ stateByBridge: "blocked", syncState: "pending" }), S))).toEqual(["unblock"]);
  });
});

describe("issue 11 item 6: full pass (drift repair) with the linked account observed", () => {
  const off = desired({ active: false });
  test("a leaver the bridge blocked, found active (unblocked by hand) → blocked again, as drift", () => {
    expect(planUser(off, linked({ stateByBridge: "blocked" }), S, { linked: { state: "active" } })).toMatchObject({ kind: "apply", ops: [{ op: "block", gitlabUserId: 42, drift: "active" }] });
    expect(planUser(off, linked({ stateByBridge: "banned" }), { ...S, deprovision: "ban" }, { linked: { state: "active" } })).toMatchObject({ ops: [{ op: "ban", drift: "active" }] });
  });

  test("a leaver found blocked as the bridge left it: nothing, even with an unconfirmed intent (GitLab shows it done)", () => {
    expect(opsOf(planUser(off, linked({ stateByBridge: "blocked" }), S, { linked: { state: "blocked" } }))).toEqual([]);
    expect(opsOf(planUser(off, linked({ stateByBridge: "blocked", syncState: "pending" }), S, { linked: { state: "blocked" } }))).toEqual([]);
  });

  test("an active user found active: nothing", () => {
    expect(opsOf(planUser(desired(), linked(), S, { linked: { state: "active" } }))).toEqual([]);
  });

  test("the linked GitLab user is gone → forget it (recorded as deleted), then plan again", () => {
    expect(planUser(desired(), linked(), S, { linked: null })).toMatchObject({ kind: "apply", ops: [{ op: "forget", gitlabUserId: 42 }] });
    expect(planUser(off, linked(), S, { linked: null })).toMatchObject({ kind: "apply", ops: [{ op: "forget", gitlabUserId: 42 }] });
    expect(planUser(off, linked({ gitlabDeletedAt: new Date() }), S)).toMatchObject({ kind: "apply", ops: [] });
  });
});

describe("reactivation undoes only what the bridge set", () => {
  test.each([
    ["blocked", "unblock"],
    ["deactivated", "activate"],
    ["banned", "unban"],
  ] as const)("stateByBridge %s → %s", (stateByBridge, op) => {
    expect(opsOf(planUser(desired(), linked({ stateByBridge }), S))).toEqual([op]);
  });

  test("no state set by the bridge: nothing (a block by someone else is not undone)", () => {
    expect(opsOf(planUser(desired(), linked({ stateByBridge: null }), S))).toEqual([]);
  });
});
