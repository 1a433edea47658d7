/** `mapping update`: changes a rule's access level, expiry or authoritative mode; the GitLab group's pass applies it. */
import { ACCESS_LEVELS, ACCESS_NAMES } from "../../provisioning/access-levels";
import { updateMapping, type MappingChange } from "../../provisioning/group-mappings";
import { defineCommand } from "../command";
import { UsageError } from "../errors";
import { requireChoice, requireString } from "../options";
import { describeMapping, expiresInDaysOption, mappingJson } from "./mapping-format";

export const mappingUpdateCommand = defineCommand({
  name: "mapping update",
  summary: "Change a mapping's access level, expiry or authoritative mode",
  synopsis: `--id ID [--access ${ACCESS_NAMES.join("|")}] [--expires-in-days N|--no-expiry] [--authoritative|--no-authoritative]`,
  optionHelp: [
    "--id ID                              the mapping (its id or a unique start of it, see `mapping list`)",
    `--access LEVEL                       ${ACCESS_NAMES.join(", ")}`,
    "--expires-in-days N | --no-expiry    memberships expire N days after they are added, or never",
    "--authoritative | --no-authoritative remove members the bridge did not add, or leave them",
  ],
  options: { id: { type: "string" }, access: { type: "string" }, "expires-in-days": { type: "string" }, expiry: { type: "boolean" }, authoritative: { type: "boolean" } },
  parse(values) {
    const id = requireString(values, "id");
    const change: MappingChange = {};
    if (values.access !== undefined) change.accessLevel = ACCESS_LEVELS[requireChoice(values, "access", ACCESS_NAMES)];
    const days = expiresInDaysOption(values);
    if (values.expiry === true) throw new UsageError("--expiry is not an option: give --expires-in-days N or --no-expiry");
    if (days !== undefined && values.expiry === false) throw new UsageError("give either --expires-in-days N or --no-expiry, not both");
    if (days !== undefined) change.expiresInDays = days;
    if (values.expiry === false) change.expiresInDays = null;
    if (typeof values.authoritative === "boolean") change.authoritative = values.authoritative;
    if (Object.keys(change).length === 0) throw new UsageError("nothing to change: give at least one of --access, --expires-in-days, --no-expiry, --authoritative, --no-authoritative");
    return { id, change };
  },
  async run(ctx, args) {
    const { mapping, changed } = await updateMapping(ctx.db.direct, args.id, args.change, ctx.actor, new Date());
    if (changed) ctx.wake?.();
    return { changed, mapping: mappingJson(mapping) };
  },
  format(result, { json }) {
    if (json) return { stdout: `${JSON.stringify(result)}\n` };
    const m = result.mapping;
    return { stdout: result.changed ? `Updated mapping ${m.id}: ${describeMapping(m)}.\n` : `Mapping ${m.id} already says so: ${describeMapping(m)}; nothing changed.\n` };
  },
});
