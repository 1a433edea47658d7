/**
 * What a CLI command is. One implementation serves every process that may run it: the CLI parses
 * the command line into `values`, and whichever process owns the database (the CLI itself, or the
 * running server through its control socket) calls `parse` and `run` with its own database. `run`
 * returns a plain JSON value, so the result crosses the socket unchanged; the CLI formats it.
 */
import type { ParseArgsConfig } from "node:util";
import type { Database } from "../db/database";
import type { DriftSweepReport, DriftSweepRequest } from "../reconcile/drift-sweep";

/** Option values as node:util parseArgs returns them (and as they travel over the control socket). */
export type OptionValues = Record<string, string | boolean | undefined>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface CommandContext {
  db: Database;
  /** Audit actor of the change. */
  actor: string;
  /** Migrations applied when this process opened the database for this command (none via the server). */
  appliedOnOpen: string[];
  /**
   * Wakes this process's reconcile workers (work was made due, e.g. by `retry`). Present when the
   * command runs inside the server; a CLI process that opened the database itself has no workers, and
   * the server's workers find the work on their next poll.
   */
  wake?: () => void;
  /**
   * Runs a drift sweep with a GitLab client: the server's sweeper (through the control socket), or
   * one the CLI made from GITLAB_URL and GITLAB_TOKEN when it opened the database itself; absent when
   * there is no GitLab to reach.
   */
  driftSweep?: (request: DriftSweepRequest) => Promise<DriftSweepReport>;
}

export interface Output {
  stdout: string;
  /** Warnings that must not pollute machine-readable stdout. */
  stderr?: string;
}

export interface Command<Args = unknown, Result extends JsonValue = JsonValue> {
  /** The words that select it: "migrate", "connection create". */
  name: string;
  summary: string;
  /** The argument synopsis after the name, e.g. "--name NAME --idp entra|okta|generic". */
  synopsis: string;
  /** One line per option, shown by --help. */
  optionHelp: string[];
  options: NonNullable<ParseArgsConfig["options"]>;
  /** The value key of the command's one positional argument (e.g. "subject" of `retry SUBJECT`); none if absent. */
  positional?: string;
  parse(values: OptionValues): Args;
  run(ctx: CommandContext, args: Args): Promise<Result>;
  format(result: Result, options: { json: boolean }): Output;
}

/** Erases the argument and result types for the registry. */
export type AnyCommand = Command<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function defineCommand<Args, Result extends JsonValue>(command: Command<Args, Result>): AnyCommand {
  return command;
}
