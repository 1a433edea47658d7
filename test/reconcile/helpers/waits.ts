/**
 * Waiting in reconciling tests, always on a condition with a deadline, never for a fixed time.
 */
import type { ReconcilingBridge } from "../../helpers/reconciling-bridge";

/**
 * Reads until `ok` holds, letting the workers fall quiet between reads: for a state a retry due later
 * reaches (quiet() alone stops at a pending retry). Returns the value that satisfied it.
 */
export async function until<T>(bridge: ReconcilingBridge, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await bridge.quiet();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until `ok` holds, looking every 10 ms: for moments inside a worker's pass, which quiet() cannot wait for. */
export async function happens(what: string, ok: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
