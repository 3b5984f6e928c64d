/**
 * Encryption at rest of chosen resources' values (the apiserver's aesgcm provider, as K3s'
 * `--secrets-encryption`): what the store writes for a key under an encrypted prefix is
 * `k8s:enc:aesgcm:v1:<key name>:` followed by base64 of nonce (12 bytes) ‖ ciphertext ‖ tag
 * (16 bytes), the store key authenticated as additional data so a value cannot be moved to
 * another key. Values written before encryption was on (no prefix) read as they are and are
 * encrypted when next written; a value under a key name no longer configured cannot be read,
 * and the store refuses to open rather than serve it as missing.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export const ENCRYPTED_PREFIX = "k8s:enc:aesgcm:v1:";

export interface EncryptionKey {
  name: string;
  /** 16, 24 or 32 bytes (AES-128/192/256). */
  secret: Buffer;
}

/** What the store applies to a value on its way to disk and back. */
export interface ValueTransformer {
  toStored(key: string, value: string): string;
  fromStored(key: string, stored: string): string;
}

export class AesGcmTransformer implements ValueTransformer {
  private keys: EncryptionKey[] = [];
  private byName = new Map<string, Buffer>();

  /** `keys[0]` encrypts; every key decrypts (old ones stay until everything is rewritten). */
  constructor(
    readonly prefixes: string[],
    keys: EncryptionKey[],
  ) {
    this.setKeys(keys);
  }

  /**
   * Replaces the key set while the store runs (key rotation): values written from now on use
   * `keys[0]`; a key left out can no longer decrypt, so it goes only once no value uses it.
   */
  setKeys(keys: EncryptionKey[]): void {
    if (keys.length === 0) throw new Error("aesgcm: at least one key is needed");
    for (const k of keys) {
      if (![16, 24, 32].includes(k.secret.length)) throw new Error(`aesgcm key ${k.name}: ${k.secret.length} bytes; want 16, 24 or 32`);
      if (!/^[A-Za-z0-9_.-]+$/.test(k.name)) throw new Error(`aesgcm key name ${JSON.stringify(k.name)} must be letters, digits, '.', '_' or '-'`);
    }
    if (new Set(keys.map((k) => k.name)).size !== keys.length) throw new Error("aesgcm: key names must differ");
    this.keys = [...keys];
    this.byName = new Map(keys.map((k) => [k.name, k.secret]));
  }

  /** The key new values are written with. */
  get activeKeyName(): string {
    return this.keys[0]!.name;
  }

  get keyNames(): string[] {
    return this.keys.map((k) => k.name);
  }

  covers(key: string): boolean {
    return this.prefixes.some((p) => key.startsWith(p));
  }

  toStored(key: string, value: string): string {
    if (!this.covers(key)) return value;
    const k = this.keys[0]!;
    const nonce = randomBytes(12);
    const cipher = createCipheriv(algorithm(k.secret), k.secret, nonce);
    cipher.setAAD(Buffer.from(key));
    const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
    return `${ENCRYPTED_PREFIX}${k.name}:${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64")}`;
  }

  fromStored(key: string, stored: string): string {
    if (!stored.startsWith(ENCRYPTED_PREFIX)) return stored;
    const rest = stored.slice(ENCRYPTED_PREFIX.length);
    const colon = rest.indexOf(":");
    const name = rest.slice(0, colon);
    const secret = colon > 0 ? this.byName.get(name) : undefined;
    if (!secret) throw new Error(`${key} is encrypted with key ${JSON.stringify(name)}, which the encryption config does not hold`);
    const raw = Buffer.from(rest.slice(colon + 1), "base64");
    if (raw.length < 28) throw new Error(`${key}: encrypted value is truncated`);
    const decipher = createDecipheriv(algorithm(secret), secret, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(key));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    try {
      return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString("utf8");
    } catch (cause) {
      throw new Error(`${key}: encrypted value fails authentication (wrong key, or tampered with)`, { cause });
    }
  }

  /** The key name a stored value was written with; undefined when it is plaintext. */
  static keyNameOf(stored: string): string | undefined {
    if (!stored.startsWith(ENCRYPTED_PREFIX)) return undefined;
    const rest = stored.slice(ENCRYPTED_PREFIX.length);
    return rest.slice(0, rest.indexOf(":"));
  }
}

function algorithm(secret: Buffer): "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm" {
  return secret.length === 16 ? "aes-128-gcm" : secret.length === 24 ? "aes-192-gcm" : "aes-256-gcm";
}
