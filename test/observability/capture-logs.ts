/** A pino destination that keeps every JSON line a logger writes, for assertions on log content. */
import type { DestinationStream } from "pino";

export interface CapturedLogs extends DestinationStream {
  /** Raw lines, exactly as they would reach stdout. */
  readonly lines: string[];
  /** The lines parsed; throws if one is not a JSON object. */
  records(): Record<string, unknown>[];
}

export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  return {
    lines,
    write(chunk: string) {
      for (const line of chunk.split("\n")) if (line.trim()) lines.push(line);
    },
    records() {
      return lines.map((line) => {
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed !== "object" || parsed === null) throw new Error(`log line is not a JSON object: ${line}`);
        return parsed as Record<string, unknown>;
      });
    },
  };
}
