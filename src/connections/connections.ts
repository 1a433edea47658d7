/**
 * IdP connections (tenants). Creating one issues its first bearer token, returned once.
 */
import type { PrismaClient } from "../generated/prisma/client";
import { recordAudit } from "../audit/audit";
import { issueToken, type IssuedToken } from "./tokens";

export const IDP_KINDS = ["entra", "okta", "generic"] as const;
export type IdpKind = (typeof IDP_KINDS)[number];

export class ConnectionError extends Error {}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/i;

export interface CreatedConnection {
  id: string;
  name: string;
  idp: IdpKind;
  token: IssuedToken;
}

export async function createConnection(
  prisma: PrismaClient,
  input: { name: string; idp: string; actor: string },
): Promise<CreatedConnection> {
  if (!NAME.test(input.name)) throw new ConnectionError(`connection name must be 1-63 letters, digits, '.', '_' or '-', got "${input.name}"`);
  if (!(IDP_KINDS as readonly string[]).includes(input.idp)) throw new ConnectionError(`--idp must be one of ${IDP_KINDS.join(", ")}, got "${input.idp}"`);
  return prisma.$transaction(async (tx) => {
    const existing = await tx.connection.findUnique({ where: { name: input.name } });
    if (existing) throw new ConnectionError(`a connection named "${input.name}" already exists`);
    const connection = await tx.connection.create({ data: { name: input.name, idp: input.idp } });
    const token = await issueToken(tx, connection.id, "initial");
    await recordAudit(tx, { connectionId: connection.id, actor: input.actor, action: "connection.created", subjectType: "connection", subjectId: connection.id, details: { name: input.name, idp: input.idp, tokenPrefix: token.prefix } });
    return { id: connection.id, name: connection.name, idp: input.idp as IdpKind, token };
  });
}
