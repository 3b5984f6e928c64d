/**
 * Name and label rules with apimachinery's exact wording (pkg/util/validation, 1.32). Each check
 * returns the error details (empty = valid), like Go's IsDNS1123Subdomain and friends, so a
 * caller wraps them as `Invalid value: "x": <detail>` under its own field path.
 */

const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
const QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;

const whole = (fmt: string) => new RegExp(`^${fmt}$`);
const DNS1123_LABEL = whole(DNS1123_LABEL_FMT);
const DNS1123_SUBDOMAIN = whole(DNS1123_SUBDOMAIN_FMT);
const DNS1035_LABEL = whole(DNS1035_LABEL_FMT);
const QUALIFIED_NAME = whole(QUALIFIED_NAME_FMT);
const LABEL_VALUE = whole(LABEL_VALUE_FMT);

const QUALIFIED_NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

// Go measures strings in bytes; the regexes reject non-ASCII anyway, but lengths must agree.
const byteLength = (v: string) => Buffer.byteLength(v, "utf8");

export const maxLenError = (n: number) => `must be no more than ${n} characters`;
export const emptyError = () => "must be non-empty";

/** Go's RegexError, double space after each example's comma included. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(" or ")}regex used for validation is '${fmt}')`;
}

/** Most object names (Pods, ConfigMaps, Deployments): at most 253 characters. */
export function isDns1123Subdomain(v: string): string[] {
  const out: string[] = [];
  if (byteLength(v) > 253) out.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN.test(v)) {
    out.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN_FMT, "example.com"));
  }
  return out;
}

/** Namespaces and other names that become DNS labels: at most 63 characters, no dots. */
export function isDns1123Label(v: string): string[] {
  const out: string[] = [];
  if (byteLength(v) > 63) out.push(maxLenError(63));
  if (!DNS1123_LABEL.test(v)) {
    // A valid subdomain that is not a label can only be wrong by its dots.
    if (DNS1123_SUBDOMAIN.test(v)) out.push("must not contain dots");
    else out.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", DNS1123_LABEL_FMT, "my-name", "123-abc"));
  }
  return out;
}

/** Service names: a DNS label that starts with a letter. */
export function isDns1035Label(v: string): string[] {
  const out: string[] = [];
  if (byteLength(v) > 63) out.push(maxLenError(63));
  if (!DNS1035_LABEL.test(v)) {
    out.push(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", DNS1035_LABEL_FMT, "my-name", "abc-123"));
  }
  return out;
}

/** Label/annotation keys and finalizers: `[prefix/]name`, prefix a DNS subdomain, name ≤ 63. */
export function isQualifiedName(v: string): string[] {
  const parts = v.split("/");
  const out: string[] = [];
  let name: string;
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) out.push(`prefix part ${emptyError()}`);
    else for (const e of isDns1123Subdomain(prefix)) out.push(`prefix part ${e}`);
  } else {
    return [`a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) out.push(`name part ${emptyError()}`);
  else if (byteLength(name) > 63) out.push(`name part ${maxLenError(63)}`);
  // Go checks the pattern even after "must be non-empty", so an empty name reports both.
  if (!QUALIFIED_NAME.test(name)) out.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")}`);
  return out;
}

export function isValidLabelValue(v: string): string[] {
  const out: string[] = [];
  if (byteLength(v) > 63) out.push(maxLenError(63));
  if (!LABEL_VALUE.test(v)) {
    out.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_VALUE_FMT, "MyValue", "my_value", "12345"));
  }
  return out;
}

/** Names that only have to survive as a URL path segment (apimachinery path.IsValidPathSegmentName). */
export function isValidPathSegmentName(v: string): string[] {
  if (v === "." || v === "..") return [`may not be '${v}'`];
  return ["/", "%"].filter((s) => v.includes(s)).map((s) => `may not contain '${s}'`);
}
