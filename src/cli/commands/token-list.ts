/** `token list`: a connection's tokens by id and display prefix; never the token or its hash. */
import { listConnectionTokens } from "../../connections/token-admin";
import { defineCommand } from "../command";
import { requireString } from "../options";
import { formatTable, orDash } from "../table";

export const tokenListCommand = defineCommand({
  name: "token list",
  summary: "List a connection's tokens (id, prefix, label, created, last used, revoked)",
  synopsis: "--connection NAME",
  optionHelp: ["--connection NAME   the connection whose tokens to list"],
  options: { connection: { type: "string" } },
  parse: (values) => ({ connection: requireString(values, "connection") }),
  async run(ctx, args) {
    const tokens = await listConnectionTokens(ctx.db.prisma, args.connection);
    return tokens.map((t) => ({
      id: t.id,
      prefix: t.prefix,
      label: t.label,
      createdAt: t.createdAt.toISOString(),
      lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
      revokedAt: t.revokedAt?.toISOString() ?? null,
    }));
  },
  format(result, { json }) {
    if (json) return { stdout: `${JSON.stringify(result)}\n` };
    return {
      stdout: formatTable(
        ["ID", "PREFIX", "LABEL", "CREATED", "LAST USED", "REVOKED"],
        result.map((t) => [t.id, `${t.prefix}…`, orDash(t.label), t.createdAt, orDash(t.lastUsedAt), orDash(t.revokedAt)]),
      ),
    };
  },
});
