/**
 * `reconcile --full [--connection NAME] [--dry-run]`: a drift sweep now (src/reconcile/drift-sweep.ts):
 * GitLab's users are read and compared with what the IdP wants and what the bridge set, drifted users
 * are marked for a full pass, and every mapped GitLab group is marked for one (its pass lists the
 * members and repairs). It runs where the GitLab client is: inside the server through the control
 * socket, or, when the CLI opened the database itself (PostgreSQL, no server), with a client made from
 * GITLAB_URL and GITLAB_TOKEN. --dry-run reports what differs and marks nothing.
 */
import { requireConnectionByName } from "../../connections/connections";
import { GitLabError } from "../../gitlab/errors";
import type { ConnectionSweepReport, DriftSweepReport } from "../../reconcile/drift-sweep";
import { defineCommand, type JsonValue } from "../command";
import { CliError, UsageError } from "../errors";
import { optionalString } from "../options";

export const reconcileCommand = defineCommand({
  name: "reconcile",
  summary: "Run a drift sweep now: read GitLab's users and mapped groups and repair what drifted from the IdP (--dry-run: only report)",
  synopsis: "--full [--connection NAME] [--dry-run]",
  optionHelp: [
    "--full              read GitLab's actual state (users; every mapped group's members through its full pass)",
    "--connection NAME   only this connection",
    "--dry-run           report the differences found, mark nothing",
  ],
  options: { full: { type: "boolean" }, connection: { type: "string" }, "dry-run": { type: "boolean" } },
  parse(values) {
    if (values.full !== true) throw new UsageError("reconcile needs --full (changes from the IdP are reconciled as they arrive; --full also reads what GitLab actually holds)");
    return { connection: optionalString(values, "connection"), dryRun: values["dry-run"] === true };
  },
  async run(ctx, args) {
    const connectionId = args.connection === undefined ? undefined : (await requireConnectionByName(ctx.db.prisma, args.connection)).id;
    if (!ctx.driftSweep) {
      throw new CliError(1, "reconcile --full needs GitLab: run it while the bridge is running (it sweeps with its own GitLab client), or set GITLAB_URL and GITLAB_TOKEN");
    }
    let report: DriftSweepReport;
    try {
      report = await ctx.driftSweep({ connectionId, dryRun: args.dryRun, actor: ctx.actor });
    } catch (error) {
      if (error instanceof GitLabError) throw new CliError(1, `the drift sweep stopped: ${error.message}`);
      throw error;
    }
    // The marks are due now: inside the server, its workers take them at once.
    if (!args.dryRun) ctx.wake?.();
    return JSON.parse(JSON.stringify(report)) as { [key: string]: JsonValue };
  },
  format(result, { json }) {
    if (json) return { stdout: `${JSON.stringify(result)}\n` };
    const report = result as unknown as DriftSweepReport;
    const head = `Drift sweep ${report.sweepId}${report.dryRun ? " (dry run: nothing marked)" : ""}: read ${report.gitlabUsers} GitLab user(s).\n`;
    return { stdout: head + report.connections.map((c) => describe(c, report.dryRun)).join("") };
  },
});

function describe(c: ConnectionSweepReport, dryRun: boolean): string {
  if (c.skipped) return `Connection "${c.connection.name}": skipped: ${c.skipped}\n`;
  const marked = dryRun ? "would be marked" : "marked";
  let text = `Connection "${c.connection.name}": ${c.usersChecked} linked user(s) checked, ${c.userDrift.length} drifted; ${c.targetsMarked} GitLab group(s) ${marked} for a full pass\n`;
  for (const d of c.userDrift) {
    const who = `${d.userName} (GitLab user ${d.gitlabUserId}${d.gitlabUsername ? ` @${d.gitlabUsername}` : ""})`;
    const what = d.kind === "leaver_active" ? "a leaver whose GitLab account is active again" : "the linked GitLab account no longer exists";
    text += `  - ${who}: ${what}${dryRun ? "" : "; its next pass repairs it"}\n`;
  }
  for (const t of c.targets ?? []) {
    text += `  GitLab group ${t.fullPath}: ${t.missing} managed member(s) missing, ${t.levelDrift} at another level, ${t.unmanaged} unmanaged; a full pass would:\n`;
    text += t.plan.map((line) => `    - ${line}\n`).join("");
  }
  return text;
}
