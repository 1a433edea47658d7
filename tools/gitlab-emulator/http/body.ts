/**
 * Request bodies and Grape's merged `params`: query string first, then the body (JSON or form-encoded),
 * `key[]=a&key[]=b` read as an array under `key`.
 */
import type { IncomingMessage } from "node:http";
import { ApiError } from "./errors";
import type { ParamInput } from "./params";

const MAX_BODY_BYTES = 64 * 1024 * 1024; // seeds of 100,000 users fit comfortably

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new ApiError(413, { message: "413 Request Entity Too Large" }));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function searchParamsToInput(params: URLSearchParams): ParamInput {
  const out: ParamInput = {};
  for (const [rawKey, value] of params) {
    const isArray = rawKey.endsWith("[]");
    const key = isArray ? rawKey.slice(0, -2) : rawKey;
    if (isArray) ((out[key] as string[] | undefined) ?? (out[key] = [])) && (out[key] as string[]).push(value);
    else out[key] = value;
  }
  return out;
}

export function parseBody(text: string, contentType: string | undefined): ParamInput {
  if (text === "") return {};
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") return searchParamsToInput(new URLSearchParams(text));
  if (type === "application/json" || type === "" || type.endsWith("+json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiError(400, { error: "The provided content-type 'application/json' is not supported or the body is not valid JSON." });
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { _json: parsed };
    return parsed as ParamInput;
  }
  return {};
}
