/** GITLAB_CONCURRENCY and GITLAB_TIMEOUT_MS: defaults, and refusals that name the variable and the rule. */
import { ConfigError, loadConfig } from "../../src/config";

describe("GitLab client configuration", () => {
  test("defaults: 8 calls in flight, 10 s per call", () => {
    expect(loadConfig({})).toMatchObject({ gitlabConcurrency: 8, gitlabTimeoutMs: 10_000 });
    expect(loadConfig({ GITLAB_CONCURRENCY: "2", GITLAB_TIMEOUT_MS: "2500" })).toMatchObject({ gitlabConcurrency: 2, gitlabTimeoutMs: 2_500 });
  });

  test.each([
    [{ GITLAB_CONCURRENCY: "0" }, "GITLAB_CONCURRENCY must be between 1 and 64, got 0"],
    [{ GITLAB_CONCURRENCY: "many" }, 'GITLAB_CONCURRENCY must be a whole number, got "many"'],
    [{ GITLAB_TIMEOUT_MS: "50" }, "GITLAB_TIMEOUT_MS must be between 100 and 600000, got 50"],
    [{ GITLAB_TIMEOUT_MS: "1.5" }, 'GITLAB_TIMEOUT_MS must be a whole number, got "1.5"'],
  ])("%j is refused with a sentence naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });
});
