/** `connection list`: every IdP connection, without secrets. */
import { listConnections } from "../../connections/connections";
import { defineCommand } from "../command";
import { formatTable } from "../table";

export const connectionListCommand = defineCommand({
  name: "connection list",
  summary: "List IdP connections",
  synopsis: "",
  optionHelp: [],
  options: {},
  parse: () => ({}),
  async run(ctx) {
    const connections = await listConnections(ctx.db.prisma);
    return connections.map((c) => ({ id: c.id, name: c.name, idp: c.idp, createdAt: c.createdAt.toISOString(), activeTokens: c.activeTokens }));
  },
  format(result, { json }) {
    if (json) return { stdout: `${JSON.stringify(result)}\n` };
    if (result.length === 0) return { stdout: "No connections yet; create one with `connection create --name NAME --idp entra|okta|generic`.\n" };
    return {
      stdout: formatTable(
        ["NAME", "IDP", "ACTIVE TOKENS", "CREATED", "ID"],
        result.map((c) => [c.name, c.idp, String(c.activeTokens), c.createdAt, c.id]),
      ),
    };
  },
});
