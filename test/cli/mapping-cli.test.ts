/**
 * Issue 11 item 1, the mapping commands through the built CLI: `mapping add` (by displayName or
 * externalId), `mapping list` (with the GitLab group's sync state, managed members and conflicts),
 * `mapping update`, `mapping remove`, and their refusals (exit code 2 for a wrong command line, 1 for
 * what cannot be carried out, each with a sentence). The CLI opens the database itself: embedded PGlite
 * in a DATA_DIR, and PostgreSQL (DATABASE_URL) when TEST_DATABASE_URL is set.
 */
import path from "node:path";
import { createTestDatabase, testServerUrl } from "../helpers/database";
import { baseEnv, killAll, makeTempDir, parseJson, removeDir, runCli } from "./helpers/processes";

jest.setTimeout(180_000);

interface ListJson {
  mappings: Array<{ id: string; connection: string; match: string; gitlabGroup: string; access: string; expiresInDays: number | null; authoritative: boolean; syncState: string; managedMembers: number; conflicts: number; scimGroups: number }>;
}

let tmp: string;
beforeAll(() => {
  tmp = makeTempDir("gsb-mapping-");
});
afterAll(async () => {
  await killAll();
  removeDir(tmp);
});

function flow(engine: string, envOf: () => Promise<{ env: NodeJS.ProcessEnv; close(): Promise<void> }>) {
  describe(`mapping commands (${engine})`, () => {
    let env: NodeJS.ProcessEnv;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ env, close } = await envOf());
      const created = await runCli(["connection", "create", "--name", "entra", "--idp", "entra"], env);
      expect(created.code).toBe(0);
    });
    afterAll(() => close?.());

    test("add by displayName and by externalId, list, update, remove: each audited; the target's state shown", async () => {
      const add = await runCli(["mapping", "add", "--connection", "entra", "--scim-group", "Platform Engineers", "--gitlab-group", "acme/Platform", "--access", "developer", "--json"], env);
      expect(add.stderr).toBe("");
      expect(add.code).toBe(0);
      const added = parseJson<{ mapping: { id: string; match: string; gitlabGroup: string; access: string } }>(add).mapping;
      expect(added).toMatchObject({ match: 'displayName "platform engineers"', gitlabGroup: "acme/Platform", access: "developer" });
      const second = await runCli(["mapping", "add", "--connection", "entra", "--scim-group-external-id", "0f8fad5b-d9cb", "--gitlab-group", "acme/platform", "--access", "maintainer", "--expires-in-days", "90", "--authoritative"], env);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/^Added mapping [0-9a-f-]{36} to connection "entra": SCIM groups with externalId "0f8fad5b-d9cb" → acme\/Platform as maintainer \(expiring after 90 days, authoritative\)\.\n$/);

      const listed = parseJson<ListJson>(await runCli(["mapping", "list", "--json"], env)).mappings;
      expect(listed).toHaveLength(2);
      // One target for both rules: GitLab paths are case-insensitive.
      expect(new Set(listed.map((m) => m.gitlabGroup))).toEqual(new Set(["acme/Platform"]));
      expect(listed.find((m) => m.id === added.id)).toMatchObject({ connection: "entra", syncState: "pending", managedMembers: 0, conflicts: 0, scimGroups: 0, expiresInDays: null, authoritative: false });
      const table = await runCli(["mapping", "list", "--connection", "entra"], env);
      expect(table.stdout).toMatch(/^ID\s+CONNECTION\s+SCIM GROUPS\s+MATCHING\s+GITLAB GROUP\s+ACCESS\s+SYNC\s+MANAGED\s+CONFLICTS\s+UNMANAGED\s+LAST ERROR\n/);
      expect(table.stdout).toContain('displayName "platform engineers"');

      const update = await runCli(["mapping", "update", "--id", added.id.slice(0, 8), "--access", "reporter", "--expires-in-days", "30", "--authoritative"], env);
      expect(update.code).toBe(0);
      expect(update.stdout).toBe(`Updated mapping ${added.id}: SCIM groups with displayName "platform engineers" → acme/Platform as reporter (expiring after 30 days, authoritative).\n`);
      const noExpiry = await runCli(["mapping", "update", "--id", added.id, "--no-expiry", "--no-authoritative", "--json"], env);
      expect(parseJson<{ changed: boolean; mapping: { expiresInDays: number | null; authoritative: boolean } }>(noExpiry)).toMatchObject({ changed: true, mapping: { expiresInDays: null, authoritative: false } });
      const same = await runCli(["mapping", "update", "--id", added.id, "--access", "reporter"], env);
      expect(same.stdout).toContain("nothing changed");

      const remove = await runCli(["mapping", "remove", "--id", added.id], env);
      expect(remove.code).toBe(0);
      expect(remove.stdout).toContain(`Removed mapping ${added.id}`);
      expect(parseJson<ListJson>(await runCli(["mapping", "list", "--json"], env)).mappings.map((m) => m.id)).not.toContain(added.id);
    });

    test.each([
      [["mapping", "add", "--connection", "nope", "--scim-group", "x", "--gitlab-group", "a/b", "--access", "guest"], 1, 'there is no connection named "nope"'],
      [["mapping", "add", "--connection", "entra", "--scim-group", "x", "--scim-group-external-id", "y", "--gitlab-group", "a/b", "--access", "guest"], 2, "give exactly one of --scim-group DISPLAYNAME or --scim-group-external-id ID"],
      [["mapping", "add", "--connection", "entra", "--gitlab-group", "a/b", "--access", "guest"], 2, "give exactly one of --scim-group DISPLAYNAME or --scim-group-external-id ID"],
      [["mapping", "add", "--connection", "entra", "--scim-group", "x", "--gitlab-group", "a/b", "--access", "admin"], 2, '--access must be one of guest, planner, reporter, developer, maintainer, owner, got "admin"'],
      [["mapping", "add", "--connection", "entra", "--scim-group", "x", "--gitlab-group", "a b/c", "--access", "guest"], 1, '"a b/c" is not a GitLab group path'],
      [["mapping", "add", "--connection", "entra", "--scim-group", "x", "--gitlab-group", "a/b.git", "--access", "guest"], 1, '"a/b.git" is not a GitLab group path'],
      [["mapping", "add", "--connection", "entra", "--scim-group", "x", "--gitlab-group", "a/b", "--access", "guest", "--expires-in-days", "0"], 2, "--expires-in-days must be a whole number of days from 1 to 3650"],
      [["mapping", "update", "--id", "0000dead", "--access", "guest"], 1, "there is no mapping 0000dead"],
      [["mapping", "update", "--id", "0000dead"], 2, "nothing to change"],
      [["mapping", "update", "--id", "0000dead", "--expires-in-days", "5", "--no-expiry"], 2, "give either --expires-in-days N or --no-expiry, not both"],
      [["mapping", "remove", "--id", "zz"], 1, '"zz" is not a mapping id'],
    ])("refused: %j → exit %i", async (args, code, sentence) => {
      const run = await runCli(args as string[], env);
      expect(run.code).toBe(code);
      expect(run.stderr).toContain(sentence);
      expect(run.stdout).toBe("");
    });

    test("the same rule twice is refused with the existing mapping's id", async () => {
      const args = ["mapping", "add", "--connection", "entra", "--scim-group", "Twice", "--gitlab-group", "acme/twice", "--access", "guest"];
      const first = await runCli([...args, "--json"], env);
      const id = parseJson<{ mapping: { id: string } }>(first).mapping.id;
      const again = await runCli(args, env);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(`the same rule exists already (mapping ${id})`);
    });
  });
}

flow("embedded PGlite", async () => ({ env: baseEnv({ DATA_DIR: path.join(tmp, "pglite") }), close: async () => undefined }));

if (testServerUrl()) {
  flow("PostgreSQL (DATABASE_URL)", async () => {
    const testDb = await createTestDatabase();
    return { env: baseEnv({ DATABASE_URL: testDb.databaseUrl!, DATA_DIR: path.join(tmp, "pg") }), close: () => testDb.close() };
  });
}
