/** `token revoke`: the token is refused from the next request on. Revoking twice is not an error. */
import { revokeConnectionToken } from "../../connections/token-admin";
import { defineCommand } from "../command";
import { requireString } from "../options";

export const tokenRevokeCommand = defineCommand({
  name: "token revoke",
  summary: "Revoke a connection's token at once",
  synopsis: "--connection NAME --token-id ID",
  optionHelp: ["--connection NAME   the connection the token belongs to", "--token-id ID       the token's id, as shown by `token list`"],
  options: { connection: { type: "string" }, "token-id": { type: "string" } },
  parse: (values) => ({ connection: requireString(values, "connection"), tokenId: requireString(values, "token-id") }),
  async run(ctx, args) {
    const revoked = await revokeConnectionToken(ctx.db.prisma, { connectionName: args.connection, tokenId: args.tokenId, actor: ctx.actor });
    return { id: revoked.id, connection: args.connection, prefix: revoked.prefix, revokedAt: revoked.revokedAt?.toISOString() ?? null, changed: revoked.changed };
  },
  format(result, { json }) {
    if (json) return { stdout: `${JSON.stringify(result)}\n` };
    const what = `token ${result.id} (${result.prefix}…) of connection "${result.connection}"`;
    return {
      stdout: result.changed
        ? `Revoked ${what}; SCIM requests with it are refused from now on.\n`
        : `The ${what} was already revoked at ${result.revokedAt}.\n`,
    };
  },
});
