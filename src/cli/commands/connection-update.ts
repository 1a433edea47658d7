/** `connection update`: changes a connection's provisioning settings and prints the effective ones. */
import { updateConnectionSettings } from "../../connections/connection-settings-update";
import type { ConnectionSettings } from "../../connections/settings";
import { defineCommand } from "../command";
import { UsageError } from "../errors";
import { requireString } from "../options";
import { BOOLEAN_SETTING, SETTING_OPTIONS, settingsChangeOf, settingsOptionHelp, settingsParseOptions, settingValue } from "../settings-options";
import { formatTable } from "../table";

export const connectionUpdateCommand = defineCommand({
  name: "connection update",
  summary: "Change a connection's provisioning settings (deprovisioning policy, linking, creating, dry run)",
  synopsis: `--name NAME ${SETTING_OPTIONS.map((s) => `[--${s.option}${s.choices ? ` ${s.choices.join("|")}` : BOOLEAN_SETTING(s.key) ? "" : ` ${s.valueName ?? "NAME"}`}]`).join(" ")}`,
  optionHelp: ["--name NAME".padEnd(46) + "the connection to change", ...settingsOptionHelp()],
  options: { name: { type: "string" }, ...settingsParseOptions() },
  parse(values) {
    const name = requireString(values, "name");
    const change = settingsChangeOf(values);
    if (Object.keys(change).length === 0) {
      throw new UsageError(`nothing to change: give at least one of ${SETTING_OPTIONS.map((s) => `--${s.option}`).join(", ")}`);
    }
    return { name, change };
  },
  async run(ctx, args) {
    const settings = await updateConnectionSettings(ctx.db.prisma, args.name, args.change, ctx.actor);
    // Turning dry run off (or creating users on) leaves waiting work to do now.
    ctx.wake?.();
    return { name: args.name, settings: { ...settings } };
  },
  format(result, { json }) {
    if (json) return { stdout: `${JSON.stringify(result)}\n` };
    const settings = result.settings as unknown as ConnectionSettings;
    return {
      stdout: `Settings of connection "${result.name}":\n` + indent(formatTable(["SETTING", "VALUE"], SETTING_OPTIONS.map((s) => [s.option, settingValue(settings, s.key)]))),
    };
  },
});

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, "  ");
}
