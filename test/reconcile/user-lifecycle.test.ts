/**
 * Issue 10 end to end: the IdPs' user lifecycles over real HTTP, the bridge's reconcile workers, and the
 * GitLab emulator over real HTTP (PGlite, and PostgreSQL with TEST_DATABASE_URL). Each step checks
 * GitLab's state, the exact calls the emulator received (no duplicates), the link's sync state and
 * the audit trail (one gitlab.call per call, correlated with the SCIM request).
 * IdP steps: ../shared/scim-idp.md (E-xx Entra, O-xx Okta).
 */
import crypto from "node:crypto";
import { startReconcilingBridge, type ReconcilingBridge } from "../helpers/reconciling-bridge";
import { ENTERPRISE, PATCH_OP, USER_SCHEMA, scimClient, type ScimClient } from "../scim/scim-client";
import { auditOf, callLines, gitlabCalls, gitlabUser, gitlabUserByIdentity, lastSeq, linkOf } from "./helpers/gitlab-view";

let bridge: ReconcilingBridge;
let scim: ScimClient;

beforeAll(async () => {
  bridge = await startReconcilingBridge();
  scim = scimClient(bridge);
});
afterAll(() => bridge?.close());

const unique = (prefix: string) => `${prefix}${crypto.randomBytes(3).toString("hex")}`;

/** Runs a SCIM request, waits for the workers to fall quiet, returns the response and GitLab's calls it caused. */
async function step(send: () => Promise<{ status: number; headers: Record<string, string>; body: any }>) {
  const since = await lastSeq(bridge);
  const res = await send();
  await bridge.quiet();
  return { res, requestId: res.headers["x-request-id"], calls: callLines(await gitlabCalls(bridge, since)) };
}

describe("Entra ID user lifecycle", () => {
  test("E-05 create → E-17 profile change → active False → True → DELETE: created, updated, blocked, unblocked, blocked and kept", async () => {
    const local = unique("test_user_");
    const userName = `${local}@contoso.com`;
    const externalId = crypto.randomUUID();
    // E-05: Entra's create body.
    const create = await step(() =>
      scim("post", "/Users", {
        schemas: [USER_SCHEMA, ENTERPRISE], externalId, userName, active: true,
        emails: [{ primary: true, type: "work", value: userName }], meta: { resourceType: "User" },
        name: { formatted: "Test User", familyName: "User", givenName: "Test" }, roles: [],
      }),
    );
    expect(create.res.status).toBe(201);
    const id = create.res.body.id as string;
    expect(create.calls).toEqual(["POST /api/v4/users"]);
    const created = await gitlabUserByIdentity(bridge, externalId);
    expect(created).toMatchObject({ username: local, name: "Test User", email: userName, state: "active" });
    expect(await linkOf(bridge, id)).toMatchObject({ gitlabUserId: created!.id, linkedBy: "created", syncState: "synced", lastError: null });
    const createAudit = await auditOf(bridge, id);
    expect(createAudit.map((a) => a.action)).toEqual(["gitlab.call", "gitlab.user.created"]);
    expect(createAudit.every((a) => a.requestId === create.requestId && a.actor === "reconciler")).toBe(true);
    expect(createAudit[0].details).toMatchObject({ method: "POST", path: "/api/v4/users", status: 201, outcome: "success", attempt: 1 });

    // E-17: displayName and the work email change.
    const newEmail = `${local}.renamed@contoso.com`;
    const update = await step(() =>
      scim("patch", `/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: "Replace", path: "displayName", value: "Renamed User" },
          { op: "Replace", path: 'emails[type eq "work"].value', value: newEmail },
        ],
      }),
    );
    expect(update.res.status).toBeLessThan(300);
    expect(update.calls).toEqual([`PUT /api/v4/users/${created!.id}`]);
    const updated = await gitlabUser(bridge, created!.id);
    // user.rb update_emails_with_primary_email: GitLab keeps the old primary as a confirmed secondary email.
    expect(updated).toMatchObject({ name: "Renamed User", email: newEmail });
    expect(updated!.secondaryEmails).toEqual([{ email: userName, confirmed: true }]);
    expect(await linkOf(bridge, id)).toMatchObject({ appliedName: "Renamed User", appliedEmail: newEmail, syncState: "synced" });

    // Entra disables with the string "False".
    const disable = await step(() => scim("patch", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "active", value: "False" }] }));
    expect(disable.calls).toEqual([`POST /api/v4/users/${created!.id}/block`]);
    expect((await gitlabUser(bridge, created!.id))!.state).toBe("blocked");
    expect(await linkOf(bridge, id)).toMatchObject({ stateByBridge: "blocked", syncState: "synced" });
    const blockAudit = (await auditOf(bridge, id)).filter((a) => a.requestId === disable.requestId);
    expect(blockAudit.map((a) => a.action)).toEqual(["gitlab.call", "gitlab.user.blocked"]);

    const enable = await step(() => scim("patch", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "active", value: "True" }] }));
    expect(enable.calls).toEqual([`POST /api/v4/users/${created!.id}/unblock`]);
    expect((await gitlabUser(bridge, created!.id))!.state).toBe("active");
    expect(await linkOf(bridge, id)).toMatchObject({ stateByBridge: null });

    // DELETE: blocked (the default policy) and the account kept (delete_gitlab_users = never).
    const remove = await step(() => scim("delete", `/Users/${id}`));
    expect(remove.res.status).toBe(204);
    expect(remove.calls).toEqual([`POST /api/v4/users/${created!.id}/block`]);
    expect(await gitlabUser(bridge, created!.id)).toMatchObject({ state: "blocked", pendingDeletion: false });
    expect(await linkOf(bridge, id)).toMatchObject({ stateByBridge: "blocked", syncState: "synced", gitlabDeletedAt: null });
  });
});

describe("Okta user lifecycle", () => {
  test("O-02 create → O-06 PUT profile change → O-07 deactivate → O-08 reactivate", async () => {
    const userName = `${unique("okta.user.")}@okta.local`;
    const externalId = `00u${crypto.randomBytes(8).toString("hex")}`;
    const body = {
      schemas: [USER_SCHEMA], userName, name: { givenName: "Okta", familyName: "User" },
      emails: [{ primary: true, value: userName, type: "work" }], displayName: "Okta User", locale: "en-US",
      externalId, groups: [], password: "1mz050nq", active: true,
    };
    const create = await step(() => scim("post", "/Users", body));
    expect(create.res.status).toBe(201);
    const id = create.res.body.id as string;
    expect(create.calls).toEqual(["POST /api/v4/users"]);
    const created = await gitlabUserByIdentity(bridge, externalId);
    // The local part made valid for GitLab: dots are allowed inside a username.
    expect(created).toMatchObject({ username: userName.split("@")[0], name: "Okta User", email: userName, state: "active" });

    // O-06: Okta reads the user, then PUTs it whole with the change.
    const put = await step(() => scim("put", `/Users/${id}`, { ...body, id, name: { givenName: "Okta", familyName: "Renamed" }, displayName: "Okta Renamed" }));
    expect(put.res.status).toBe(200);
    expect(put.calls).toEqual([`PUT /api/v4/users/${created!.id}`]);
    expect((await gitlabUser(bridge, created!.id))!.name).toBe("Okta Renamed");

    const deactivate = await step(() => scim("patch", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { active: false } }] }));
    expect(deactivate.calls).toEqual([`POST /api/v4/users/${created!.id}/block`]);
    expect((await gitlabUser(bridge, created!.id))!.state).toBe("blocked");

    const reactivate = await step(() => scim("patch", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { active: true } }] }));
    expect(reactivate.calls).toEqual([`POST /api/v4/users/${created!.id}/unblock`]);
    expect((await gitlabUser(bridge, created!.id))!.state).toBe("active");
    const actions = (await auditOf(bridge, id)).map((a) => a.action);
    expect(actions.filter((a) => a === "gitlab.call")).toHaveLength(4);
    expect(actions.filter((a) => a !== "gitlab.call")).toEqual(["gitlab.user.created", "gitlab.user.updated", "gitlab.user.blocked", "gitlab.user.unblocked"]);
  });
});
