/**
 * The one error type of the emulated API and the constructors for each of GitLab's error envelopes
 * (contract §0.1). Routes throw these; the server is the only place that writes them out. Any other
 * exception becomes GitLab's generic 500 and its cause goes to stderr.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === "object" ? JSON.stringify(body) : String(body));
  }
}

/** contract §0.1: no or unknown credentials. */
export const unauthorized = () => new ApiError(401, { message: "401 Unauthorized" });

/** contract §0.1: `forbidden!` / `forbidden!(reason)` — the reason follows "403 Forbidden - ". */
export const forbidden = (reason?: string) => new ApiError(403, { message: reason ? `403 Forbidden - ${reason}` : "403 Forbidden" });

/** contract §9.3: service errors are 403 with the bare sentence, no "403 Forbidden - " prefix. */
export const serviceForbidden = (sentence: string) => new ApiError(403, { message: sentence });

/** contract §0.1: `not_found!('User')` → "404 User Not Found" (capital F). */
export const notFound = (resource: string) => new ApiError(404, { message: `404 ${resource} Not Found` });

/** contract §0.1 / §9.2: `find_by!` misses (member look-ups) → "404 Not found" (lower-case f). */
export const recordNotFound = () => new ApiError(404, { message: "404 Not found" });

/** contract §0.1: the catch-all route uses Grape's `error` key. */
export const routeNotFound = () => new ApiError(404, { error: "404 Not Found" });

/** contract §0.1: Grape parameter validation → {"error": "..."}. */
export const paramError = (text: string) => new ApiError(400, { error: text });

/** contract §0.1: `render_validation_error!` → {"message": {field: [msgs]}}. */
export const validationError = (fields: Record<string, string[]>) => new ApiError(400, { message: fields });

/** contract §0.1: `bad_request!(reason)`. */
export const badRequest = (reason?: string) => new ApiError(400, { message: reason ? `400 Bad request - ${reason}` : "400 Bad request" });

/** contract §0.1: `conflict!(msg)` → the message alone. */
export const conflict = (message: string) => new ApiError(409, { message });

/** contract §0.1: `destroy_conditionally!` with a stale If-Unmodified-Since (wording inferred). */
export const preconditionFailed = () => new ApiError(412, { message: "412 Precondition Failed" });

export const internalServerError = () => new ApiError(500, { message: "500 Internal Server Error" });
