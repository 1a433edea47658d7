/**
 * SCIM authentication: `Authorization: Bearer <token>` through passport-http-bearer. A missing or bad
 * token is a 401 SCIM error with WWW-Authenticate (RFC 6750 §3); a database failure is a 500, never a
 * 401 (a false 401 makes Entra quarantine the whole provisioning job).
 */
import type { RequestHandler } from "express";
import { Passport } from "passport";
import { Strategy as BearerStrategy } from "passport-http-bearer";
import type { TokenVerifier } from "../connections/token-verifier";
import { ScimError } from "./errors";
import type { ScimPrincipal } from "./principal";

const REALM = 'Bearer realm="SCIM"';

export function scimAuthenticate(tokens: TokenVerifier): RequestHandler {
  // A private passport instance: admin sign-in registers its own strategies elsewhere.
  const passport = new Passport();
  passport.use(
    "scim-bearer",
    new BearerStrategy((token, done) => {
      tokens.verify(token, new Date()).then((found) => {
        if (!found) return done(null, false);
        const principal: ScimPrincipal = {
          connectionId: found.connection.id,
          connectionName: found.connection.name,
          idp: found.connection.idp,
          tokenId: found.tokenId,
          tokenPrefix: found.prefix,
        };
        return done(null, principal);
      }, done);
    }),
  );
  // Built once; `failWithError` hands a failure to us as an error, answered in SCIM's format below.
  const authenticate = passport.authenticate("scim-bearer", { session: false, authInfo: false, failWithError: true }) as RequestHandler;
  return (req, res, next) => {
    authenticate(req, res, (error?: unknown) => {
      if (error === undefined) return next();
      if ((error as { name?: unknown }).name !== "AuthenticationError") return next(error);
      const presented = Boolean(req.headers.authorization);
      next(
        new ScimError(401, undefined, presented ? "The bearer token is invalid or revoked" : "Authorization: Bearer <token> is required", {
          "WWW-Authenticate": presented ? `${REALM}, error="invalid_token"` : REALM,
        }),
      );
    });
  };
}
