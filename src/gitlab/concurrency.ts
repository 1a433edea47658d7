/**
 * At most `max` GitLab calls in flight (GITLAB_CONCURRENCY); the others queue first come, first served.
 * A caller whose signal aborts while queued leaves the queue without taking a slot.
 */

export class ConcurrencyLimit {
  private active = 0;
  private readonly queue: { grant: () => void; signal?: AbortSignal; onAbort?: () => void }[] = [];

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`concurrency must be an integer ≥ 1, got ${max}`);
  }

  /** Resolves with the function that gives the slot back; call it exactly once. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const entry: (typeof this.queue)[number] = { grant: () => resolve(this.releaser()), signal };
      if (signal) {
        entry.onAbort = () => {
          const i = this.queue.indexOf(entry);
          if (i >= 0) this.queue.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener("abort", entry.onAbort, { once: true });
      }
      this.queue.push(entry);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (!next) {
        this.active--;
        return;
      }
      if (next.onAbort) next.signal!.removeEventListener("abort", next.onAbort);
      next.grant(); // the slot passes straight to the next caller
    };
  }
}
