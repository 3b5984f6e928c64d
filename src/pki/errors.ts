/**
 * What can go wrong with certificates, keys and tokens, as one error type with a reason a
 * caller can branch on (a corrupt CA stops the server; a stale leaf is just reissued).
 */
export type PkiErrorReason =
  | "MalformedCertificate"
  | "MalformedKey"
  | "NotCa"
  | "KeyMismatch"
  | "IncompleteCa"
  | "MalformedToken"
  | "InvalidIp"
  | "InvalidHostname"
  | "WrongToken"
  | "MalformedSealed";

export class PkiError extends Error {
  constructor(
    readonly reason: PkiErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PkiError";
  }
}
