/**
 * `plan`: what the reconcilers would do in GitLab for every subject waiting to be reconciled, made
 * offline (no GitLab call). With DRY_RUN or a connection's dryRun, this is what they hold back.
 */
import type { JsonValue } from "../command";
import { defineCommand } from "../command";
import { describePlan, planDirtySubjects } from "../../reconcile/dirty-plans";
import { optionalString } from "../options";

export const planCommand = defineCommand({
  name: "plan",
  summary: "Print the GitLab changes the reconcilers would make for every subject waiting to be reconciled (no GitLab calls)",
  synopsis: "[--connection NAME]",
  optionHelp: ["--connection NAME   only this connection's subjects"],
  options: { connection: { type: "string" } },
  parse: (values) => ({ connection: optionalString(values, "connection") }),
  async run(ctx, args) {
    const plans = await planDirtySubjects(ctx.db, { connectionName: args.connection });
    return JSON.parse(JSON.stringify(plans)) as JsonValue[];
  },
  format(result, { json }) {
    if (json) return { stdout: `${JSON.stringify(result)}\n` };
    const plans = result as unknown as Awaited<ReturnType<typeof planDirtySubjects>>;
    if (plans.length === 0) return { stdout: "Nothing to reconcile: every subject is in sync with its last change.\n" };
    const blocks = plans.map((p) => {
      const state = p.held ? "held by dry run" : p.queueState;
      const head = `${p.connection}  ${p.subjectType} ${p.name ?? p.subjectId} (${p.subjectId})  [${state}]${p.lastError ? `  last error: ${p.lastError}` : ""}`;
      return [head, ...describePlan(p.plan).map((line) => `  - ${line}`)].join("\n");
    });
    return { stdout: `${blocks.join("\n")}\n` };
  },
});
