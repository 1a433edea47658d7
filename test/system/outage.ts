/**
 * GitLab down (503 from its front end) or throttling (Rack::Attack's 429 with Retry-After, contract §6)
 * for ten minutes of the EMULATOR's clock while the burst arrives (issue 10: "GitLab down (503 for a
 * minute) … rate limiting (429 with Retry-After) during a burst of 500 SCIM changes: no SCIM request
 * fails or waits on GitLab, nothing is lost, everything converges"; "a 10-minute outage parks nothing").
 *
 * The outage is set on the emulator (faults.outage) and ends when the emulator's clock passes its end:
 * the test moves that clock ten minutes forward (PUT /-/emulator/clock) once every SCIM answer is in, so the
 * ten minutes cost no real time. That ordering is the "does not wait on GitLab" proof: every SCIM request was
 * answered while GitLab still refused every call, which the emulator confirms (the outage's end still
 * ahead on its clock; every call the bridge made meanwhile answered by the outage).
 *
 * RECONCILE_MAX_ATTEMPTS is 3, so an outage that cost each subject attempts would park subjects and the
 * "nothing parked" check would see it.
 */
import { burstPlan, duplicateEffects, effectsOf, failedAnswers, sendAll } from "./burst";
import { CONVERGE_DEADLINE_MS, expectDocumented, expectNothingParked, provisionExisting, startSystem, stopAndSummarise, waitConverged } from "./scenario";

/** Ten minutes: longer than the minute, so that a slow burst on a loaded machine still ends inside it. */
const OUTAGE_MS = 600_000;

export async function runOutageScenario(status: 503 | 429): Promise<void> {
  const run = await startSystem({ env: { RECONCILE_MAX_ATTEMPTS: "3" }, plan: burstPlan() });
  const { gitlab, plan } = run;
  try {
    await provisionExisting(run);
    if (status === 429) {
      // A GitLab that throttles has its authenticated-API throttle on, and then reports RateLimit-* on
      // every answer (contract §6); the limit here is never reached, only the outage throttles.
      await gitlab.control("PUT", "/-/emulator/settings", { throttle: { enabled: true, requests: 1_000_000, periodSeconds: 60 } });
    }
    const before = await gitlab.lastSeq();
    await gitlab.setFaults({ outage: { status, durationMs: OUTAGE_MS, ...(status === 429 ? { retryAfterSeconds: 1 } : {}) } });

    const answers = await sendAll(run.scim, plan.changes);

    // Read before lifting the outage: the emulator's clock and the calls the bridge made meanwhile.
    const faults = (await gitlab.control("GET", "/-/emulator/faults")) as { outage?: { endsAt: string } };
    const clock = (await gitlab.control("GET", "/-/emulator/clock")) as { now: string };
    const duringOutage = await gitlab.requests(before);
    await gitlab.advanceClock(OUTAGE_MS);

    expect(failedAnswers(answers)).toEqual([]);
    expect(answers).toHaveLength(500);
    // Every SCIM answer arrived while the outage was still on (its end ahead on the emulator's clock).
    expect(Date.parse(clock.now)).toBeLessThan(Date.parse(faults.outage!.endsAt));
    // The bridge did try GitLab during the burst, and GitLab carried out none of it.
    expect(duringOutage.length).toBeGreaterThan(0);
    expect(duringOutage.filter((r) => r.fault !== "outage" || r.status !== status).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([]);

    await waitConverged(run);
    const users = await gitlab.users();
    const log = await gitlab.requests();
    const effects = effectsOf(log);
    expect(duplicateEffects(effects, plan, users, 1)).toEqual([]);
    // No create was repeated: the outage answered before GitLab did anything, so none needed repeating.
    expect(effects.createConflicts).toBe(0);

    expectNothingParked(await stopAndSummarise(run), plan.desired.length);
    expectDocumented(log);
  } finally {
    await run.close();
  }
}

export const OUTAGE_TEST_TIMEOUT_MS = 2 * CONVERGE_DEADLINE_MS + 120_000;
