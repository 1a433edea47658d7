/**
 * Issue 10 §6 over HTTP against the emulator: deprovisioning per connection policy on `active: false`
 * and SCIM DELETE (block, deactivate with its 90-day fallback, ban, none; revoke_tokens; deletion
 * never/soft/hard), and reactivation undoing only what the bridge itself set. Each test uses its own
 * connection with the settings it needs, so tests do not depend on one another.
 */
import crypto from "node:crypto";
import type { ConnectionSettings } from "../../src/connections/settings";
import { startReconcilingBridge, type ReconcilingBridge } from "../helpers/reconciling-bridge";
import { PATCH_OP, scimClient, userBody, type ScimClient } from "../scim/scim-client";
import { auditOf, callLines, gitlabCalls, gitlabUser, gitlabUsers, lastSeq, linkOf, seedGitLab } from "./helpers/gitlab-view";

let bridge: ReconcilingBridge;

beforeAll(async () => {
  bridge = await startReconcilingBridge();
});
afterAll(() => bridge?.close());

const unique = (prefix: string) => `${prefix}${crypto.randomBytes(3).toString("hex")}`;
const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test";

/** A connection of its own with these settings, and its SCIM client. */
async function connectionWith(settings: Partial<ConnectionSettings>): Promise<ScimClient> {
  const name = unique("conn-");
  const created = await bridge.addConnection(name);
  await bridge.updateSettings(settings, name);
  return scimClient(bridge, created.token);
}

/** Sends a SCIM request, waits for the workers, returns the response and the GitLab calls it caused. */
async function step(send: () => PromiseLike<{ status: number; body: any }>) {
  const since = await lastSeq(bridge);
  const res = await send();
  expect(res.status).toBeLessThan(300);
  await bridge.quiet();
  return { res, calls: callLines(await gitlabCalls(bridge, since)) };
}

const setActive = (scim: ScimClient, id: string, active: boolean) => step(() => scim("patch", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: active }] }));

/** A SCIM user whose GitLab user is created by the bridge. */
async function createdUser(scim: ScimClient) {
  const local = unique("dep");
  const { res } = await step(() => scim("post", "/Users", userBody(`${local}@example.com`, { externalId: unique("ext-") })));
  const link = await linkOf(bridge, res.body.id);
  return { id: res.body.id as string, gitlabId: link!.gitlabUserId! };
}

/** A SCIM user linked by email to a GitLab user seeded as given. */
async function linkedToSeeded(scim: ScimClient, seed: Record<string, unknown>) {
  const local = unique("seeded");
  const username = unique("gl");
  await seedGitLab(bridge, { users: [{ username, name: "Seeded", email: `${local}@example.com`, ...seed }] });
  const { res } = await step(() => scim("post", "/Users", userBody(`${local}@example.com`, { externalId: unique("ext-") })));
  const gitlabId = (await gitlabUsers(bridge)).find((u) => u.username === username)!.id;
  expect(await linkOf(bridge, res.body.id)).toMatchObject({ gitlabUserId: gitlabId, linkedBy: "email" });
  return { id: res.body.id as string, gitlabId };
}

test("deactivate: a never-active user is deactivated; reactivation activates it", async () => {
  const scim = await connectionWith({ deprovision: "deactivate" });
  const { id, gitlabId } = await createdUser(scim);
  expect((await setActive(scim, id, false)).calls).toEqual([`POST /api/v4/users/${gitlabId}/deactivate`]);
  expect((await gitlabUser(bridge, gitlabId))!.state).toBe("deactivated");
  expect(await linkOf(bridge, id)).toMatchObject({ stateByBridge: "deactivated" });
  expect((await setActive(scim, id, true)).calls).toEqual([`POST /api/v4/users/${gitlabId}/activate`]);
  expect((await gitlabUser(bridge, gitlabId))!.state).toBe("active");
});

test("contract §1.4 deactivate a user active in the past 90 days: GitLab refuses, the bridge blocks and the audit says so", async () => {
  const scim = await connectionWith({ deprovision: "deactivate" });
  const { id, gitlabId } = await linkedToSeeded(scim, { recentlyActive: true });
  expect((await setActive(scim, id, false)).calls).toEqual([`POST /api/v4/users/${gitlabId}/deactivate`, `POST /api/v4/users/${gitlabId}/block`]);
  expect((await gitlabUser(bridge, gitlabId))!.state).toBe("blocked");
  expect(await linkOf(bridge, id)).toMatchObject({ stateByBridge: "blocked", syncState: "synced" });
  const blocked = (await auditOf(bridge, id)).find((a) => a.action === "gitlab.user.blocked")!;
  expect(blocked.details).toMatchObject({ fallbackFrom: "deactivate", reason: expect.stringContaining("90 days") });
  expect((await setActive(scim, id, true)).calls).toEqual([`POST /api/v4/users/${gitlabId}/unblock`]);
});

test("ban, and reactivation unbans", async () => {
  const scim = await connectionWith({ deprovision: "ban" });
  const { id, gitlabId } = await createdUser(scim);
  expect((await setActive(scim, id, false)).calls).toEqual([`POST /api/v4/users/${gitlabId}/ban`]);
  expect((await gitlabUser(bridge, gitlabId))!.state).toBe("banned");
  expect((await setActive(scim, id, true)).calls).toEqual([`POST /api/v4/users/${gitlabId}/unban`]);
  expect((await gitlabUser(bridge, gitlabId))!.state).toBe("active");
});

test("none: active false changes nothing in GitLab", async () => {
  const scim = await connectionWith({ deprovision: "none" });
  const { id, gitlabId } = await createdUser(scim);
  expect((await setActive(scim, id, false)).calls).toEqual([]);
  expect((await gitlabUser(bridge, gitlabId))!.state).toBe("active");
});

test("revoke_tokens: block, then every active personal access token revoked and every SSH key deleted, once", async () => {
  const scim = await connectionWith({ revokeTokens: true });
  const { id, gitlabId } = await linkedToSeeded(scim, { tokens: [{ token: unique("glpat-a") }, { token: unique("glpat-b") }], sshKeys: [{ key: SSH_KEY }] });
  const state = await fetch(`${bridge.emulator.url}/-/emulator/state`, { headers: { "PRIVATE-TOKEN": bridge.emulator.adminToken } }).then((r) => r.json() as Promise<any>);
  const tokenIds = state.personalAccessTokens.filter((t: any) => t.userId === gitlabId).map((t: any) => t.id);
  const keyIds = state.sshKeys.filter((k: any) => k.userId === gitlabId).map((k: any) => k.id);
  expect(tokenIds).toHaveLength(2);
  const { calls } = await setActive(scim, id, false);
  expect(calls).toEqual([
    `POST /api/v4/users/${gitlabId}/block`,
    "GET /api/v4/personal_access_tokens",
    ...tokenIds.map((t: number) => `DELETE /api/v4/personal_access_tokens/${t}`),
    `GET /api/v4/users/${gitlabId}/keys`,
    ...keyIds.map((k: number) => `DELETE /api/v4/users/${gitlabId}/keys/${k}`),
  ]);
  const after = await fetch(`${bridge.emulator.url}/-/emulator/state`, { headers: { "PRIVATE-TOKEN": bridge.emulator.adminToken } }).then((r) => r.json() as Promise<any>);
  expect(after.personalAccessTokens.filter((t: any) => t.userId === gitlabId).every((t: any) => t.revoked)).toBe(true);
  expect(after.sshKeys.filter((k: any) => k.userId === gitlabId)).toEqual([]);
  expect(await linkOf(bridge, id)).toMatchObject({ tokensRevokedAt: expect.any(Date) });
  expect((await auditOf(bridge, id)).find((a) => a.action === "gitlab.user.tokens_revoked")!.details).toMatchObject({ personalAccessTokens: 2, sshKeys: 1 });
});

test.each([
  ["soft", ""],
  ["hard", "?hard_delete=true"],
] as const)("delete_gitlab_users %s: SCIM DELETE blocks, then deletes the GitLab account", async (mode, query) => {
  const scim = await connectionWith({ deleteGitLabUsers: mode });
  const { id, gitlabId } = await createdUser(scim);
  const since = await lastSeq(bridge);
  const { calls } = await step(() => scim("delete", `/Users/${id}`));
  expect(calls).toEqual([`POST /api/v4/users/${gitlabId}/block`, `DELETE /api/v4/users/${gitlabId}`]);
  const del = (await gitlabCalls(bridge, since)).find((c) => c.method === "DELETE")!;
  expect(new URLSearchParams(del.query).toString()).toBe(query.replace("?", ""));
  bridge.emulator.flushJobs();
  expect(await gitlabUser(bridge, gitlabId)).toBeUndefined();
  expect(await linkOf(bridge, id)).toMatchObject({ gitlabDeletedAt: expect.any(Date), syncState: "synced" });
});

test("a GitLab user blocked by someone else is linked but never unblocked; the bridge's block of it is not claimed", async () => {
  const scim = await connectionWith({});
  const { id, gitlabId } = await linkedToSeeded(scim, { state: "blocked" });
  expect(await linkOf(bridge, id)).toMatchObject({ syncState: "synced", lastError: expect.stringContaining("is blocked and the bridge did not set that") });
  expect((await setActive(scim, id, false)).calls).toEqual([`POST /api/v4/users/${gitlabId}/block`]);
  expect(await linkOf(bridge, id)).toMatchObject({ stateByBridge: null });
  expect((await setActive(scim, id, true)).calls).toEqual([]);
  expect((await gitlabUser(bridge, gitlabId))!.state).toBe("blocked");
});

test("contract §1.4 ldap_blocked is reported, not fought: block answers 403, the pass still succeeds", async () => {
  const scim = await connectionWith({});
  const { id, gitlabId } = await linkedToSeeded(scim, { state: "ldap_blocked" });
  expect((await setActive(scim, id, false)).calls).toEqual([`POST /api/v4/users/${gitlabId}/block`]);
  expect(await linkOf(bridge, id)).toMatchObject({ syncState: "synced", stateByBridge: null });
  expect((await auditOf(bridge, id)).map((a) => a.action)).toContain("gitlab.user.ldap_blocked");
  expect((await setActive(scim, id, true)).calls).toEqual([]);
  expect((await gitlabUser(bridge, gitlabId))!.state).toBe("ldap_blocked");
});
