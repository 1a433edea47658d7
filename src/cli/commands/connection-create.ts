/** `connection create`: a new IdP connection and its first bearer token, shown this once. */
import { createConnection, IDP_KINDS } from "../../connections/connections";
import { defineCommand } from "../command";
import { requireChoice, requireString } from "../options";
import { tokenOnceWarning } from "./token-warning";

export const connectionCreateCommand = defineCommand({
  name: "connection create",
  summary: "Create an IdP connection and print its bearer token (once)",
  synopsis: `--name NAME --idp ${IDP_KINDS.join("|")}`,
  optionHelp: [
    "--name NAME    connection name: 1-63 letters, digits, '.', '_' or '-'",
    `--idp KIND     the identity provider's SCIM dialect: ${IDP_KINDS.join(", ")}`,
  ],
  options: { name: { type: "string" }, idp: { type: "string" } },
  parse: (values) => ({ name: requireString(values, "name"), idp: requireChoice(values, "idp", IDP_KINDS) }),
  async run(ctx, args) {
    const created = await createConnection(ctx.db.prisma, { name: args.name, idp: args.idp, actor: ctx.actor });
    return {
      id: created.id,
      name: created.name,
      idp: created.idp,
      createdAt: created.createdAt.toISOString(),
      tokenId: created.token.id,
      tokenPrefix: created.token.prefix,
      token: created.token.token,
    };
  },
  format(result, { json }) {
    const warning = tokenOnceWarning(result.name, result.tokenId);
    if (json) return { stdout: `${JSON.stringify(result)}\n`, stderr: warning };
    return {
      stdout:
        `Created connection "${result.name}" (idp ${result.idp}, id ${result.id}).\n` +
        `SCIM bearer token:\n\n  ${result.token}\n\n`,
      stderr: warning,
    };
  },
});
