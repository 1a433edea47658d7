/**
 * The membership planner (src/provisioning/gitlab-membership-plan.ts): pure data in, a plan out.
 * Issue 11 items 1 (highest level wins, expiry), 3 (ownership: adopt, mismatch, authoritative),
 * 5 (a leaver's removal cascades) and 6 (drift repair on a full pass).
 */
import { desiredMemberships, MAX_BATCH, planMemberships, type AppliedMembership, type MembershipGrant, type Observation, type TargetState } from "../../src/provisioning/gitlab-membership-plan";

const TODAY = new Date("2026-12-03T15:00:00Z");
const U = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const grant = (id: number, accessLevel: number, over: Partial<MembershipGrant> = {}): MembershipGrant => ({ gitlabUserId: id, scimUserId: U(id), active: true, accessLevel, expiresInDays: null, ...over });
const applied = (id: number, accessLevel: number, over: Partial<AppliedMembership> = {}): AppliedMembership => ({ gitlabUserId: id, scimUserId: U(id), accessLevel, expiresAt: null, expiresInDays: null, origin: "created", leaver: false, ...over });
const observed = (complete: boolean, members: [number, number][]): Observation => ({ complete, members: new Map(members.map(([id, level]) => [id, { gitlabUserId: id, accessLevel: level, expiresAt: null }])) });
const state = (over: Partial<TargetState>): TargetState => ({ desired: [], applied: [], conflicts: [], authoritative: false, full: false, ...over });

describe("desired memberships (issue 11 item 1)", () => {
  test("the highest level any grant gives wins", () => {
    expect(desiredMemberships([grant(1, 30), grant(1, 40), grant(2, 20)], { removeMemberships: false }, TODAY).map((d) => [d.gitlabUserId, d.accessLevel])).toEqual([[1, 40], [2, 20]]);
  });
  test("expiry: none if any grant at the winning level has none, else today + the longest", () => {
    expect(desiredMemberships([grant(1, 30, { expiresInDays: 5 }), grant(1, 30, { expiresInDays: 10 }), grant(1, 20)], { removeMemberships: false }, TODAY)[0].expiresAt).toBe("2026-12-13");
    expect(desiredMemberships([grant(1, 30, { expiresInDays: 5 }), grant(1, 30)], { removeMemberships: false }, TODAY)[0].expiresAt).toBeNull();
  });
  test("inactive users are desired only while removeMemberships is off", () => {
    expect(desiredMemberships([grant(1, 30, { active: false })], { removeMemberships: true }, TODAY)).toEqual([]);
    expect(desiredMemberships([grant(1, 30, { active: false })], { removeMemberships: false }, TODAY)).toHaveLength(1);
  });
});

describe("planning", () => {
  const desired = (levels: [number, number][]) => desiredMemberships(levels.map(([id, l]) => grant(id, l)), { removeMemberships: false }, TODAY);

  test("candidates are observed before any add (a multi-user add would change a hand-made level, contract Addenda)", () => {
    expect(planMemberships(state({ desired: desired([[1, 30], [2, 30]]), applied: [applied(1, 30)] }))).toEqual({ kind: "observe_members", userIds: [2] });
  });
  test("observed: absent → batched add per level; same level → adopt; other level → level_mismatch, or a level change when authoritative", () => {
    const s = state({ desired: desired([[1, 30], [2, 30], [3, 40], [4, 30], [5, 30]]) });
    const plan = planMemberships(s, observed(false, [[4, 30], [5, 20]]));
    if (plan.kind !== "memberships") throw new Error(plan.kind);
    expect(plan.adds.map((b) => [b.accessLevel, b.members.map((m) => m.gitlabUserId)])).toEqual([[30, [1, 2]], [40, [3]]]);
    expect(plan.adoptions.map((a) => a.gitlabUserId)).toEqual([4]);
    expect(plan.conflicts).toEqual([expect.objectContaining({ gitlabUserId: 5, kind: "level_mismatch", desiredLevel: 30, observedLevel: 20 })]);
    const strict = planMemberships({ ...s, authoritative: true }, observed(false, [[4, 30], [5, 20]]));
    if (strict.kind !== "memberships") throw new Error(strict.kind);
    expect(strict.updates).toEqual([expect.objectContaining({ gitlabUserId: 5, from: 20, to: 30, reason: "adopt" })]);
    expect(strict.conflicts).toEqual([]);
  });
  test(`adds are batched by at most ${MAX_BATCH} ids`, () => {
    const plan = planMemberships(state({ desired: desired(Array.from({ length: 250 }, (_, i): [number, number] => [i + 1, 30])) }), observed(false, []));
    if (plan.kind !== "memberships") throw new Error(plan.kind);
    expect(plan.adds.map((b) => b.members.length)).toEqual([100, 100, 50]);
  });
  test("a managed membership no longer desired is removed; a leaver's cascades (issue 11 item 5); a rule's level change is a PUT", () => {
    const plan = planMemberships(state({ desired: desired([[1, 40]]), applied: [applied(1, 30), applied(2, 30), applied(3, 30, { leaver: true })] }));
    if (plan.kind !== "memberships") throw new Error(plan.kind);
    expect(plan.updates).toEqual([expect.objectContaining({ gitlabUserId: 1, from: 30, to: 40, reason: "rule" })]);
    expect(plan.removals).toEqual([expect.objectContaining({ gitlabUserId: 2, cascade: false, managed: true }), expect.objectContaining({ gitlabUserId: 3, cascade: true, managed: true })]);
  });
  test("standing inherited conflicts are carried by a normal pass, tried again by a full one", () => {
    const conflict = { gitlabUserId: 1, scimUserId: U(1), kind: "inherited" as const, desiredLevel: 30, observedLevel: null, message: "m" };
    const normal = planMemberships(state({ desired: desired([[1, 30]]), conflicts: [conflict] }));
    expect(normal).toMatchObject({ kind: "memberships", adds: [], conflicts: [conflict] });
    expect(planMemberships(state({ desired: desired([[1, 30]]), conflicts: [conflict], full: true }))).toEqual({ kind: "observe_members", userIds: "all" });
    expect(planMemberships(state({ desired: desired([[1, 40]]), conflicts: [conflict] }))).toEqual({ kind: "observe_members", userIds: [1] });
  });
  test("full pass (issue 11 item 6): managed missing re-added, drifted level put back, unmanaged reported (removed only when authoritative), gone and undesired forgotten", () => {
    const s = state({ desired: desired([[1, 30], [2, 30]]), applied: [applied(1, 30), applied(2, 30), applied(3, 30)], full: true });
    const obs = observed(true, [[2, 40], [9, 20]]);
    const plan = planMemberships(s, obs);
    if (plan.kind !== "memberships") throw new Error(plan.kind);
    expect(plan.adds).toEqual([{ accessLevel: 30, expiresAt: null, expiresInDays: null, members: [{ gitlabUserId: 1, scimUserId: U(1), readd: true }] }]);
    expect(plan.updates).toEqual([expect.objectContaining({ gitlabUserId: 2, from: 40, to: 30, reason: "drift" })]);
    expect(plan.drift).toEqual([{ gitlabUserId: 1, kind: "missing" }, { gitlabUserId: 2, kind: "level", applied: 30, observed: 40 }]);
    expect(plan.forgotten).toEqual([3]);
    expect(plan.unmanaged).toEqual([9]);
    expect(plan.removals).toEqual([]);
    const strict = planMemberships({ ...s, authoritative: true }, obs);
    if (strict.kind !== "memberships") throw new Error(strict.kind);
    expect(strict.removals).toEqual([{ gitlabUserId: 9, scimUserId: null, managed: false, cascade: false }]);
  });
  test("offline (dry run, plan): every candidate is an add, nothing observed", () => {
    expect(planMemberships(state({ desired: desired([[1, 30]]) }), undefined, { offline: true })).toMatchObject({ kind: "memberships", offline: true, adds: [{ members: [{ gitlabUserId: 1 }] }] });
  });

  test("expiry follows the rule's days: set again when the days change, untouched as days pass (issue 11 item 1: a rule changed later is reconciled)", () => {
    const days = (n: number | null, today = TODAY) => desiredMemberships([grant(1, 30, { expiresInDays: n })], { removeMemberships: false }, today);
    const setFor30 = applied(1, 30, { expiresAt: "2027-01-02", expiresInDays: 30 });
    const plan = (desired: ReturnType<typeof days>, a: AppliedMembership) => {
      const p = planMemberships(state({ desired, applied: [a] }));
      if (p.kind !== "memberships") throw new Error(p.kind);
      return p.updates;
    };
    // A week later with the same 30 days: nothing to do.
    expect(plan(days(30, new Date("2026-12-10T09:00:00Z")), setFor30)).toEqual([]);
    // The rule now gives 60 days: the expiry is set again from today, and remembered as 60 days.
    expect(plan(days(60), setFor30)).toEqual([{ gitlabUserId: 1, scimUserId: U(1), from: 30, to: 30, expiresAt: "2027-02-01", expiresInDays: 60, reason: "rule" }]);
    // The rule loses its expiry; a membership that never expired gains one.
    expect(plan(days(null), setFor30)).toEqual([expect.objectContaining({ expiresAt: null, expiresInDays: null })]);
    expect(plan(days(30), applied(1, 30))).toEqual([expect.objectContaining({ expiresAt: "2027-01-02", expiresInDays: 30 })]);
    // An expiry the bridge did not set for a number of days (adopted, or recorded before the days were kept) is left alone.
    expect(plan(days(60), applied(1, 30, { expiresAt: "2027-01-02", expiresInDays: null }))).toEqual([]);
    // A level change keeps the days the expiry stands for.
    expect(plan(desiredMemberships([grant(1, 40, { expiresInDays: 30 })], { removeMemberships: false }, new Date("2026-12-10T09:00:00Z")), setFor30)).toEqual([
      { gitlabUserId: 1, scimUserId: U(1), from: 30, to: 40, expiresInDays: 30, reason: "rule" },
    ]);
  });
});
