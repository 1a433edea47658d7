/**
 * `mapping add`: a rule that makes the members of matching SCIM groups members of a GitLab group at an
 * access level (issue 11 item 1). The rule may come before the IdP pushes the group (matched on arrival).
 */
import { requireConnectionByName } from "../../connections/connections";
import { ACCESS_LEVELS, ACCESS_NAMES, type AccessName } from "../../provisioning/access-levels";
import { addMapping, type ScimGroupMatch } from "../../provisioning/group-mappings";
import { defineCommand } from "../command";
import { UsageError } from "../errors";
import { optionalString, requireChoice, requireString } from "../options";
import { describeMapping, expiresInDaysOption, mappingJson } from "./mapping-format";

interface Args {
  connection: string;
  match: ScimGroupMatch;
  fullPath: string;
  access: AccessName;
  expiresInDays: number | null;
  authoritative: boolean;
}

export const mappingAddCommand = defineCommand({
  name: "mapping add",
  summary: "Map SCIM groups (by displayName or externalId) to a GitLab group at an access level",
  synopsis: `--connection NAME (--scim-group DISPLAYNAME | --scim-group-external-id ID) --gitlab-group FULL/PATH --access ${ACCESS_NAMES.join("|")} [--expires-in-days N] [--authoritative]`,
  optionHelp: [
    "--connection NAME                 the IdP connection whose SCIM groups the rule matches",
    "--scim-group DISPLAYNAME          match SCIM groups by displayName (case-insensitive)",
    "--scim-group-external-id ID       match SCIM groups by externalId (exact)",
    "--gitlab-group FULL/PATH          the GitLab group's full path, e.g. acme/platform",
    `--access LEVEL                    ${ACCESS_NAMES.join(", ")}`,
    "--expires-in-days N               memberships the rule grants expire N days after they are added",
    "--authoritative                   also remove members of the GitLab group that the bridge did not add",
  ],
  options: {
    connection: { type: "string" },
    "scim-group": { type: "string" },
    "scim-group-external-id": { type: "string" },
    "gitlab-group": { type: "string" },
    access: { type: "string" },
    "expires-in-days": { type: "string" },
    authoritative: { type: "boolean" },
  },
  parse(values): Args {
    const connection = requireString(values, "connection");
    const displayName = optionalString(values, "scim-group");
    const externalId = optionalString(values, "scim-group-external-id");
    if ((displayName === undefined) === (externalId === undefined)) {
      throw new UsageError("give exactly one of --scim-group DISPLAYNAME or --scim-group-external-id ID");
    }
    const match: ScimGroupMatch = displayName !== undefined ? { by: "displayName", displayName } : { by: "externalId", externalId: externalId! };
    return {
      connection,
      match,
      fullPath: requireString(values, "gitlab-group").replace(/^\/+|\/+$/g, ""),
      access: requireChoice(values, "access", ACCESS_NAMES),
      expiresInDays: expiresInDaysOption(values) ?? null,
      authoritative: values.authoritative === true,
    };
  },
  async run(ctx, args) {
    const connection = await requireConnectionByName(ctx.db.prisma, args.connection);
    const mapping = await addMapping(
      ctx.db.direct,
      { connectionId: connection.id, match: args.match, fullPath: args.fullPath, accessLevel: ACCESS_LEVELS[args.access], expiresInDays: args.expiresInDays, authoritative: args.authoritative },
      ctx.actor,
      new Date(),
    );
    ctx.wake?.();
    return { connection: connection.name, mapping: mappingJson(mapping) };
  },
  format(result, { json }) {
    if (json) return { stdout: `${JSON.stringify(result)}\n` };
    return { stdout: `Added mapping ${result.mapping.id} to connection "${result.connection}": ${describeMapping(result.mapping)}.\n` };
  },
});
