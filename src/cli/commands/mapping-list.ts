/** `mapping list`: the rules, with each GitLab group's sync state, managed members and conflicts. */
import { requireConnectionByName } from "../../connections/connections";
import { listMappings } from "../../provisioning/group-mappings";
import { defineCommand } from "../command";
import { optionalString } from "../options";
import { formatTable, orDash } from "../table";
import { mappingJson, matchText } from "./mapping-format";

export const mappingListCommand = defineCommand({
  name: "mapping list",
  summary: "List mappings with their GitLab group's sync state, managed members and conflicts",
  synopsis: "[--connection NAME]",
  optionHelp: ["--connection NAME   only this connection's mappings"],
  options: { connection: { type: "string" } },
  parse: (values) => ({ connection: optionalString(values, "connection") }),
  async run(ctx, args) {
    const connectionId = args.connection === undefined ? undefined : (await requireConnectionByName(ctx.db.prisma, args.connection)).id;
    const rows = await listMappings(ctx.db.direct, { connectionId });
    return {
      mappings: rows.map((r) => ({
        ...mappingJson(r),
        connection: r.connection,
        scimGroups: r.scimGroups,
        scimGroupName: r.scimGroupName,
        gitlabGroupId: r.gitlabGroupId,
        syncState: r.syncState,
        lastError: r.lastError,
        lastSyncedAt: r.lastSyncedAt === null ? null : new Date(r.lastSyncedAt).toISOString(),
        managedMembers: r.managedMembers,
        conflicts: r.conflicts,
        unmanagedMembers: r.unmanagedMembers,
      })),
    };
  },
  format(result, { json }) {
    if (json) return { stdout: `${JSON.stringify(result)}\n` };
    const mappings = result.mappings;
    if (mappings.length === 0) return { stdout: "No mappings. Add one with `mapping add`.\n" };
    const rows = mappings.map((m) => [
      m.id,
      m.connection,
      m.matchBy === "scimGroupId" ? `unmapped group "${orDash(m.scimGroupName)}"` : matchText(m as { matchBy: "displayName" | "externalId"; matchValue: string }),
      String(m.scimGroups),
      m.gitlabGroup,
      m.access + (m.expiresInDays !== null ? ` (${m.expiresInDays}d)` : "") + (m.authoritative ? " authoritative" : ""),
      m.syncState,
      String(m.managedMembers),
      String(m.conflicts),
      m.unmanagedMembers === null ? "-" : String(m.unmanagedMembers),
      orDash(m.lastError),
    ]);
    return { stdout: formatTable(["ID", "CONNECTION", "SCIM GROUPS", "MATCHING", "GITLAB GROUP", "ACCESS", "SYNC", "MANAGED", "CONFLICTS", "UNMANAGED", "LAST ERROR"], rows) };
  },
});
