/**
 * Issue 10 §8 dry run: a connection in dry run (or DRY_RUN=true) makes no GitLab call; each pass
 * records its plan as a "gitlab.plan" audit event and the subject waits (held, not done), so turning
 * dry run off carries out what was planned. The CLI `plan` prints the plan of every waiting subject,
 * offline.
 */
import crypto from "node:crypto";
import { findCommand } from "../../src/cli/commands/index";
import * as queue from "../../src/reconcile/queue";
import { startReconcilingBridge, type ReconcilingBridge } from "../helpers/reconciling-bridge";
import { PATCH_OP, scimClient, userBody } from "../scim/scim-client";
import { auditOf, callLines, gitlabCalls, gitlabUserByIdentity, lastSeq, linkOf } from "./helpers/gitlab-view";

const unique = (prefix: string) => `${prefix}${crypto.randomBytes(3).toString("hex")}`;

async function runPlan(bridge: ReconcilingBridge, values: Record<string, string | boolean | undefined>) {
  const command = findCommand("plan")!;
  const result = await command.run({ db: bridge.db, actor: "test", appliedOnOpen: [] }, command.parse(values));
  return { result: result as any[], text: command.format(result, { json: false }).stdout };
}

describe("a connection in dry run", () => {
  let bridge: ReconcilingBridge;
  beforeAll(async () => {
    bridge = await startReconcilingBridge({ settings: { dryRun: true } });
  });
  afterAll(() => bridge?.close());

  test("records the plan, calls nothing, holds the user; `plan` prints it; ending dry run carries it out", async () => {
    const scim = scimClient(bridge);
    const local = unique("dry");
    const externalId = unique("ext-");
    const since = await lastSeq(bridge);
    const res = await scim("post", "/Users", userBody(`${local}@example.com`, { externalId, displayName: "Dry Run" }));
    const id = res.body.id as string;
    await bridge.quiet();
    expect(callLines(await gitlabCalls(bridge, since))).toEqual([]);
    const audit = await auditOf(bridge, id);
    expect(audit.map((a) => a.action)).toEqual(["gitlab.plan"]);
    expect(audit[0]).toMatchObject({ requestId: res.headers["x-request-id"], details: { dryRun: "connection", plan: { kind: "apply", ops: [{ op: "create", username: local, email: `${local}@example.com` }] } } });
    expect(await queue.findItem(bridge.db.direct, { subjectType: "user", subjectId: id })).toMatchObject({ state: "pending", nextAttemptAt: null, attempts: 0 });
    expect(await linkOf(bridge, id)).toMatchObject({ syncState: "pending", lastError: null, gitlabUserId: null });

    // A change while held is planned again (the latest desired state), still without calls.
    await scim("patch", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "Dry Run 2" }] });
    await bridge.quiet();
    expect(callLines(await gitlabCalls(bridge, since))).toEqual([]);

    const { result, text } = await runPlan(bridge, { connection: "test" });
    expect(result).toEqual([expect.objectContaining({ subjectId: id, name: `${local}@example.com`, held: true, plan: expect.objectContaining({ kind: "apply" }) })]);
    expect(text).toContain(`create GitLab user @${local} "Dry Run 2" <${local}@example.com> with identity saml/${externalId} (links instead if GitLab already holds that identity, email or username)`);
    expect(text).toContain("[held by dry run]");
    expect((await runPlan(bridge, { connection: "nobody" })).text).toContain("Nothing to reconcile");

    await bridge.updateSettings({ dryRun: false });
    await bridge.quiet();
    expect(callLines(await gitlabCalls(bridge, since))).toEqual(["POST /api/v4/users"]);
    expect(await gitlabUserByIdentity(bridge, externalId)).toMatchObject({ username: local, name: "Dry Run 2" });
    expect(await linkOf(bridge, id)).toMatchObject({ syncState: "synced", linkedBy: "created" });
    expect((await runPlan(bridge, {})).result).toEqual([]);
  });
});

test("DRY_RUN=true: every connection plans only, whatever its own setting", async () => {
  const bridge = await startReconcilingBridge({ env: { DRY_RUN: "true" } });
  try {
    const since = await lastSeq(bridge);
    const res = await scimClient(bridge)("post", "/Users", userBody(`${unique("envdry")}@example.com`, { externalId: unique("ext-") }));
    await bridge.quiet();
    expect(callLines(await gitlabCalls(bridge, since))).toEqual([]);
    expect((await auditOf(bridge, res.body.id)).map((a) => [a.action, a.details.dryRun])).toEqual([["gitlab.plan", "DRY_RUN"]]);
  } finally {
    await bridge.close();
  }
});
