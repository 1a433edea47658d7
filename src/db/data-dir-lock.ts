/** PLACEHOLDER — being written by the CLI engineer. */
export interface DataDirLock {
  release(): Promise<void>;
}
export async function acquireDataDirLock(_dataDir: string): Promise<DataDirLock> {
  return { release: async () => undefined };
}
