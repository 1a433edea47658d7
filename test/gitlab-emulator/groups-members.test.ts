/** contract §3 (groups), §4 (members) and checklist lines §9.8 (group path) and §9.12. */
import { useEmulator } from "./helpers";

const h = useEmulator();

/** A parent group with a subgroup and a sub-subgroup; returns their paths and ids. */
function tree(members: { parent?: [string, number][]; child?: [string, number][]; grandchild?: [string, number][] } = {}) {
  const root = h.unique("top");
  const m = (list: [string, number][] = []) => list.map(([username, accessLevel]) => ({ username, accessLevel }));
  h.seed({
    groups: [
      { path: root, name: `Top ${root}`, members: m(members.parent) },
      { path: "child", parent: root, members: m(members.child) },
      { path: "grandchild", parent: `${root}/child`, members: m(members.grandchild) },
    ],
  });
  const id = (p: string) => h.emu.state.findGroupByFullPath(p)!.id;
  return { root, child: `${root}/child`, grandchild: `${root}/child/grandchild`, rootId: id(root), childId: id(`${root}/child`), grandchildId: id(`${root}/child/grandchild`) };
}

const enc = encodeURIComponent;

describe("contract §3 groups", () => {
  test("contract §3 GET /groups/:id by numeric id or by URL-encoded full path", async () => {
    const t = tree();
    const byId = await h.call("GET", `/api/v4/groups/${t.childId}`);
    const byPath = await h.call("GET", `/api/v4/groups/${enc(t.child)}`);
    expect(byId.body).toEqual(byPath.body);
    expect(byId.body).toMatchObject({ id: t.childId, full_path: t.child, parent_id: t.rootId, full_name: `Top ${t.root} / child` });
    expect((await h.call("GET", "/api/v4/groups/no%2Fsuch")).body).toEqual({ message: "404 Group Not Found" });
  });

  test("contract §3 a private group the caller cannot see → 404 Group Not Found", async () => {
    const t = tree();
    const outsider = h.user();
    expect((await h.call("GET", `/api/v4/groups/${t.rootId}`, { token: outsider.token })).body).toEqual({ message: "404 Group Not Found" });
  });

  test("contract §3 POST /groups with parent_id creates a subgroup; the creator becomes Owner", async () => {
    const t = tree();
    const path = h.unique("new");
    const r = await h.call("POST", "/api/v4/groups", { body: { name: "New", path, parent_id: t.rootId } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ full_path: `${t.root}/${path}`, parent_id: t.rootId });
    expect((await h.call("GET", `/api/v4/groups/${r.body.id}/members/1`)).body.access_level).toBe(50);
  });

  test("contract §3 / §9.8 duplicate group path → 400 Failed to save group {:path=>[...]}, not 409", async () => {
    const t = tree();
    const r = await h.call("POST", "/api/v4/groups", { body: { name: "dup", path: "child", parent_id: t.rootId } });
    expect(r).toMatchObject({ status: 400, body: { message: 'Failed to save group {:path=>["has already been taken"]}' } });
  });

  test("contract §3 POST /groups: unknown parent_id → 404 Group Not Found; non-member under a parent → 403", async () => {
    expect((await h.call("POST", "/api/v4/groups", { body: { name: "x", path: h.unique("x"), parent_id: 987654 } })).body).toEqual({ message: "404 Group Not Found" });
    const t = tree();
    const guest = h.user();
    h.seed({ groups: [{ path: "gx", parent: t.root, members: [{ username: guest.username, accessLevel: 10 }] }] });
    const r = await h.call("POST", "/api/v4/groups", { token: guest.token, body: { name: "y", path: "y", parent_id: h.emu.state.findGroupByFullPath(`${t.root}/gx`)!.id } });
    expect(r).toMatchObject({ status: 403, body: { message: "403 Forbidden" } });
  });

  test("contract §3 GET /groups: search, top_level_only; all_available defaults to false for users", async () => {
    const t = tree();
    const member = h.user();
    h.seed({ groups: [{ path: h.unique("mine"), members: [{ username: member.username, accessLevel: 30 }] }] });
    const admin = await h.call("GET", `/api/v4/groups?search=${t.root}&per_page=100`);
    expect(admin.body.map((g: { full_path: string }) => g.full_path).sort()).toEqual([t.root]);
    const top = await h.call("GET", `/api/v4/groups?top_level_only=true&per_page=100`);
    expect(top.body.every((g: { parent_id: number | null }) => g.parent_id === null)).toBe(true);
    const mine = await h.call("GET", "/api/v4/groups", { token: member.token });
    expect(mine.body).toHaveLength(1);
  });

  test("contract §3 subgroups lists direct children, descendant_groups all levels", async () => {
    const t = tree();
    expect((await h.call("GET", `/api/v4/groups/${t.rootId}/subgroups`)).body.map((g: { id: number }) => g.id)).toEqual([t.childId]);
    expect((await h.call("GET", `/api/v4/groups/${enc(t.root)}/descendant_groups`)).body.map((g: { id: number }) => g.id).sort()).toEqual([t.childId, t.grandchildId].sort());
  });
});

describe("contract §4 members", () => {
  test("contract §4.2 direct list excludes inherited members; /members/all includes them with the highest level", async () => {
    const a = h.user();
    const b = h.user();
    const t = tree({ parent: [[a.username, 40], [b.username, 10]], child: [[b.username, 30]] });
    const direct = await h.call("GET", `/api/v4/groups/${t.childId}/members`);
    expect(direct.body.map((m: { id: number }) => m.id)).toEqual([b.id]);
    const all = await h.call("GET", `/api/v4/groups/${t.childId}/members/all`);
    const levels = Object.fromEntries(all.body.map((m: { id: number; access_level: number }) => [m.id, m.access_level]));
    expect(levels).toEqual({ [a.id]: 40, [b.id]: 30 });
    expect((await h.call("GET", `/api/v4/groups/${t.childId}/members/all/${a.id}`)).body.access_level).toBe(40);
    expect((await h.call("GET", `/api/v4/groups/${t.childId}/members/${a.id}`)).body).toEqual({ message: "404 Not found" });
  });

  test("contract §4.3 POST single → 201 member entity; again → 409 Member already exists", async () => {
    const t = tree();
    const u = h.user();
    const r = await h.call("POST", `/api/v4/groups/${t.rootId}/members`, { body: { user_id: u.id, access_level: 30 } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ id: u.id, username: u.username, access_level: 30, state: "active", expires_at: null, created_by: { id: 1 } });
    const again = await h.call("POST", `/api/v4/groups/${t.rootId}/members`, { body: { user_id: u.id, access_level: 30 } });
    expect(again).toMatchObject({ status: 409, body: { message: "Member already exists" } });
  });

  test("contract §4.3 POST by username works; unknown user → 404 User Not Found", async () => {
    const t = tree();
    const u = h.user();
    expect((await h.call("POST", `/api/v4/groups/${t.rootId}/members`, { form: { username: u.username, access_level: "20" } })).status).toBe(201);
    expect((await h.call("POST", `/api/v4/groups/${t.rootId}/members`, { body: { user_id: 987654, access_level: 30 } })).body).toEqual({ message: "404 User Not Found" });
  });

  test("contract §4.3 rule 7: neither or both of user_id/username → 400 Grape errors", async () => {
    const t = tree();
    expect((await h.call("POST", `/api/v4/groups/${t.rootId}/members`, { body: { access_level: 30 } })).body).toEqual({ error: "user_id, username are missing, at least one parameter must be provided" });
    expect((await h.call("POST", `/api/v4/groups/${t.rootId}/members`, { body: { access_level: 30, user_id: 1, username: "root" } })).body).toEqual({ error: "user_id, username are mutually exclusive" });
  });

  test("contract §4.1 access levels 0/5/10/15/20/30/40/50 are accepted; 25 → 400 on access_level (wording unconfirmed)", async () => {
    const t = tree();
    for (const level of [0, 5, 10, 15, 20, 30, 40, 50]) {
      const u = h.user();
      expect((await h.call("POST", `/api/v4/groups/${t.rootId}/members`, { body: { user_id: u.id, access_level: level } })).status).toBe(201);
    }
    const u = h.user();
    const r = await h.call("POST", `/api/v4/groups/${t.rootId}/members`, { body: { user_id: u.id, access_level: 25 } });
    expect(r).toMatchObject({ status: 400, body: { message: { access_level: ["is not included in the list"] } } });
  });

  test("contract §4.3 rule 4: a level below an inherited one → 400 naming the role and the ancestor", async () => {
    const u = h.user();
    const t = tree({ parent: [[u.username, 30]] });
    const r = await h.call("POST", `/api/v4/groups/${t.childId}/members`, { body: { user_id: u.id, access_level: 20 } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ message: { access_level: [`should be greater than or equal to Developer inherited membership from group Top ${t.root}`] } });
  });

  test("contract §4.3 rule 4: expires_at in the past → 400", async () => {
    const t = tree();
    const u = h.user();
    const r = await h.call("POST", `/api/v4/groups/${t.rootId}/members`, { body: { user_id: u.id, access_level: 30, expires_at: "2001-01-01" } });
    expect(r).toMatchObject({ status: 400, body: { message: { expires_at: ["cannot be a date in the past"] } } });
  });

  test("contract §9.12 multi-user POST user_id=1,2,3 → 201 {status: success}; unknown ids dropped, members updated (inferred)", async () => {
    const t = tree();
    const a = h.user();
    const b = h.user();
    await h.call("POST", `/api/v4/groups/${t.rootId}/members`, { body: { user_id: a.id, access_level: 10 } });
    const r = await h.call("POST", `/api/v4/groups/${t.rootId}/members`, { body: { user_id: `${a.id},${b.id},987654`, access_level: 30 } });
    expect(r).toMatchObject({ status: 201, body: { status: "success" } });
    expect(h.emu.state.findMember(t.rootId, a.id)!.accessLevel).toBe(30);
    expect(h.emu.state.findMember(t.rootId, b.id)!.accessLevel).toBe(30);
  });

  test("contract §9.12 multi-user POST failure → still 201 with {status: error, message: '<username>: <reason>'} (Addenda, inferred)", async () => {
    const u = h.user();
    const t = tree({ parent: [[u.username, 40]] });
    const other = h.user();
    const r = await h.call("POST", `/api/v4/groups/${t.childId}/members`, { body: { user_id: `${u.id},${other.id}`, access_level: 30 } });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ status: "error", message: `${u.username}: Access level should be greater than or equal to Maintainer inherited membership from group Top ${t.root}` });
    expect(h.emu.state.findMember(t.childId, other.id)!.accessLevel).toBe(30);
  });

  test("contract §4.2 PUT changes the level; non-member → 404 Not found; invalid level → 400", async () => {
    const u = h.user();
    const t = tree({ parent: [[u.username, 30]] });
    expect((await h.call("PUT", `/api/v4/groups/${t.rootId}/members/${u.id}`, { body: { access_level: 40 } })).body.access_level).toBe(40);
    expect((await h.call("PUT", `/api/v4/groups/${t.rootId}/members/987654`, { body: { access_level: 40 } })).body).toEqual({ message: "404 Not found" });
    expect((await h.call("PUT", `/api/v4/groups/${t.rootId}/members/${u.id}`, { body: { access_level: 60 } })).status).toBe(400);
  });

  test("contract §4.4 / §9.12 the last owner cannot be removed or downgraded, even by an admin → 403", async () => {
    const owner = h.user();
    const t = tree({ parent: [[owner.username, 50]] });
    expect(await h.call("DELETE", `/api/v4/groups/${t.rootId}/members/${owner.id}`)).toMatchObject({ status: 403, body: { message: "403 Forbidden" } });
    expect((await h.call("PUT", `/api/v4/groups/${t.rootId}/members/${owner.id}`, { body: { access_level: 40 } })).status).toBe(403);
    expect((await h.call("DELETE", `/api/v4/groups/${t.rootId}/members/${owner.id}`, { token: owner.token })).status).toBe(403);
  });

  test("contract §4.4 / §9.12 DELETE cascades to subgroups by default; skip_subresources=true keeps them", async () => {
    const a = h.user();
    const b = h.user();
    const t = tree({ parent: [[a.username, 30], [b.username, 30]], child: [[a.username, 40], [b.username, 40]], grandchild: [[a.username, 40]] });
    expect((await h.call("DELETE", `/api/v4/groups/${t.rootId}/members/${a.id}`)).status).toBe(204);
    expect(h.emu.state.findMember(t.childId, a.id)).toBeUndefined();
    expect(h.emu.state.findMember(t.grandchildId, a.id)).toBeUndefined();
    expect((await h.call("DELETE", `/api/v4/groups/${t.rootId}/members/${b.id}?skip_subresources=true`)).status).toBe(204);
    expect(h.emu.state.findMember(t.childId, b.id)).toBeDefined();
  });

  test("contract §4.4 an inherited member cannot be removed at the subgroup → 404 Not found", async () => {
    const a = h.user();
    const t = tree({ parent: [[a.username, 30]] });
    expect((await h.call("DELETE", `/api/v4/groups/${t.childId}/members/${a.id}`)).body).toEqual({ message: "404 Not found" });
  });

  test("contract §4.3 rule 3: a Maintainer cannot grant Owner; a Developer cannot add members → 403", async () => {
    const maintainer = h.user();
    const developer = h.user();
    const t = tree({ parent: [[maintainer.username, 40], [developer.username, 30]] });
    const target = h.user();
    expect((await h.call("POST", `/api/v4/groups/${t.rootId}/members`, { token: maintainer.token, body: { user_id: target.id, access_level: 50 } })).status).toBe(403);
    expect((await h.call("POST", `/api/v4/groups/${t.rootId}/members`, { token: developer.token, body: { user_id: target.id, access_level: 10 } })).status).toBe(403);
    expect((await h.call("POST", `/api/v4/groups/${t.rootId}/members`, { token: maintainer.token, body: { user_id: target.id, access_level: 40 } })).status).toBe(201);
  });

  test("contract §4.6 blocked users stay listed with state blocked (inferred); adding one succeeds (unconfirmed reading)", async () => {
    const blocked = h.user({ state: "blocked" });
    const t = tree();
    expect((await h.call("POST", `/api/v4/groups/${t.rootId}/members`, { body: { user_id: blocked.id, access_level: 30 } })).status).toBe(201);
    const list = await h.call("GET", `/api/v4/groups/${t.rootId}/members?user_ids=${blocked.id}`);
    expect(list.body).toEqual([expect.objectContaining({ id: blocked.id, state: "blocked" })]);
  });
});
