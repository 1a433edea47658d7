/** PLACEHOLDER — being written by the SCIM engineer. */
import { Router } from "express";
import type { AppDeps } from "../app";

export function createScimRouter(_deps: AppDeps): Router {
  return Router();
}
