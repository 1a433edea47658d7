/**
 * Recognises a unique-constraint violation coming out of Prisma, whatever the driver adapter:
 * Prisma maps the adapter's UniqueConstraintViolation to a known request error with code P2002.
 */
import { Prisma } from "../generated/prisma/client";

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}
