/**
 * @peculiar/x509, loaded the one safe way: its dependency tsyringe throws at import time unless
 * the reflect-metadata polyfill was loaded first, so every module imports x509 from here.
 */
import "./reflect-polyfill.ts";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
