/**
 * `status`: per connection, the reconcile queue by state, the users and the GitLab groups by sync
 * state, the mass-change holds waiting for a decision, and the parked subjects (newest error first, at
 * most --limit of them, with the total) — what to look at before `retry`, `approve` or `discard`.
 */
import { listConnections, requireConnectionByName } from "../../connections/connections";
import { reconcileStatus, type ConnectionReconcileStatus } from "../../reconcile/reconcile-status";
import { QUEUE_STATES } from "../../reconcile/queue";
import { SYNC_STATES } from "../../reconcile/reconcile-status";
import { defineCommand, type JsonValue } from "../command";
import { UsageError } from "../errors";
import { optionalString } from "../options";
import { formatTable, orDash } from "../table";

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

export const statusCommand = defineCommand({
  name: "status",
  summary: "Show reconcile progress per connection: queue states, users' GitLab sync states, parked subjects and their errors",
  synopsis: "[--connection NAME] [--limit N]",
  optionHelp: ["--connection NAME   only this connection", `--limit N           parked subjects shown per connection, newest first (1-${MAX_LIMIT}, default ${DEFAULT_LIMIT})`],
  options: { connection: { type: "string" }, limit: { type: "string" } },
  parse(values) {
    const limit = optionalString(values, "limit");
    if (limit !== undefined && (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT)) {
      throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}, got "${limit}"`);
    }
    return { connection: optionalString(values, "connection"), limit: limit === undefined ? DEFAULT_LIMIT : Number(limit) };
  },
  async run(ctx, args) {
    const connections = args.connection ? [await requireConnectionByName(ctx.db.prisma, args.connection)] : await listConnections(ctx.db.prisma);
    const statuses: ConnectionReconcileStatus[] = [];
    for (const c of connections) statuses.push(await reconcileStatus(ctx.db, { id: c.id, name: c.name }, args.limit));
    return { connections: statuses as unknown as JsonValue[] };
  },
  format(result, { json }) {
    if (json) return { stdout: `${JSON.stringify(result)}\n` };
    const statuses = result.connections as unknown as ConnectionReconcileStatus[];
    if (statuses.length === 0) return { stdout: "No connections yet; create one with `connection create --name NAME --idp entra|okta|generic`.\n" };
    return { stdout: statuses.map(describe).join("\n") };
  },
});

function describe(s: ConnectionReconcileStatus): string {
  const counts = <K extends string>(keys: readonly K[], values: Record<K, number>) => keys.map((k) => `${k} ${values[k]}`).join("  ");
  let text = `Connection "${s.connection.name}"\n  queue:  ${counts(QUEUE_STATES, s.queue)}\n  users:  ${counts(SYNC_STATES, s.users)}\n`;
  text += `  gitlab groups: ${counts(SYNC_STATES, s.gitlabGroups)}\n`;
  for (const h of s.holds) {
    text += `  held:   ${h.id} ${h.kind}: ${h.summary} (${h.waiting} waiting; approve ${h.id} | discard ${h.id})\n`;
  }
  if (s.parked.total === 0) return `${text}  parked: none\n`;
  text += `  parked: ${s.parked.total}${s.parked.total > s.parked.subjects.length ? ` (the ${s.parked.subjects.length} newest shown; --limit N shows more)` : ""}\n`;
  const table = formatTable(
    ["SUBJECT", "SCIM NAME", "GITLAB USER", "REASON", "ATTEMPTS", "LAST ERROR AT", "LAST ERROR"],
    s.parked.subjects.map((p) => [
      `${p.subjectType} ${p.subjectId}`,
      `${orDash(p.name)}${p.deleted ? " (deleted)" : ""}`,
      p.gitlabUserId === null ? "-" : `${p.gitlabUserId} ${orDash(p.gitlabUsername)}`,
      orDash(p.parkedReason),
      String(p.attempts),
      orDash(p.lastErrorAt),
      oneLine(p.lastError),
    ]),
  );
  return `${text}${table.replace(/^/gm, "    ").replace(/ +$/, "")}  retry them: gitlab-scim-bridge retry --all-failed --connection ${s.connection.name}\n`;
}

/** An error may span lines (GitLab's message); a table row may not. */
function oneLine(error: string | null): string {
  return error === null ? "-" : error.replace(/\s+/g, " ");
}
