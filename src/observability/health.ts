/** /healthz: the process answers. /readyz: the database answers too (load balancers route on this). */
import type { RequestHandler } from "express";
import type { Database } from "../db/database";

export const healthz: RequestHandler = (_req, res) => {
  res.json({ status: "ok" });
};

export function readyz(db: Database): RequestHandler {
  return async (req, res) => {
    try {
      await db.prisma.$queryRawUnsafe("SELECT 1");
      res.json({ status: "ready", database: db.kind });
    } catch (error) {
      req.log?.warn({ err: error }, "readiness check failed");
      res.status(503).json({ status: "unavailable", database: db.kind });
    }
  };
}
