/**
 * The key that signs service-account tokens: `<dir>/service.key` (as K3s names it), an ECDSA
 * P-256 key made on first start and kept, so tokens stay valid across restarts. Apart from
 * the CA: rotating one never touches the other.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeAtomically } from "./pair-files.ts";
import { PkiError } from "./errors.ts";

export interface ServiceAccountKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function generateServiceAccountKey(): ServiceAccountKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey, publicKey };
}

export function ensureServiceAccountKey(dir: string): ServiceAccountKey {
  const path = join(dir, "service.key");
  if (existsSync(path)) {
    try {
      const privateKey = createPrivateKey(readFileSync(path, "utf8"));
      if (privateKey.asymmetricKeyType !== "ec" || privateKey.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
        throw new PkiError("MalformedKey", `${path} is not an ECDSA P-256 key`);
      }
      return { privateKey, publicKey: createPublicKey(privateKey) };
    } catch (cause) {
      if (cause instanceof PkiError) throw cause;
      throw new PkiError("MalformedKey", `service-account signing key ${path} cannot be read`, { cause });
    }
  }
  const key = generateServiceAccountKey();
  writeAtomically(path, key.privateKey.export({ type: "pkcs8", format: "pem" }) as string);
  return key;
}
