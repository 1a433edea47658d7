/** `migrate`: brings the database schema up to date (the server also does this whenever it starts). */
import { migrate, readMigrations } from "../../db/migrator";
import { defineCommand } from "../command";

export const migrateCommand = defineCommand({
  name: "migrate",
  summary: "Apply pending database migrations",
  synopsis: "",
  optionHelp: [],
  options: {},
  parse: () => ({}),
  async run(ctx) {
    // Opening the database already migrates; this call reports and covers a server started earlier.
    const now = await migrate(ctx.db.sql, { useAdvisoryLock: ctx.db.kind === "postgres" });
    return { applied: [...ctx.appliedOnOpen, ...now], known: readMigrations().length, database: ctx.db.kind };
  },
  format(result, { json }) {
    if (json) return { stdout: `${JSON.stringify(result)}\n` };
    if (result.applied.length === 0) return { stdout: `The ${result.database} database is up to date (${result.known} migrations).\n` };
    return { stdout: `Applied ${result.applied.length} migration(s) to the ${result.database} database:\n${result.applied.map((name) => `  ${name}\n`).join("")}` };
  },
});
