/**
 * @peculiar/x509, loaded the one safe way: its dependency tsyringe throws at import time unless
 * the reflect-metadata polyfill was loaded first, so every module imports x509 from here. The
 * executable's entry (main.ts) loads the polyfill first as well: there the server role is
 * imported lazily, and the bundler then evaluates @peculiar/x509 ahead of this file's imports.
 */
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
