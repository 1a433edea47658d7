/** The control socket's wire format: one POST per command, JSON both ways. */
import type { JsonValue, OptionValues } from "./command";

export const CONTROL_PATH = "/v1/commands";
export const CONTROL_MAX_BODY_BYTES = 64 * 1024;

export interface ControlRequest {
  command: string;
  values: OptionValues;
}

export type ControlResponse = { ok: true; result: JsonValue } | { ok: false; exitCode: 1 | 2; message: string };
