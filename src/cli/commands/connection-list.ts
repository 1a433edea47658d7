/** `connection list`: every IdP connection with its effective provisioning settings, without secrets. */
import { listConnections } from "../../connections/connections";
import type { ConnectionSettings } from "../../connections/settings";
import { defineCommand } from "../command";
import { SETTING_OPTIONS, settingValue } from "../settings-options";
import { formatTable } from "../table";

export const connectionListCommand = defineCommand({
  name: "connection list",
  summary: "List IdP connections and their provisioning settings",
  synopsis: "",
  optionHelp: [],
  options: {},
  parse: () => ({}),
  async run(ctx) {
    const connections = await listConnections(ctx.db.prisma);
    return connections.map((c) => ({
      id: c.id,
      name: c.name,
      idp: c.idp,
      createdAt: c.createdAt.toISOString(),
      activeTokens: c.activeTokens,
      settings: c.settings && { ...c.settings },
      settingsError: c.settingsError,
    }));
  },
  format(result, { json }) {
    if (json) return { stdout: `${JSON.stringify(result)}\n` };
    if (result.length === 0) return { stdout: "No connections yet; create one with `connection create --name NAME --idp entra|okta|generic`.\n" };
    const invalid = result.filter((c) => c.settingsError !== null);
    return {
      stdout:
        formatTable(
          ["NAME", "IDP", "ACTIVE TOKENS", ...SETTING_OPTIONS.map((s) => s.option.toUpperCase()), "CREATED", "ID"],
          result.map((c) => [
            c.name,
            c.idp,
            String(c.activeTokens),
            ...SETTING_OPTIONS.map((s) => (c.settings ? settingValue(c.settings as unknown as ConnectionSettings, s.key) : "invalid")),
            c.createdAt,
            c.id,
          ]),
        ) + invalid.map((c) => `Connection "${c.name}" has invalid stored settings: ${c.settingsError}\n`).join(""),
    };
  },
});
