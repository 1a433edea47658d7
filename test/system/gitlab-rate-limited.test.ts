/**
 * Issue 10: GitLab rate limiting (Rack::Attack's 429 with Retry-After, contract §6) for ten minutes of the
 * emulator's clock during a burst of 500 SCIM changes. The flow and its assertions are in outage.ts.
 */
import { OUTAGE_TEST_TIMEOUT_MS, runOutageScenario } from "./outage";

test(
  "GitLab throttles every call (429, Retry-After) for ten minutes during a burst of 500 SCIM changes: every SCIM request answers 2xx meanwhile, nothing is lost or parked, GitLab converges with one effect per change",
  () => runOutageScenario(429),
  OUTAGE_TEST_TIMEOUT_MS,
);
