/**
 * Issue 10: "kill -9 of the bridge in the middle of reconciling, restart: converged, no duplicate GitLab
 * effects (check the emulator's request log)".
 *
 * To be sure the kill lands mid-work rather than after it, the burst arrives while GitLab is down (so
 * the work piles up in the queue), then GitLab comes back with 50 ms per call and the bridge is killed
 * (SIGKILL) from inside the emulator the moment it has answered 60 API calls: calls are in flight, some
 * carried out by GitLab whose answers the bridge never reads. A new process on the same DATA_DIR /
 * database must finish the work. RECONCILE_LEASE_MS is 3 s so the dead process's claims lapse soon.
 *
 * Duplicate effects, from the request log: one GitLab user per SCIM user, each created once (a create
 * whose answer the kill cut is repeated and answers 409: allowed, at most one per call in flight, i.e.
 * GITLAB_CONCURRENCY); each deactivated user blocked at most twice (the block in flight, repeated, answers
 * `null`); nothing else.
 */
import { burstPlan, divergence, duplicateEffects, effectsOf, failedAnswers, sendAll } from "./burst";
import { waitFor } from "./harness";
import { CONVERGE_DEADLINE_MS, expectDocumented, expectNothingParked, provisionExisting, startSystem, stopAndSummarise, waitConverged } from "./scenario";

const KILL_AFTER_CALLS = 60;
const CONCURRENCY = 8;

test(
  "kill -9 of the bridge while it reconciles a burst of 500 SCIM changes, then a restart on the same database: GitLab converges, one GitLab user per SCIM user, no effect repeated beyond the calls in flight",
  async () => {
    const run = await startSystem({ env: { RECONCILE_LEASE_MS: "3000", GITLAB_CONCURRENCY: String(CONCURRENCY) }, plan: burstPlan() });
    const { gitlab, plan } = run;
    try {
      await provisionExisting(run);
      await gitlab.setFaults({ outage: { status: 503, durationMs: 3_600_000 } });
      const answers = await sendAll(run.scim, plan.changes);
      expect(failedAnswers(answers)).toEqual([]);

      const [victim] = run.bridges;
      let answered = 0;
      let killedAt = -1;
      gitlab.onAnswer((r) => {
        if (!r.route?.startsWith("/api/v4") || ++answered !== KILL_AFTER_CALLS) return;
        victim.process.child.kill("SIGKILL");
        killedAt = answered;
      });
      // GitLab is back (the faults are replaced: no outage), slow enough that calls are in flight.
      await gitlab.setFaults({ latency: { fixedMs: 50 } });
      await waitFor("the bridge killed after 60 GitLab answers", () => (killedAt > 0 ? null : `${answered} answers so far`), CONVERGE_DEADLINE_MS);
      expect(await victim.process.exited).toBe("SIGKILL");
      // The kill came in the middle: GitLab does not have the desired state yet.
      expect(divergence(await gitlab.users(), plan.desired)).not.toBeNull();

      await run.startBridge();
      await waitConverged(run);

      const users = await gitlab.users();
      const log = await gitlab.requests();
      const effects = effectsOf(log);
      expect(duplicateEffects(effects, plan, users, 2)).toEqual([]);
      expect(effects.createConflicts).toBeLessThanOrEqual(CONCURRENCY);

      expectNothingParked(await stopAndSummarise(run), plan.desired.length);
      expectDocumented(log);
    } finally {
      await run.close();
    }
  },
  2 * CONVERGE_DEADLINE_MS + 180_000,
);
