/** `token create`: another bearer token for a connection (e.g. to rotate), shown this once. */
import { createConnectionToken } from "../../connections/token-admin";
import { defineCommand } from "../command";
import { optionalString, requireString } from "../options";
import { tokenOnceWarning } from "./token-warning";

export const tokenCreateCommand = defineCommand({
  name: "token create",
  summary: "Issue another bearer token for a connection (printed once)",
  synopsis: "--connection NAME [--label LABEL]",
  optionHelp: ["--connection NAME   the connection the token authenticates as", "--label LABEL       a note to recognise the token by, e.g. where it is used"],
  options: { connection: { type: "string" }, label: { type: "string" } },
  parse: (values) => ({ connection: requireString(values, "connection"), label: optionalString(values, "label") }),
  async run(ctx, args) {
    const issued = await createConnectionToken(ctx.db.prisma, { connectionName: args.connection, label: args.label, actor: ctx.actor });
    return { id: issued.id, connection: args.connection, prefix: issued.prefix, label: args.label ?? null, token: issued.token };
  },
  format(result, { json }) {
    const warning = tokenOnceWarning(result.connection, result.id);
    if (json) return { stdout: `${JSON.stringify(result)}\n`, stderr: warning };
    return { stdout: `Created token ${result.id} for connection "${result.connection}":\n\n  ${result.token}\n\n`, stderr: warning };
  },
});
