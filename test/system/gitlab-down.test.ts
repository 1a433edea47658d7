/**
 * Issue 10: GitLab down (503 for ten minutes of the emulator's clock) during a burst of 500 SCIM changes.
 * The flow and its assertions are in outage.ts.
 */
import { OUTAGE_TEST_TIMEOUT_MS, runOutageScenario } from "./outage";

test(
  "GitLab answers 503 for ten minutes during a burst of 500 SCIM changes: every SCIM request answers 2xx while GitLab is down, nothing is lost or parked, GitLab converges with one effect per change",
  () => runOutageScenario(503),
  OUTAGE_TEST_TIMEOUT_MS,
);
