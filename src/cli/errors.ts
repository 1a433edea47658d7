/**
 * The CLI's one error type: an expected failure, a sentence for the operator and an exit code
 * (2: the command line is wrong, 1: the command could not be carried out). Errors from the modules the
 * CLI drives are translated here, by type, on purpose; anything else is a bug and shown as one.
 */
import { ConfigError } from "../config";
import { ConnectionError } from "../connections/connections";
import { SettingsError } from "../connections/settings";
import { DataDirLockedError } from "../runtime/data-dir-lock";
import { MigrationError } from "../db/migrator";
import { MappingError } from "../provisioning/group-mappings";
import { HoldError } from "../reconcile/holds";

export class CliError extends Error {
  constructor(
    readonly exitCode: 1 | 2,
    message: string,
  ) {
    super(message);
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(2, message);
  }
}

/** The expected failure an error stands for, or null when it is unexpected. */
export function asCliError(error: unknown): CliError | null {
  if (error instanceof CliError) return error;
  if (error instanceof ConnectionError || error instanceof SettingsError || error instanceof MappingError || error instanceof HoldError || error instanceof DataDirLockedError || error instanceof MigrationError) {
    return new CliError(1, error.message);
  }
  if (error instanceof ConfigError) return new CliError(2, `configuration error: ${error.message}`);
  return null;
}
