/** Every CLI command, in the order --help lists them. */
import type { AnyCommand } from "../command";
import { connectionCreateCommand } from "./connection-create";
import { connectionListCommand } from "./connection-list";
import { connectionUpdateCommand } from "./connection-update";
import { approveCommand, discardCommand } from "./hold-decisions";
import { holdsCommand } from "./holds";
import { mappingAddCommand } from "./mapping-add";
import { mappingListCommand } from "./mapping-list";
import { mappingRemoveCommand } from "./mapping-remove";
import { mappingUpdateCommand } from "./mapping-update";
import { migrateCommand } from "./migrate";
import { planCommand } from "./plan";
import { reconcileCommand } from "./reconcile";
import { retryCommand } from "./retry";
import { statusCommand } from "./status";
import { tokenCreateCommand } from "./token-create";
import { tokenListCommand } from "./token-list";
import { tokenRevokeCommand } from "./token-revoke";

export const COMMANDS: readonly AnyCommand[] = [
  migrateCommand,
  connectionCreateCommand,
  connectionListCommand,
  connectionUpdateCommand,
  tokenCreateCommand,
  tokenListCommand,
  tokenRevokeCommand,
  mappingAddCommand,
  mappingListCommand,
  mappingUpdateCommand,
  mappingRemoveCommand,
  planCommand,
  statusCommand,
  retryCommand,
  reconcileCommand,
  holdsCommand,
  approveCommand,
  discardCommand,
];

export function findCommand(name: string): AnyCommand | undefined {
  return COMMANDS.find((command) => command.name === name);
}
