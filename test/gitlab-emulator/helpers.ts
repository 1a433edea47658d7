/**
 * One emulator per test file, on port 0, over real HTTP. Every answer is checked against GitLab's OpenAPI
 * description as it is produced (see openapi-validator.ts); a test fails in afterEach if any answer it
 * caused did not conform. Users are seeded with unique names so tests never depend on each other.
 */
import { startGitLabEmulator, type GitLabEmulator, type GitLabEmulatorOptions, type Seed } from "../../tools/gitlab-emulator";
import type { SeedUser } from "../../tools/gitlab-emulator/state/seed";
import { loadOpenApiValidator, openApiAvailable, type OpenApiValidator } from "./openapi-validator";

export interface Res {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface CallOptions {
  /** null = anonymous; default = the admin token. */
  token?: string | null;
  body?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  redirect?: "manual" | "follow";
}

/** A clock the tests move by hand. */
export class ManualClock {
  constructor(public ms = Date.parse("2026-06-01T12:00:00.000Z")) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

let validator: OpenApiValidator | null | undefined;
function sharedValidator(): OpenApiValidator | null {
  if (validator === undefined) validator = openApiAvailable ? loadOpenApiValidator() : null;
  return validator;
}

export interface Harness {
  readonly emu: GitLabEmulator;
  readonly clock: ManualClock;
  call(method: string, path: string, options?: CallOptions): Promise<Res>;
  /** Seeds a user (and its token `tok-<username>`) and returns its id, username and token. */
  user(overrides?: Partial<SeedUser>): { id: number; username: string; token: string };
  seed(seed: Seed): void;
  unique(prefix: string): string;
}

export function useEmulator(options: Omit<GitLabEmulatorOptions, "clock" | "onResponse"> = {}): Harness {
  let emu: GitLabEmulator | undefined;
  const clock = new ManualClock();
  const violations: string[] = [];
  let counter = 0;

  beforeAll(async () => {
    const check = sharedValidator();
    emu = await startGitLabEmulator({
      adminToken: "admin-token",
      ...options,
      clock,
      onResponse: (r) => {
        const problem = check?.check(r.method, r.route, r.status, r.contentType, r.body);
        if (problem) violations.push(problem);
      },
    });
  });
  afterAll(async () => {
    await emu?.close();
  });
  afterEach(() => {
    const found = violations.splice(0);
    expect(found).toEqual([]);
  });

  const harness: Harness = {
    get emu() {
      if (!emu) throw new Error("emulator not started");
      return emu;
    },
    clock,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      const token = o.token === undefined ? harness.emu.adminToken : o.token;
      if (token !== null) headers["private-token"] = token;
      let body: string | undefined;
      if (o.form) {
        headers["content-type"] = "application/x-www-form-urlencoded";
        body = new URLSearchParams(o.form).toString();
      } else if (o.body !== undefined) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(o.body);
      }
      const r = await fetch(harness.emu.url + path, { method, headers, body, redirect: o.redirect ?? "manual" });
      const text = await r.text();
      let parsed: unknown = text;
      if ((r.headers.get("content-type") ?? "").includes("json") && text !== "") parsed = JSON.parse(text);
      return { status: r.status, headers: r.headers, text, body: parsed };
    },
    user(overrides = {}) {
      const username = overrides.username ?? harness.unique("user");
      const token = `tok-${username}`;
      harness.emu.seed({ users: [{ username, tokens: [{ token, scopes: ["api"] }], ...overrides }] });
      return { id: harness.emu.state.findUserByUsername(username)!.id, username, token };
    },
    seed(seed) {
      harness.emu.seed(seed);
    },
    unique(prefix) {
      counter += 1;
      return `${prefix}${counter}`;
    },
  };
  return harness;
}
