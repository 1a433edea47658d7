/**
 * The pace the GitLab emulator allows: `concurrency` loops of POST /users sent to it from this process,
 * a process of its own as the bridge is (run by measureEmulatorPace in the benchmark's process, which
 * hosts the emulator). Sent from the emulator's own process, the client's work shared its one thread
 * and the pace read 270-306/s where the emulator serves 360/s. The first `warmup` calls are not timed.
 *
 *   node dist/bench/emulator-pace.js URL TOKEN CALLS CONCURRENCY WARMUP   → prints {"seconds": …}
 */
import { fork } from "node:child_process";

async function send(url: string, token: string, calls: number, concurrency: number, prefix: string): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < calls; i = next++) {
        const res = await fetch(`${url}/api/v4/users`, {
          method: "POST",
          headers: { "private-token": token, "content-type": "application/json" },
          body: JSON.stringify({ username: `${prefix}${i}`, name: `Base ${i}`, email: `${prefix}${i}@example.com`, skip_confirmation: true, force_random_password: true, provider: "saml", extern_uid: `${prefix}-${i}` }),
        });
        const text = await res.text();
        if (res.status >= 300) throw new Error(`baseline POST /users: ${res.status} ${text.slice(0, 200)}`);
      }
    }),
  );
}

/** Calls per second of `calls` POST /users with `concurrency` in flight, sent from a child process. */
export function measureEmulatorPace(url: string, token: string, calls: number, concurrency: number, warmup: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [url, token, String(calls), String(concurrency), String(warmup)], { stdio: ["ignore", "pipe", "inherit", "ipc"] });
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`bench/emulator-pace exited with ${code}`));
      resolve(calls / (JSON.parse(out) as { seconds: number }).seconds);
    });
  });
}

if (require.main === module) {
  const [url, token, calls, concurrency, warmup] = process.argv.slice(2);
  (async () => {
    await send(url, token, Number(warmup), Number(concurrency), "warm");
    const started = performance.now();
    await send(url, token, Number(calls), Number(concurrency), "base");
    process.stdout.write(JSON.stringify({ seconds: (performance.now() - started) / 1000 }));
  })().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
