/**
 * The command line: picks the command, parses its options with node:util parseArgs, runs it where the
 * database is (see execute.ts) and prints the result. Every expected failure is one sentence on
 * stderr with exit code 2 (usage) or 1 (the command failed); tokens are printed only as a result.
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import type { AnyCommand, OptionValues } from "./command";
import { COMMANDS } from "./commands";
import { asCliError, UsageError } from "./errors";
import { executeCommand } from "./execute";

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const PROGRAM = "gitlab-scim-bridge";
const COMMON_OPTIONS = { json: { type: "boolean" }, help: { type: "boolean", short: "h" } } as const;

export async function runCli(argv: string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  try {
    const selected = selectCommand(argv);
    if ("help" in selected) {
      io.stdout(selected.help);
      return 0;
    }
    const { command, rest } = selected;
    const values = parseOptions(command, rest);
    if (values.help) {
      io.stdout(commandHelp(command));
      return 0;
    }
    const json = values.json === true;
    delete values.help;
    delete values.json;
    command.parse(values); // usage errors before touching any database
    const result = await executeCommand(command, values, loadConfig(env));
    const output = command.format(result, { json });
    io.stdout(output.stdout);
    if (output.stderr) io.stderr(output.stderr);
    return 0;
  } catch (error) {
    const expected = asCliError(error);
    if (expected) {
      io.stderr(`${PROGRAM}: ${expected.message}\n`);
      return expected.exitCode;
    }
    io.stderr(`${PROGRAM}: unexpected error (a bug; please report it): ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}

function selectCommand(argv: string[]): { command: AnyCommand; rest: string[] } | { help: string } {
  if (argv.length === 0) throw new UsageError(`a command is required; see \`${PROGRAM} --help\``);
  if (argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") return { help: overallHelp() };
  for (const command of COMMANDS) {
    const words = command.name.split(" ");
    if (words.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(words.length) };
  }
  const group = COMMANDS.filter((command) => command.name.startsWith(`${argv[0]} `));
  if (group.length === 0) throw new UsageError(`"${argv[0]}" is not a command; see \`${PROGRAM} --help\``);
  if (argv[1] === undefined || argv[1] === "--help" || argv[1] === "-h") {
    if (argv[1] !== undefined) return { help: overallHelp(group) };
    throw new UsageError(`"${argv[0]}" needs a subcommand: ${group.map((c) => c.name.split(" ")[1]).join(", ")}`);
  }
  throw new UsageError(`"${argv[0]} ${argv[1]}" is not a command; "${argv[0]}" has ${group.map((c) => c.name.split(" ")[1]).join(", ")}`);
}

function parseOptions(command: AnyCommand, rest: string[]): OptionValues {
  try {
    // allowNegative: every boolean option also has its --no- form (--no-revoke-tokens).
    const { values, positionals } = parseArgs({ args: rest, options: { ...command.options, ...COMMON_OPTIONS }, strict: true, allowPositionals: command.positional !== undefined, allowNegative: true });
    if (positionals.length > 1) throw new UsageError(`${command.name} takes one ${command.positional!.toUpperCase()}, got ${positionals.length}: ${positionals.join(" ")}`);
    const parsed = { ...values } as OptionValues;
    if (positionals.length === 1) parsed[command.positional!] = positionals[0];
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes; their first sentence is the useful part.
    const message = (error as Error).message.split(". ")[0].replace(/\.$/, "");
    throw new UsageError(`${message}; see \`${PROGRAM} ${command.name} --help\``);
  }
}

function overallHelp(commands: readonly AnyCommand[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return (
    `Usage: ${PROGRAM} <command> [options]\n\nCommands:\n` +
    commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}\n`).join("") +
    `\nEvery command accepts --json (machine-readable output) and --help.\n` +
    `Run \`${PROGRAM} <command> --help\` for its options.\n\n` +
    ENVIRONMENT_HELP
  );
}

function commandHelp(command: AnyCommand): string {
  return (
    `Usage: ${PROGRAM} ${command.name}${command.synopsis ? ` ${command.synopsis}` : ""} [--json]\n\n${command.summary}.\n\nOptions:\n` +
    [...command.optionHelp, "--json              print the result as JSON", "--help              show this help"].map((line) => `  ${line}\n`).join("") +
    `\n${ENVIRONMENT_HELP}`
  );
}

const ENVIRONMENT_HELP =
  "Environment:\n" +
  "  DATA_DIR       embedded PGlite database directory (default ./data). While a server runs on it,\n" +
  "                 commands run inside that server through its control socket DATA_DIR/control.sock.\n" +
  "  DATABASE_URL   postgres://… to use PostgreSQL instead (opened directly).\n";
