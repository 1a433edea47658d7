/**
 * `mapping remove`: deletes a rule. The GitLab group's pass then removes the memberships the bridge
 * manages that no other rule grants (the mass-change guard holds a pass that would remove too many).
 */
import { removeMapping } from "../../provisioning/group-mappings";
import { defineCommand } from "../command";
import { requireString } from "../options";
import { describeMapping, mappingJson } from "./mapping-format";

export const mappingRemoveCommand = defineCommand({
  name: "mapping remove",
  summary: "Remove a mapping; the memberships only it granted are removed from the GitLab group",
  synopsis: "--id ID",
  optionHelp: ["--id ID             the mapping (its id or a unique start of it, see `mapping list`)"],
  options: { id: { type: "string" } },
  parse: (values) => ({ id: requireString(values, "id") }),
  async run(ctx, args) {
    const mapping = await removeMapping(ctx.db.direct, args.id, ctx.actor, new Date());
    ctx.wake?.();
    return { mapping: mappingJson(mapping) };
  },
  format(result, { json }) {
    if (json) return { stdout: `${JSON.stringify(result)}\n` };
    const m = result.mapping;
    return { stdout: `Removed mapping ${m.id}: ${describeMapping(m)}. The memberships only it granted are removed from GitLab next.\n` };
  },
});
