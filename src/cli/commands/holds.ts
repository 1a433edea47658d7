/**
 * `holds [--connection NAME] [--all]`: the mass-change guard's holds (src/reconcile/holds.ts), held
 * ones unless --all, newest first: what would have happened, how many subjects wait, and the command
 * that decides it.
 */
import { requireConnectionByName } from "../../connections/connections";
import { listHolds, type ListedHold } from "../../reconcile/holds";
import { defineCommand, type JsonValue } from "../command";
import { optionalString } from "../options";
import { formatTable, orDash } from "../table";

export const holdsCommand = defineCommand({
  name: "holds",
  summary: "List the mass-change guard's holds: passes stopped before removing memberships or blocking users, waiting for approve or discard",
  synopsis: "[--connection NAME] [--all]",
  optionHelp: ["--connection NAME   only this connection's holds", "--all               decided holds too (approved, discarded)"],
  options: { connection: { type: "string" }, all: { type: "boolean" } },
  parse: (values) => ({ connection: optionalString(values, "connection"), all: values.all === true }),
  async run(ctx, args) {
    const connectionId = args.connection === undefined ? undefined : (await requireConnectionByName(ctx.db.prisma, args.connection)).id;
    const holds = await listHolds(ctx.db.direct, { connectionId, all: args.all });
    return { holds: JSON.parse(JSON.stringify(holds)) as JsonValue[], all: args.all };
  },
  format(result, { json }) {
    if (json) return { stdout: `${JSON.stringify(result)}\n` };
    const holds = result.holds as unknown as ListedHold[];
    if (holds.length === 0) return { stdout: result.all ? "No holds.\n" : "No holds are waiting for a decision.\n" };
    const table = formatTable(
      ["HOLD", "CONNECTION", "KIND", "STATE", "WAITING", "CREATED", "DECIDED", "SUMMARY"],
      holds.map((h) => [h.id, h.connectionName, h.kind, h.state, String(h.waiting), String(h.createdAt), h.decidedBy ? `${h.decidedBy} ${orDash(h.decidedAt as unknown as string)}` : "-", h.summary]),
    );
    const held = holds.some((h) => h.state === "held");
    return { stdout: table + (held ? "Decide one: gitlab-scim-bridge approve HOLD_ID (the held passes run) or discard HOLD_ID (they are parked).\n" : "") };
  },
});
