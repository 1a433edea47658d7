/**
 * Background jobs, standing in for GitLab's Sidekiq workers (contract §1.5: user deletion runs after the
 * DELETE has answered). Timers are tracked so close() leaves nothing running, and flush() lets tests run
 * pending jobs at once instead of waiting.
 */
export class JobQueue {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();

  schedule(delayMs: number, job: () => void): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      job();
    }, delayMs);
    timer.unref();
    this.pending.set(timer, job);
  }

  flush(): number {
    const jobs = [...this.pending];
    this.pending.clear();
    for (const [timer, job] of jobs) {
      clearTimeout(timer);
      job();
    }
    return jobs.length;
  }

  get size(): number {
    return this.pending.size;
  }

  cancelAll(): void {
    for (const timer of this.pending.keys()) clearTimeout(timer);
    this.pending.clear();
  }
}
