/**
 * Issue 11 item 6, the pure half of user drift: which observed GitLab states are drift for a linked
 * user, given what the IdP wants and the connection's deprovisioning policy.
 */
import { userDriftOf, type SweptLink } from "../../src/provisioning/user-drift";

const link = (over: Partial<SweptLink> = {}): SweptLink => ({
  scimUserId: "00000000-0000-4000-8000-000000000001",
  connectionId: "00000000-0000-4000-8000-0000000000c1",
  userName: "ann@example.com",
  gitlabUserId: 42,
  gitlabUsername: "ann",
  desiredActive: true,
  stateByBridge: null,
  inFlight: false,
  ...over,
});

test("a leaver (inactive) found active under block, deactivate or ban is leaver_active, an offboarding", () => {
  for (const policy of ["block", "deactivate", "ban"] as const) {
    expect(userDriftOf(link({ desiredActive: false, stateByBridge: "blocked" }), "active", policy)).toMatchObject({ kind: "leaver_active", observedState: "active", offboarding: true });
  }
});

test("a leaver whose block an admin made before the bridge (stateByBridge null) is still a leaver to keep out", () => {
  expect(userDriftOf(link({ desiredActive: false }), "active", "block")).toMatchObject({ kind: "leaver_active" });
});

test("deprovision none takes nothing away: a leaver's active account is no drift", () => {
  expect(userDriftOf(link({ desiredActive: false }), "active", "none")).toBeNull();
});

test("a leaver found blocked, deactivated, banned or ldap_blocked is as wanted", () => {
  for (const state of ["blocked", "deactivated", "banned", "ldap_blocked"] as const) expect(userDriftOf(link({ desiredActive: false }), state, "block")).toBeNull();
});

test("an active user found blocked by someone else is not the bridge's drift (the bridge leaves others' blocks alone)", () => {
  expect(userDriftOf(link(), "blocked", "block")).toBeNull();
  expect(userDriftOf(link(), "active", "block")).toBeNull();
});

test("a linked account GitLab no longer has is gitlab_user_missing; an offboarding only for a leaver", () => {
  expect(userDriftOf(link(), null, "block")).toMatchObject({ kind: "gitlab_user_missing", observedState: null, offboarding: false });
  expect(userDriftOf(link({ desiredActive: false }), null, "none")).toMatchObject({ kind: "gitlab_user_missing", offboarding: true });
});

test("work in flight (the item pending or claimed) is not compared", () => {
  expect(userDriftOf(link({ desiredActive: false, inFlight: true }), "active", "block")).toBeNull();
  expect(userDriftOf(link({ inFlight: true }), null, "block")).toBeNull();
});
