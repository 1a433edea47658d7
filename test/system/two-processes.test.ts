/**
 * Issue 10: "Two bridge processes on one PostgreSQL database under the same burst: every effect exactly
 * once." The SCIM requests alternate between the two processes; each process's workers are woken by its
 * own marks and find the other's by polling (RECONCILE_POLL_MS 200). GitLab answers in 20 ms so that
 * both have calls in flight at once.
 *
 * Exactly once, from the request log: every SCIM user created by one POST /users and no create ever
 * refused as a repeat (409), every deactivated user blocked by one call, nothing else.
 *
 * Only on PostgreSQL: the embedded PGlite is one connection inside the one process that owns DATA_DIR (a
 * second server refuses to start on it), so two instances need a database server.
 */
import { duplicateEffects, effectsOf, failedAnswers, sendAll } from "./burst";
import { testServerUrl } from "../helpers/database";
import { CONVERGE_DEADLINE_MS, expectDocumented, expectNothingParked, provisionExisting, startSystem, stopAndSummarise, waitConverged } from "./scenario";

const onPostgres = testServerUrl() !== undefined;

(onPostgres ? describe : describe.skip)("two bridge processes on one PostgreSQL database (skipped without TEST_DATABASE_URL: PGlite is one process's database)", () => {
  test(
    "a burst of 500 SCIM changes sent to both processes: GitLab converges and every effect happens exactly once",
    async () => {
      const run = await startSystem({ bridges: 2 });
      const { gitlab, plan } = run;
      try {
        expect(run.bridges).toHaveLength(2);
        await gitlab.setFaults({ latency: { fixedMs: 20 } });
        await provisionExisting(run);
        const answers = await sendAll(run.scim, plan.changes);
        expect(failedAnswers(answers)).toEqual([]);
        // Both processes took SCIM requests.
        expect(new Set(answers.map((a) => a.bridge)).size).toBe(2);

        await waitConverged(run);
        const users = await gitlab.users();
        const log = await gitlab.requests();
        const effects = effectsOf(log);
        expect(duplicateEffects(effects, plan, users, 1)).toEqual([]);
        expect(effects.createConflicts).toBe(0);

        expectNothingParked(await stopAndSummarise(run), plan.desired.length);
        expectDocumented(log);
      } finally {
        await run.close();
      }
    },
    2 * CONVERGE_DEADLINE_MS + 120_000,
  );
});
