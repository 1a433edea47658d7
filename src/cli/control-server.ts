/** PLACEHOLDER — being written by the CLI engineer. */
import type { Database } from "../db/database";
import type { Logger } from "../observability/logger";
export interface ControlServer {
  close(): Promise<void>;
}
export async function startControlServer(_opts: { dataDir: string; db: Database; logger: Logger }): Promise<ControlServer> {
  return { close: async () => undefined };
}
