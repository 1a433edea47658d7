/**
 * Where the running server's control socket lives: DATA_DIR/control.sock, which DATA_DIR's mode 0700
 * already protects. A Unix socket path must fit in sun_path (104 bytes on macOS, 108 on Linux, with
 * the terminating NUL), so for a deep DATA_DIR the socket moves to a private per-user directory under
 * the temp dir, named by a hash of DATA_DIR's real path. Server and CLI compute the same path.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const SOCKET_FILE = "control.sock";
const MAX_SOCKET_PATH_BYTES = 103;

export function controlSocketPath(dataDir: string): string {
  const preferred = path.join(dataDir, SOCKET_FILE);
  if (fits(preferred)) return preferred;
  const hash = crypto.createHash("sha256").update(realPath(dataDir)).digest("hex").slice(0, 24);
  const name = `${hash}.sock`;
  for (const base of [os.tmpdir(), "/tmp"]) {
    const candidate = path.join(privateDirIn(base), name);
    if (fits(candidate)) return candidate;
  }
  throw new Error(`no control socket path under ${MAX_SOCKET_PATH_BYTES} bytes for DATA_DIR ${dataDir}; use a shorter DATA_DIR`);
}

/**
 * Creates the socket's directory if it is the shared-temp fallback, and refuses one that another
 * user could have prepared (not ours, a symlink, or open to others).
 */
export function prepareSocketDirectory(socketPath: string): void {
  const dir = path.dirname(socketPath);
  if (path.basename(socketPath) === SOCKET_FILE) return; // inside DATA_DIR, created with mode 0700
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o077) !== 0) {
    throw new Error(`${dir} must be a directory owned by this user with mode 0700 before the control socket can be created in it`);
  }
}

function privateDirIn(base: string): string {
  return path.join(base, `gitlab-scim-bridge-${process.getuid?.() ?? "user"}`);
}

function fits(socketPath: string): boolean {
  return Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH_BYTES;
}

function realPath(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}
