/**
 * A stateful emulator of the GitLab REST API v4, as ../shared/gitlab-contract.md describes GitLab:
 * users and their state machine, groups, members, tokens, SSH keys, OAuth sign-in, pagination, rate
 * limits and injectable faults. Start it in-process (tests, `npm start` without GITLAB_URL, benchmarks)
 * with startGitLabEmulator({ port: 0 }); the CLI in main.ts does the same on a fixed port.
 *
 * The emulator admin token guards /-/emulator and is also a personal access token of the seeded admin
 * `root` (user id 1), so a bridge can use it as its GitLab token.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { Router, type CompiledRoute } from "./http/router";
import { Store } from "./state/store";
import { mergeSettings, type SettingsPatch } from "./state/settings";
import { applySeed, type Seed, type SeedResult } from "./state/seed";
import { adjustableClock, systemClock, type Clock } from "./clock";
import { JobQueue } from "./jobs";
import { InFlight, RequestLog } from "./request-log";
import { Faults } from "./faults";
import { MembersDeleteLimiter, Throttle } from "./rate-limit";
import { createListener, type PipelineDeps, type RecordedResponse } from "./server";
import { userRoutes } from "./routes/users";
import { userModerationRoutes } from "./routes/user-moderation";
import { groupRoutes } from "./routes/groups";
import { memberRoutes } from "./routes/members";
import { tokenAndKeyRoutes } from "./routes/tokens-and-keys";
import { metadataRoutes } from "./routes/metadata";
import { oauthRoutes } from "./oauth/oauth-routes";
import { controlRoutes } from "./routes/control";

export type { Seed, SeedResult } from "./state/seed";
export type { Settings, SettingsPatch } from "./state/settings";
export type { FaultConfig, OutageConfig, ScriptedFault } from "./faults";
export type { RequestRecord } from "./request-log";
export type { RecordedResponse } from "./server";
export type { Clock } from "./clock";

export interface GitLabEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Defaults to GITLAB_EMULATOR_ADMIN_TOKEN, else a random token (reported as generated). */
  adminToken?: string;
  seed?: Seed;
  settings?: SettingsPatch;
  /** Tests pass a controllable clock to move time without sleeping. */
  clock?: Clock;
  /** How many received calls /-/emulator/requests keeps (default 10,000). */
  requestLogLimit?: number;
  /** Called after every answer, with the body as sent (tests use it for OpenAPI validation). */
  onResponse?: (response: RecordedResponse) => void;
}

export interface GitLabEmulator {
  url: string;
  adminToken: string;
  adminTokenGenerated: boolean;
  /** The live store (replaced by reset(); read it through this property). */
  readonly state: Store;
  requests: RequestLog;
  /** API calls being answered now, and the most at once since the last reset (DELETE /-/emulator/in-flight). */
  inFlight: InFlight;
  faults: Faults;
  /** Moves the emulator's clock forward (as PUT /-/emulator/clock does). */
  advanceClock(ms: number): void;
  /** Every route served: GitLab's (incl. /oauth) and the /-/emulator control routes. */
  routes: readonly CompiledRoute[];
  seed(seed: Seed): SeedResult;
  reset(): void;
  /** Runs pending background jobs (user deletions) now; returns how many ran. */
  flushJobs(): number;
  close(): Promise<void>;
}

export const ROOT_USER_ID = 1;

/** The start-up state: the `root` admin whose token is the emulator admin token, then the seed. */
function initialStore(adminToken: string, options: GitLabEmulatorOptions, clock: Clock): Store {
  const store = new Store();
  if (options.settings) store.settings = mergeSettings(store.settings, options.settings);
  applySeed(
    store,
    {
      users: [{
        id: ROOT_USER_ID,
        username: "root",
        name: "Administrator",
        email: "admin@example.com",
        admin: true,
        password: adminToken,
        tokens: [{ token: adminToken, name: "emulator-admin", scopes: ["api", "read_api", "read_user", "sudo", "admin_mode"] }],
      }],
    },
    clock,
  );
  if (options.seed) applySeed(store, options.seed, clock);
  return store;
}

export async function startGitLabEmulator(options: GitLabEmulatorOptions = {}): Promise<GitLabEmulator> {
  const configured = options.adminToken ?? process.env.GITLAB_EMULATOR_ADMIN_TOKEN;
  const adminToken = configured && configured !== "" ? configured : `glpat-${randomBytes(20).toString("base64url")}`;
  const time = adjustableClock(options.clock ?? systemClock);
  const clock = time.clock;
  const jobs = new JobQueue();
  const throttle = new Throttle();
  const membersDeleteLimiter = new MembersDeleteLimiter();
  const requests = new RequestLog(options.requestLogLimit ?? 10_000);
  const inFlight = new InFlight();
  const faults = new Faults(clock);

  const api = new Router();
  api.add([...userRoutes, ...userModerationRoutes, ...groupRoutes, ...memberRoutes(membersDeleteLimiter), ...tokenAndKeyRoutes, ...metadataRoutes, ...oauthRoutes]);

  let url = "";
  const deps: PipelineDeps = {
    store: initialStore(adminToken, options, clock),
    api,
    control: new Router(),
    adminToken,
    clock,
    jobs,
    requests,
    inFlight,
    faults,
    throttle,
    baseUrl: () => url,
    onResponse: options.onResponse,
    timers: new Set(),
  };
  const reset = () => {
    jobs.cancelAll();
    throttle.reset();
    membersDeleteLimiter.reset();
    requests.clear();
    inFlight.resetPeak();
    faults.clear();
    deps.store = initialStore(adminToken, options, clock);
  };
  deps.control.add(controlRoutes({ requests, inFlight, faults, time, reset }));

  const server: Server = createServer(createListener(deps));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  url = `http://${host}:${address.port}`;

  return {
    url,
    adminToken,
    adminTokenGenerated: configured === undefined || configured === "",
    get state() {
      return deps.store;
    },
    requests,
    inFlight,
    faults,
    advanceClock: (ms) => time.advance(ms),
    routes: [...api.routes, ...deps.control.routes],
    seed: (seed) => applySeed(deps.store, seed, clock),
    reset,
    flushJobs: () => jobs.flush(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        jobs.cancelAll();
        for (const timer of deps.timers) clearTimeout(timer);
        deps.timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        // Hung (timeout-fault) and keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
