/**
 * The emulator's own control surface under /-/emulator (not GitLab): seed, state, requests, in-flight
 * calls, reset, faults, settings, the clock and background jobs. The server lets only the emulator
 * admin token through.
 */
import type { Context, Reply, RouteDef } from "../http/router";
import { ApiError } from "../http/errors";
import { applySeed, SeedError, type Seed } from "../state/seed";
import { mergeSettings, type SettingsPatch } from "../state/settings";
import type { InFlight, RequestLog } from "../request-log";
import type { AdjustableClock } from "../clock";
import type { Faults, FaultConfig } from "../faults";
import type { Store } from "../state/store";

export interface ControlDeps {
  requests: RequestLog;
  inFlight: InFlight;
  faults: Faults;
  time: AdjustableClock;
  reset(): void;
}

const badInput = (e: unknown): ApiError => new ApiError(400, { error: (e as Error).message });

export function dumpState(store: Store, pendingJobs: number) {
  const members = [];
  for (const group of store.groupsById.values()) {
    for (const m of store.directMembers(group.id).values()) members.push({ ...m });
  }
  return {
    settings: store.settings,
    users: [...store.usersById.values()],
    groups: [...store.groupsById.values()],
    members,
    personalAccessTokens: [...store.tokensById.values()],
    sshKeys: [...store.sshKeysById.values()],
    oauthApplications: [...store.oauthApps.values()],
    pendingJobs,
  };
}

export function controlRoutes(deps: ControlDeps): RouteDef[] {
  const route = (method: RouteDef["method"], pattern: string, handler: (ctx: Context) => Reply): RouteDef => ({
    method,
    pattern,
    access: "own",
    scope: "api",
    handler,
  });
  return [
    route("GET", "/-/emulator/state", (ctx) => ({ status: 200, body: dumpState(ctx.store, ctx.jobs.size) })),
    route("POST", "/-/emulator/seed", (ctx) => {
      try {
        return { status: 201, body: applySeed(ctx.store, ctx.input as Seed, ctx.clock) };
      } catch (e) {
        if (e instanceof SeedError) throw badInput(e);
        throw e;
      }
    }),
    route("GET", "/-/emulator/requests", (ctx) => {
      const since = ctx.query.get("since");
      return {
        status: 200,
        body: deps.requests.list({
          since: since === null ? undefined : Number(since),
          method: ctx.query.get("method") ?? undefined,
          pathPrefix: ctx.query.get("path_prefix") ?? undefined,
        }),
      };
    }),
    route("DELETE", "/-/emulator/requests", () => {
      deps.requests.clear();
      return { status: 204 };
    }),
    route("POST", "/-/emulator/reset", () => {
      deps.reset();
      return { status: 204 };
    }),
    route("GET", "/-/emulator/faults", () => ({ status: 200, body: deps.faults.get() })),
    route("PUT", "/-/emulator/faults", (ctx) => {
      try {
        deps.faults.set(ctx.input as FaultConfig);
      } catch (e) {
        throw badInput(e);
      }
      return { status: 200, body: deps.faults.get() };
    }),
    route("DELETE", "/-/emulator/faults", () => {
      deps.faults.clear();
      return { status: 204 };
    }),
    route("GET", "/-/emulator/settings", (ctx) => ({ status: 200, body: ctx.store.settings })),
    route("PUT", "/-/emulator/settings", (ctx) => {
      try {
        ctx.store.settings = mergeSettings(ctx.store.settings, ctx.input as SettingsPatch);
      } catch (e) {
        throw badInput(e);
      }
      return { status: 200, body: ctx.store.settings };
    }),
    route("GET", "/-/emulator/in-flight", () => ({ status: 200, body: { current: deps.inFlight.current, peak: deps.inFlight.peak } })),
    route("DELETE", "/-/emulator/in-flight", () => {
      deps.inFlight.resetPeak();
      return { status: 204 };
    }),
    route("GET", "/-/emulator/clock", (ctx) => ({ status: 200, body: { now: ctx.clock.now().toISOString(), offsetMs: deps.time.offsetMs } })),
    // Forward only: GitLab's time never runs backwards, and throttle windows and dormancy assume it.
    route("PUT", "/-/emulator/clock", (ctx) => {
      try {
        deps.time.advance((ctx.input as { advanceMs?: number }).advanceMs as number);
      } catch (e) {
        throw badInput(e);
      }
      return { status: 200, body: { now: ctx.clock.now().toISOString(), offsetMs: deps.time.offsetMs } };
    }),
    route("POST", "/-/emulator/jobs/flush", (ctx) => ({ status: 200, body: { ran: ctx.jobs.flush() } })),
  ];
}
