/**
 * The wire format of `/v1-k3rs/encrypt/*` (K3s answers the same questions at
 * `/v1-k3s/encrypt/*`), shared by the server that rotates the keys and `k3rs secrets-encrypt`.
 *
 *   GET  /v1-k3rs/encrypt/status       → EncryptionStatus
 *   POST /v1-k3rs/encrypt/rotate-keys  → 202 EncryptionStatus: a new active key, every value re-encrypted, the old keys retired
 *   POST /v1-k3rs/encrypt/reencrypt    → 202 EncryptionStatus: every value re-encrypted under the active key, unused keys retired
 *
 * Non-resource URLs, so RBAC decides: only cluster admins (cluster-admin's `*`) by default.
 */

export const ENCRYPT_STATUS_PATH = "/v1-k3rs/encrypt/status";
export const ENCRYPT_ROTATE_KEYS_PATH = "/v1-k3rs/encrypt/rotate-keys";
export const ENCRYPT_REENCRYPT_PATH = "/v1-k3rs/encrypt/reencrypt";

/**
 * K3s' stages, of which a one-step rotation passes three: `start` (nothing asked yet),
 * `reencrypt_request` (a rotation is owed: several keys are configured and no pass runs, as
 * after a restart mid-rotation, which resumes it), `reencrypt_active`, `reencrypt_finished`.
 */
export type RotationStage = "start" | "reencrypt_request" | "reencrypt_active" | "reencrypt_finished";

export interface ReencryptProgress {
  /** Values re-encrypted (or found deleted meanwhile) so far. */
  done: number;
  /** Values that were under another key, or in plain text, when the pass began. */
  total: number;
  startedAt: string;
  finishedAt?: string;
}

export interface EncryptionStatus {
  enable: boolean;
  stage: RotationStage;
  /** Always "AES-GCM" here (K3s' default is AES-CBC). */
  keyType: string;
  /** The key new values are written with. */
  activeKey: string;
  /** Keys that still decrypt, kept until no value uses them. */
  inactiveKeys: string[];
  resources: string[];
  /** One server holds the one key set, so its hashes always match (K3s compares its servers'). */
  hashMatch: boolean;
  hashError?: string;
  reencrypt?: ReencryptProgress;
  /** Why the last pass stopped; the stage is then `reencrypt_request`, and rotate-keys or reencrypt runs it again. */
  error?: string;
}
