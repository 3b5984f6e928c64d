/**
 * `/v1-k3rs/encrypt/*`: the key rotation of the running server, for `k3rs secrets-encrypt`
 * (K3s serves `/v1-k3s/encrypt/*` to its CLI the same way). Non-resource URLs behind the API's
 * authentication and authorization, so only cluster admins reach them unless RBAC grants more.
 * Starting a pass answers 202 at once; its progress is read from the status.
 */
import type { Hono } from "hono";
import { json } from "../api/handlers/respond.ts";
import { ENCRYPT_REENCRYPT_PATH, ENCRYPT_ROTATE_KEYS_PATH, ENCRYPT_STATUS_PATH } from "../model/encryption-status.ts";
import type { KeyRotation } from "./key-rotation.ts";

export function registerEncryptRoutes(app: Hono<any>, rotation: KeyRotation): void {
  app.get(ENCRYPT_STATUS_PATH, () => json(rotation.status()));
  app.post(ENCRYPT_ROTATE_KEYS_PATH, () => json(rotation.rotateKeys(), 202));
  app.post(ENCRYPT_REENCRYPT_PATH, () => json(rotation.reencrypt(), 202));
}
