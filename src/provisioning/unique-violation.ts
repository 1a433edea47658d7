/**
 * Recognises a unique-constraint violation, whichever way the write went: through Prisma (which maps
 * the adapter's error to a known request error with code P2002) or driver-direct (PostgreSQL's
 * SQLSTATE 23505, as both pg and PGlite report it).
 */
import { Prisma } from "../generated/prisma/client";

export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code === "P2002";
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505";
}
