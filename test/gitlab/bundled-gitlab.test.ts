/**
 * Design "Interfaces": with no GITLAB_URL, `npm start` runs against the bundled GitLab emulator and says
 * so loudly; with GITLAB_URL set, it talks to that GitLab and starts no emulator. Issue 10 §1: the
 * bundled emulator is seeded with a root group and a few users, so a newcomer sees the bridge link and
 * create, and the start prints how to reach the emulator and how to create a connection.
 */
import { bundledGitLabBanner } from "../../src/gitlab/target";
import { startBridgeProcess, type BridgeProcess } from "../observability/bridge-process";
import { createBridgeHome, startBridgeIn, waitFor, type BridgeHome, type StartedBridge } from "../helpers/started-bridge";

jest.setTimeout(120_000);

let home: BridgeHome;
let running: StartedBridge | undefined;

beforeAll(async () => {
  home = await createBridgeHome();
}, 120_000);

afterEach(async () => {
  await running?.bridge.stop();
  running = undefined;
});

afterAll(async () => {
  await home?.remove();
});

async function gitlabGet(path: string): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const { url, token } = running!.bridge.gitlab;
  const res = await fetch(`${url}/api/v4${path}`, { headers: { "PRIVATE-TOKEN": token } });
  return { status: res.status, body: await res.json() };
}

describe("GitLab target of a started bridge", () => {
  it("without GITLAB_URL starts the bundled emulator, warns loudly, and its token is a GitLab admin token the start-up check accepts", async () => {
    running = await startBridgeIn(home, { GITLAB_URL: "", GITLAB_TOKEN: "" });
    const { gitlab } = running.bridge;
    expect(gitlab.emulated).toBe(true);
    const warning = running.lines.find((line) => line.level === 40 && String(line.msg).includes("BUNDLED GITLAB EMULATOR"));
    expect(warning).toMatchObject({ gitlabUrl: gitlab.url, seeded: { group: "acme", users: ["alice", "bob", "carol.cruz", "dave"] } });
    expect(JSON.stringify(running.lines)).not.toContain(gitlab.token);
    expect(await gitlabGet("/user")).toMatchObject({ status: 200, body: { username: "root", is_admin: true } });
    expect(running.bridge.gitlabStatus.view()).toMatchObject({ status: "ok", emulated: true, tokenOwner: "root" });
  });

  it("the bundled emulator holds a root group and users to link by identity, by email and by username, and one blocked by an admin", async () => {
    running = await startBridgeIn(home, { GITLAB_URL: "" });
    expect(await gitlabGet("/groups/acme")).toMatchObject({ status: 200, body: { full_path: "acme", parent_id: null } });
    expect(await gitlabGet("/groups/acme%2Fengineering")).toMatchObject({ status: 200, body: { full_path: "acme/engineering" } });
    // contract §2: an admin finds a user by extern_uid + provider.
    const byIdentity = await gitlabGet("/users?extern_uid=00u1alice&provider=saml");
    expect(byIdentity.body).toEqual([expect.objectContaining({ username: "alice", identities: [expect.objectContaining({ provider: "saml", extern_uid: "00u1alice" })] })]);
    // contract §1.6: an email search matches the exact address only.
    const byEmail = await gitlabGet("/users?search=bob.baker%40acme.example");
    expect(byEmail.body).toEqual([expect.objectContaining({ username: "bob", email: "bob.baker@acme.example" })]);
    const byUsername = await gitlabGet("/users?username=carol.cruz");
    expect(byUsername.body).toEqual([expect.objectContaining({ username: "carol.cruz", email: "carol@legacy.acme.example" })]);
    expect((await gitlabGet("/users?username=dave")).body).toEqual([expect.objectContaining({ state: "blocked" })]);
  });

  it("with GITLAB_URL and GITLAB_TOKEN uses them and starts no emulator", async () => {
    running = await startBridgeIn(home, { GITLAB_URL: "http://127.0.0.1:9/", GITLAB_TOKEN: "glpat-test" });
    expect(running.bridge.gitlab).toMatchObject({ url: "http://127.0.0.1:9", token: "glpat-test", emulated: false });
    expect(running.lines.some((line) => String(line.msg).includes("BUNDLED GITLAB EMULATOR"))).toBe(false);
  });
});

describe("the newcomer's banner", () => {
  const banner = bundledGitLabBanner({ gitlab: { url: "http://127.0.0.1:4321", token: "glpat-emulator-only" }, scimUrl: "http://localhost:8080/scim/v2" });

  it("says the emulator is in use and how to reach it, and shows its token as the emulator's own throwaway token", () => {
    expect(banner).toContain("BUNDLED GITLAB EMULATOR");
    expect(banner).toContain("GitLab emulator:  http://127.0.0.1:4321");
    expect(banner).toContain(`curl -s -H "PRIVATE-TOKEN: glpat-emulator-only" http://127.0.0.1:4321/api/v4/users`);
    expect(banner).toMatch(/the emulator's own throwaway token, generated for this run and valid nowhere else/);
  });

  it("says how to create a connection and where to point the IdP, with a request that links a seeded user", () => {
    expect(banner).toContain("npm run cli -- connection create --name demo --idp entra|okta|generic");
    expect(banner).toContain("http://localhost:8080/scim/v2 with that token");
    expect(banner).toContain(`curl -s -X POST http://localhost:8080/scim/v2/Users -H "Authorization: Bearer $TOKEN"`);
    expect(banner).toContain('"userName":"bob.baker@acme.example"');
  });
});

describe("npm start without GITLAB_URL (a real process)", () => {
  let bridge: BridgeProcess | undefined;
  afterEach(async () => {
    await bridge?.kill();
  });

  it("prints the banner on stderr with the SCIM URL it listens on, while stdout stays JSON log lines", async () => {
    bridge = await startBridgeProcess({ ...home.env, GITLAB_URL: "", GITLAB_TOKEN: "" });
    await waitFor(() => (bridge!.stderr().includes("npm run cli -- status") ? true : undefined), "the whole banner on stderr");
    expect(bridge.stderr()).toContain(`${bridge.url}/scim/v2 with that token`);
    expect(bridge.stderr()).toContain("BUNDLED GITLAB EMULATOR");
    for (const line of bridge.lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
