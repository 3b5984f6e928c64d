/** Continue tokens of paged lists, in etcd3's form, and the 410 for one whose revision is compacted. */
import { StatusError } from "../../model/errors.ts";

/** etcd3's continue token: base64 of {"v","rv","start"}; `rv` is the revision every page is served at. */
export function encodeContinue(afterKey: string, revision: number): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: revision, start: afterKey })).toString("base64url");
}

/** The apiserver's DecodeContinue checks; any failure is a 400 "invalid continue token". */
export function decodeContinue(token: string, prefix: string): { start: string; rv: number } {
  const invalid = (why: string, cause?: unknown) =>
    new StatusError(400, "BadRequest", `invalid continue token: continue key is not valid: ${why}`, undefined, { cause });
  let parsed: any;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch (cause) {
    throw invalid("illegal base64 data or JSON", cause);
  }
  if (parsed === null || typeof parsed !== "object") throw invalid("illegal base64 data or JSON");
  if (parsed.v !== "meta.k8s.io/v1") throw invalid(`server does not recognize this encoded version ${String(parsed.v ?? "")}`);
  if (typeof parsed.rv !== "number" || !Number.isInteger(parsed.rv) || parsed.rv === 0 || parsed.rv < -1) {
    throw invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
  if (typeof parsed.start !== "string" || parsed.start === "") throw invalid("encoded start key empty (version meta.k8s.io/v1)");
  // The start key only bounds a range inside this list's prefix, so it can never reach outside it.
  if (!parsed.start.startsWith(prefix)) throw invalid(parsed.start);
  return { start: parsed.start, rv: parsed.rv };
}

/** 410 for a continue token whose revision is compacted; its Status carries a token to go on at the latest revision. */
export class ExpiredContinueError extends StatusError {
  constructor(readonly continueToken: string) {
    super(
      410,
      "Expired",
      "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
    );
  }

  override toStatus(): Record<string, unknown> {
    return { ...super.toStatus(), metadata: { continue: this.continueToken } };
  }
}
