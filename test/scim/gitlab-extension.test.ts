/**
 * Issue 10 item 7: every SCIM user carries the read-only extension
 * urn:ietf:params:scim:schemas:extension:gitlab:2.0:User, advertised in /Schemas and /ResourceTypes.
 * Its values are the applied state (GitLabUserLink, written here through SQL as the reconciler would)
 * and the user's reconcile item (driven through the real queue): "pending" while the item is pending
 * or claimed, else the link's state, else "pending". Client-sent values are ignored (RFC 7643 §2.2),
 * PATCH operations that target it are 400 mutability (RFC 7644 §3.5.2). Over HTTP, on PGlite and
 * (with TEST_DATABASE_URL) PostgreSQL.
 */
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import * as queue from "../../src/reconcile/queue";
import { createUser, ENTERPRISE, LIST_RESPONSE, PATCH_OP, scimClient, USER_SCHEMA, userBody, type ScimClient } from "./scim-client";

const GITLAB = "urn:ietf:params:scim:schemas:extension:gitlab:2.0:User";

let bridge: TestBridge;
let scim: ScimClient;

beforeAll(async () => {
  bridge = await startTestBridge();
  scim = scimClient(bridge);
});
afterAll(() => bridge.close());

const runner = () => bridge.db.direct;

interface LinkValues {
  gitlabUserId?: number | null;
  gitlabUsername?: string | null;
  syncState: "pending" | "synced" | "failed" | "conflict";
  lastError?: string | null;
  lastSyncedAt?: string | null;
}

/** The applied state as the reconciler records it (its statements are another helper's; the table is the contract). */
async function writeLink(userId: string, link: LinkValues): Promise<void> {
  await runner().query(
    `INSERT INTO "GitLabUserLink" ("scimUserId", "connectionId", "gitlabUserId", "gitlabUsername", "syncState", "lastError", "lastSyncedAt")
     VALUES ($1::uuid, $2::uuid, $3, $4, $5::"GitLabSyncState", $6, $7::timestamptz)
     ON CONFLICT ("scimUserId") DO UPDATE SET "gitlabUserId" = EXCLUDED."gitlabUserId", "gitlabUsername" = EXCLUDED."gitlabUsername",
       "syncState" = EXCLUDED."syncState", "lastError" = EXCLUDED."lastError", "lastSyncedAt" = EXCLUDED."lastSyncedAt"`,
    [userId, bridge.connectionId, link.gitlabUserId ?? null, link.gitlabUsername ?? null, link.syncState, link.lastError ?? null, link.lastSyncedAt ?? null],
  );
}

/** Claims the user's due item (giving back any other subject's claim untouched) and returns the claim. */
async function claimUser(userId: string): Promise<queue.Claim> {
  const now = new Date();
  const claims = await queue.claim(runner(), { claimedBy: "test-worker", limit: 1000, leaseMs: 60_000 }, queue.DEFAULT_RETRY_POLICY, now);
  const mine = claims.find((c) => c.subjectId === userId);
  for (const other of claims) if (other !== mine) await queue.release(runner(), other, null, now);
  if (!mine) throw new Error(`user ${userId} had no due reconcile item`);
  return mine;
}

/** One reconcile pass of the user as the reconciler would end it: the link written, then the item completed or parked. */
async function reconcile(userId: string, link: LinkValues, end: "complete" | "park" = "complete"): Promise<void> {
  const claim = await claimUser(userId);
  await writeLink(userId, link);
  if (end === "complete") expect(await queue.complete(runner(), claim, new Date())).toMatchObject({ state: "done" });
  else expect(await queue.park(runner(), claim, link.lastError ?? "error", new Date())).toMatchObject({ state: "parked" });
}

async function getUser(id: string, query = ""): Promise<Record<string, any>> {
  const res = await scim("get", `/Users/${id}${query}`);
  expect(res.status).toBe(200);
  return res.body;
}

async function storedResource(id: string): Promise<Record<string, unknown>> {
  const [row] = await runner().query<{ resource: Record<string, unknown> }>(`SELECT "resource" FROM "ScimUser" WHERE "id" = $1::uuid`, [id]);
  return row.resource;
}

const SYNCED_AT = "2026-12-03T09:30:00.250Z";

describe("discovery (RFC 7644 §4)", () => {
  test("/Schemas describes the GitLab extension: every attribute readOnly, returned by default", async () => {
    const list = await scim("get", "/Schemas");
    expect(list.body.Resources.map((s: { id: string }) => s.id)).toContain(GITLAB);
    const res = await scim("get", `/Schemas/${GITLAB}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: GITLAB, meta: { resourceType: "Schema", location: expect.stringContaining(`/Schemas/${GITLAB}`) } });
    const byName = Object.fromEntries(res.body.attributes.map((a: { name: string }) => [a.name, a]));
    expect(Object.keys(byName)).toEqual(["gitlabUserId", "gitlabUsername", "syncState", "lastError", "lastSyncedAt"]);
    expect(byName.gitlabUserId).toMatchObject({ type: "integer", multiValued: false, required: false, mutability: "readOnly", returned: "default" });
    expect(byName.syncState).toMatchObject({ type: "string", mutability: "readOnly", returned: "default", canonicalValues: ["pending", "synced", "failed", "conflict", "held"] });
    expect(byName.lastSyncedAt).toMatchObject({ type: "dateTime", mutability: "readOnly" });
    for (const attribute of Object.values(byName) as Array<{ mutability: string; returned: string }>) {
      expect(attribute).toMatchObject({ mutability: "readOnly", returned: "default" });
    }
  });

  test("/ResourceTypes/User lists it as an optional schema extension", async () => {
    const res = await scim("get", "/ResourceTypes/User");
    expect(res.body.schemaExtensions).toEqual([
      { schema: ENTERPRISE, required: false },
      { schema: GITLAB, required: false },
    ]);
  });
});

describe("values", () => {
  test("a new user is pending, and shows nothing else: POST answer and GET alike", async () => {
    const created = await createUser(scim, "gx.new");
    expect(created.schemas).toEqual([USER_SCHEMA, GITLAB]);
    expect(created[GITLAB]).toEqual({ syncState: "pending" });
    expect((await getUser(created.id))[GITLAB]).toEqual({ syncState: "pending" });
  });

  test("issue 10 §7 after the reconciler linked and synced the user, GET shows the GitLab user and when it was synced", async () => {
    const user = await createUser(scim, "gx.synced", { [ENTERPRISE]: { department: "R&D" } });
    await reconcile(user.id, { gitlabUserId: 4242, gitlabUsername: "gx.synced", syncState: "synced", lastSyncedAt: SYNCED_AT });
    const read = await getUser(user.id);
    expect(read.schemas).toEqual([USER_SCHEMA, ENTERPRISE, GITLAB]);
    expect(read[GITLAB]).toEqual({ gitlabUserId: 4242, gitlabUsername: "gx.synced", syncState: "synced", lastSyncedAt: SYNCED_AT });
  });

  test("while the user's reconcile item is claimed (a worker is on it), the user is pending whatever the link says", async () => {
    const user = await createUser(scim, "gx.claimed");
    await reconcile(user.id, { gitlabUserId: 4243, gitlabUsername: "gx.claimed", syncState: "synced", lastSyncedAt: SYNCED_AT });
    const patched = await scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "Claimed" }] });
    const claim = await claimUser(user.id);
    expect((await getUser(user.id))[GITLAB]).toEqual({ gitlabUserId: 4243, gitlabUsername: "gx.claimed", syncState: "pending", lastSyncedAt: SYNCED_AT });
    expect(patched.status).toBe(200);
    await queue.complete(runner(), claim, new Date());
    expect((await getUser(user.id))[GITLAB].syncState).toBe("synced");
  });

  test("a write's own answer says pending: its mark is made in the same statement (PATCH, fast active PATCH, PUT)", async () => {
    const user = await createUser(scim, "gx.written");
    const linked = { gitlabUserId: 4244, gitlabUsername: "gx.written", syncState: "synced", lastSyncedAt: SYNCED_AT } as const;
    const writes: Array<[string, () => ReturnType<ScimClient>]> = [
      ["PATCH", () => scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "title", value: "Boss" }] })],
      ["active PATCH", () => scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] })],
      ["PUT", () => scim("put", `/Users/${user.id}`, userBody("gx.written", { title: "Put" }))],
    ];
    for (const [what, write] of writes) {
      await reconcile(user.id, linked);
      expect([what, (await getUser(user.id))[GITLAB].syncState]).toEqual([what, "synced"]);
      const res = await write();
      expect([what, res.status, res.body[GITLAB]]).toEqual([what, 200, { ...linked, syncState: "pending" }]);
    }
  });

  test("a write that changes nothing makes no mark, and answers the state as it is", async () => {
    const user = await createUser(scim, "gx.same");
    await reconcile(user.id, { gitlabUserId: 4245, gitlabUsername: "gx.same", syncState: "synced", lastSyncedAt: SYNCED_AT });
    const res = await scim("put", `/Users/${user.id}`, userBody("gx.same"));
    expect(res.status).toBe(200);
    expect(res.body[GITLAB].syncState).toBe("synced");
  });

  test("issue 10 §3 a failed user shows failed and the last error; a conflict shows conflict and its reason", async () => {
    const failed = await createUser(scim, "gx.failed");
    await reconcile(failed.id, { gitlabUserId: 4246, gitlabUsername: "gx.failed", syncState: "failed", lastError: "GitLab answered 422: email is invalid" }, "park");
    expect((await getUser(failed.id))[GITLAB]).toEqual({ gitlabUserId: 4246, gitlabUsername: "gx.failed", syncState: "failed", lastError: "GitLab answered 422: email is invalid" });
    const conflict = await createUser(scim, "gx.conflict");
    await reconcile(conflict.id, { syncState: "conflict", lastError: "two GitLab users match: by email (17) and by username (18)" }, "park");
    expect((await getUser(conflict.id))[GITLAB]).toEqual({ syncState: "conflict", lastError: "two GitLab users match: by email (17) and by username (18)" });
  });

  test("list pages, filter lookups and searches carry the extension of each user", async () => {
    const synced = await createUser(scim, "gx.list.synced");
    await reconcile(synced.id, { gitlabUserId: 4247, gitlabUsername: "gx.list.synced", syncState: "synced", lastSyncedAt: SYNCED_AT });
    const pending = await createUser(scim, "gx.list.pending");
    const lookup = await scim("get", `/Users?filter=${encodeURIComponent('userName eq "gx.list.synced"')}`);
    expect(lookup.body.Resources).toEqual([expect.objectContaining({ schemas: [USER_SCHEMA, GITLAB], [GITLAB]: expect.objectContaining({ gitlabUserId: 4247, syncState: "synced" }) })]);
    const page = await scim("get", `/Users?filter=${encodeURIComponent('userName sw "gx.list."')}&sortBy=userName`);
    expect(page.body.Resources.map((r: Record<string, any>) => [r.userName, r[GITLAB].syncState])).toEqual([
      ["gx.list.pending", "pending"],
      ["gx.list.synced", "synced"],
    ]);
    const all = await scim("get", "/Users?count=1000");
    expect(all.body.Resources.every((r: Record<string, any>) => r.schemas.includes(GITLAB) && typeof r[GITLAB].syncState === "string")).toBe(true);
    const search = await scim("post", "/Users/.search", { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: `id eq "${pending.id}"` });
    expect(search.body.Resources[0][GITLAB]).toEqual({ syncState: "pending" });
    const rootSearch = await scim("post", "/.search", { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: `userName eq "gx.list.synced"` });
    expect(rootSearch.body.Resources[0][GITLAB]).toMatchObject({ gitlabUserId: 4247 });
  });
});

describe("attributes and excludedAttributes (RFC 7644 §3.9)", () => {
  test("the extension or one of its attributes can be asked for, or left out", async () => {
    const user = await createUser(scim, "gx.projection");
    await reconcile(user.id, { gitlabUserId: 4248, gitlabUsername: "gx.projection", syncState: "synced", lastSyncedAt: SYNCED_AT });
    const only = await getUser(user.id, `?attributes=${GITLAB}:syncState`);
    expect(only).toEqual({ schemas: [USER_SCHEMA, GITLAB], id: user.id, [GITLAB]: { syncState: "synced" } });
    const whole = await getUser(user.id, `?attributes=userName,${GITLAB}`);
    expect(whole[GITLAB]).toEqual({ gitlabUserId: 4248, gitlabUsername: "gx.projection", syncState: "synced", lastSyncedAt: SYNCED_AT });
    expect(whole.emails).toBeUndefined();
    const without = await getUser(user.id, `?excludedAttributes=${GITLAB}`);
    expect(without[GITLAB]).toBeUndefined();
    expect(without.userName).toBe("gx.projection");
    const withoutOne = await getUser(user.id, `?excludedAttributes=${GITLAB}:lastSyncedAt`);
    expect(withoutOne[GITLAB]).toEqual({ gitlabUserId: 4248, gitlabUsername: "gx.projection", syncState: "synced" });
  });
});

describe("filters and sorting on the extension (RFC 7644 §3.4.2.2)", () => {
  let ids: Record<string, string>;

  beforeAll(async () => {
    ids = {};
    for (const name of ["synced", "failed", "conflict", "pending"]) ids[name] = (await createUser(scim, `gx.filter.${name}`)).id;
    await reconcile(ids.synced, { gitlabUserId: 900, gitlabUsername: "Filter.Synced", syncState: "synced", lastSyncedAt: "2026-12-01T00:00:00.000Z" });
    await reconcile(ids.failed, { gitlabUserId: 901, gitlabUsername: "filter.failed", syncState: "failed", lastError: "GitLab answered 403" }, "park");
    await reconcile(ids.conflict, { syncState: "conflict", lastError: "email taken by GitLab user 77" }, "park");
  });

  async function matching(filter: string, extra = ""): Promise<string[]> {
    const res = await scim("get", `/Users?filter=${encodeURIComponent(`userName sw "gx.filter." and (${filter})`)}${extra}`);
    expect([filter, res.status]).toEqual([filter, 200]);
    expect(res.body.schemas).toEqual([LIST_RESPONSE]);
    const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
    return res.body.Resources.map((r: { id: string }) => byId[r.id]);
  }

  test.each([
    [`${GITLAB}:syncState eq "failed"`, ["failed"]],
    [`${GITLAB}:syncState eq "Synced"`, ["synced"]],
    [`${GITLAB}:syncState eq "pending"`, ["pending"]],
    [`${GITLAB}:syncState ne "synced"`, ["conflict", "failed", "pending"]],
    [`${GITLAB}:gitlabUserId eq 901`, ["failed"]],
    [`${GITLAB}:gitlabUserId ge 900`, ["failed", "synced"]],
    [`${GITLAB}:gitlabUserId pr`, ["failed", "synced"]],
    [`not (${GITLAB}:gitlabUserId pr)`, ["conflict", "pending"]],
    [`${GITLAB}:gitlabUsername eq "filter.synced"`, ["synced"]],
    [`${GITLAB}:lastError co "taken"`, ["conflict"]],
    [`${GITLAB}:lastSyncedAt gt "2026-11-30T00:00:00Z"`, ["synced"]],
  ])("%s", async (filter, expected) => {
    expect((await matching(filter)).sort()).toEqual(expected);
  });

  test("a user whose item is waiting again is pending for filters too, as in its answer", async () => {
    const res = await scim("patch", `/Users/${ids.synced}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "title", value: "again" }] });
    expect(res.body[GITLAB].syncState).toBe("pending");
    expect(await matching(`${GITLAB}:syncState eq "synced"`)).toEqual([]);
    await reconcile(ids.synced, { gitlabUserId: 900, gitlabUsername: "Filter.Synced", syncState: "synced", lastSyncedAt: "2026-12-01T00:00:00.000Z" });
    expect(await matching(`${GITLAB}:syncState eq "synced"`)).toEqual(["synced"]);
  });

  test("sortBy an extension attribute: missing values last", async () => {
    const descending = await matching("id pr", `&sortBy=${GITLAB}:gitlabUserId&sortOrder=descending`);
    expect(descending.slice(0, 2)).toEqual(["failed", "synced"]);
    const ascending = await matching("id pr", `&sortBy=${GITLAB}:gitlabUserId`);
    expect(ascending.slice(0, 2)).toEqual(["synced", "failed"]);
  });

  test("a value of the wrong type is 400 invalidFilter with a sentence, not a 500", async () => {
    const res = await scim("get", `/Users?filter=${encodeURIComponent(`${GITLAB}:gitlabUserId eq "abc"`)}`);
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("invalidFilter");
    expect(res.body.detail).toMatch(/gitlabUserId is a number/);
  });
});

describe("client-sent values are ignored (RFC 7643 §2.2 readOnly: \"SHALL be ignored\")", () => {
  const forged = { gitlabUserId: 1, gitlabUsername: "root", syncState: "synced", lastError: "forged", lastSyncedAt: "2020-01-01T00:00:00Z" };

  test("POST with the extension block, its URN in schemas and a flattened attribute: created, none of it stored", async () => {
    const res = await scim("post", "/Users", { ...userBody("gx.forged.post"), schemas: [USER_SCHEMA, GITLAB], [GITLAB]: forged, [`${GITLAB}:syncState`]: "conflict" });
    expect(res.status).toBe(201);
    expect(res.body[GITLAB]).toEqual({ syncState: "pending" });
    const stored = await storedResource(res.body.id);
    expect(JSON.stringify(stored)).not.toContain("gitlab");
    expect(stored.schemas).toEqual([USER_SCHEMA]);
  });

  test("a value of the wrong type in the extension is ignored too, not a 400", async () => {
    const res = await scim("post", "/Users", { ...userBody("gx.forged.types"), [GITLAB]: { gitlabUserId: "not a number", syncState: ["x"] } });
    expect(res.status).toBe(201);
    expect(res.body[GITLAB]).toEqual({ syncState: "pending" });
  });

  test("PUT echoing a GET (extension included) replaces the user and keeps the server's values", async () => {
    const user = await createUser(scim, "gx.forged.put");
    await reconcile(user.id, { gitlabUserId: 4250, gitlabUsername: "gx.forged.put", syncState: "synced", lastSyncedAt: SYNCED_AT });
    const echoed = await getUser(user.id);
    const res = await scim("put", `/Users/${user.id}`, { ...echoed, displayName: "Echo", [GITLAB]: forged });
    expect(res.status).toBe(200);
    expect(res.body.displayName).toBe("Echo");
    expect(res.body[GITLAB]).toEqual({ gitlabUserId: 4250, gitlabUsername: "gx.forged.put", syncState: "pending", lastSyncedAt: SYNCED_AT });
    expect(JSON.stringify(await storedResource(user.id))).not.toContain("gitlab");
  });

  test("a pathless PATCH echoing the extension applies the rest and ignores it", async () => {
    const user = await createUser(scim, "gx.forged.pathless");
    const res = await scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { displayName: "Pathless", [GITLAB]: forged, [`${GITLAB}:lastError`]: "x" } }] });
    expect(res.status).toBe(200);
    expect(res.body.displayName).toBe("Pathless");
    expect(res.body[GITLAB]).toEqual({ syncState: "pending" });
    expect(JSON.stringify(await storedResource(user.id))).not.toContain("gitlab");
  });

  test("a pathless PATCH carrying only the extension changes nothing", async () => {
    const user = await createUser(scim, "gx.forged.only");
    const res = await scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: "add", value: { [GITLAB]: forged } }] });
    expect(res.status).toBe(200);
    expect(res.body.meta.version).toBe(user.meta.version);
  });
});

describe("PATCH operations that target it (RFC 7644 §3.5.2: readOnly attributes cannot be modified, 400 mutability)", () => {
  test.each([
    ["replace an attribute", { op: "replace", path: `${GITLAB}:syncState`, value: "synced" }],
    ["add an attribute, spelled in another case", { op: "add", path: `${GITLAB.toUpperCase()}:GITLABUSERID`, value: 7 }],
    ["remove an attribute", { op: "remove", path: `${GITLAB}:lastError` }],
    ["replace the whole extension", { op: "replace", path: GITLAB, value: { syncState: "synced" } }],
    ["replace the whole extension with nothing in it", { op: "replace", path: GITLAB, value: {} }],
    ["remove the whole extension", { op: "remove", path: GITLAB }],
  ])("%s", async (what, operation) => {
    const user = await createUser(scim, `gx.patch.${what.replace(/\W+/g, "-")}`);
    const res = await scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "changed" }, operation] });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("mutability");
    expect(res.body.detail).toMatch(/read-only/);
    const after = await getUser(user.id);
    expect(after.displayName).toBeUndefined();
    expect(after.meta.version).toBe(user.meta.version);
  });
});
