/**
 * Issue 10: GitLab slow during a burst of 500 SCIM changes ("slow (2 s per call)"), scaled to keep the
 * run short: every call of the burst takes 500 ms to 2 s (seeded random latency), far above a normal
 * answer, with GITLAB_CONCURRENCY 32 so the backlog drains in seconds rather than minutes.
 *
 * "No SCIM request waits on GitLab" is checked as an order of events in this process, not as a time:
 * each SCIM answer arrived before GitLab answered the call that carried its change out (the POST /users
 * of a create, the block of a deactivation). A bridge that called GitLab inside the SCIM request would
 * answer only after that call's 500 ms or more.
 */
import { burstPlan, duplicateEffects, effectsOf, failedAnswers, sendAll } from "./burst";
import { CONVERGE_DEADLINE_MS, expectDocumented, expectNothingParked, provisionExisting, startSystem, stopAndSummarise, waitConverged } from "./scenario";

test(
  "GitLab takes 0.5-2 s per call during a burst of 500 SCIM changes: every SCIM request answers 2xx before GitLab carries its change out, nothing is lost or parked, GitLab converges with one effect per change",
  async () => {
    const run = await startSystem({ env: { RECONCILE_MAX_ATTEMPTS: "3", GITLAB_CONCURRENCY: "32" }, plan: burstPlan() });
    const { gitlab, plan } = run;
    try {
      await provisionExisting(run);
      const idOf = new Map((await gitlab.users()).map((u) => [u.username, u.id]));
      // When GitLab answered the call that carried each change out (first answer wins).
      const carriedOut = new Map<string, number>();
      gitlab.onAnswer((r) => {
        const key =
          r.method === "POST" && r.route === "/api/v4/users" && r.status === 201
            ? `create ${(r.body as { username: string }).username}`
            : r.method === "POST" && r.route === "/api/v4/users/{id}/block" && r.status === 201
              ? `block ${r.path.split("/")[4]}`
              : null;
        if (key && !carriedOut.has(key)) carriedOut.set(key, performance.now());
      });
      await gitlab.setFaults({ latency: { minMs: 500, maxMs: 2_000 }, randomSeed: 10 });

      const answers = await sendAll(run.scim, plan.changes);
      expect(failedAnswers(answers)).toEqual([]);
      expect(answers).toHaveLength(500);

      await waitConverged(run);
      const waited = answers
        .map((a) => ({ a, key: a.change.kind === "create" ? `create ${a.change.user.username}` : `block ${idOf.get(a.change.user.username)}` }))
        .filter(({ a, key }) => !(carriedOut.get(key)! > a.answeredAt))
        .map(({ a, key }) => `${a.change.kind} ${a.change.user.userName}: SCIM answered ${Math.round(a.answeredAt - (carriedOut.get(key) ?? NaN))} ms after GitLab's ${key}`);
      expect(waited).toEqual([]);

      const users = await gitlab.users();
      const log = await gitlab.requests();
      const effects = effectsOf(log);
      expect(duplicateEffects(effects, plan, users, 1)).toEqual([]);
      // Slow is not failed: no call timed out (GITLAB_TIMEOUT_MS 10 s), so no create was repeated.
      expect(effects.createConflicts).toBe(0);

      expectNothingParked(await stopAndSummarise(run), plan.desired.length);
      expectDocumented(log);
    } finally {
      await run.close();
    }
  },
  2 * CONVERGE_DEADLINE_MS + 120_000,
);
