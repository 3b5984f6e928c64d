/**
 * Docker's image name normalization (distribution/reference ParseNormalizedNamed +
 * TagNameOnly), which containerd's CRI applies to `image:` in a pod spec: `busybox` →
 * `docker.io/library/busybox:latest`. An archive must carry the normalized name, or the
 * CRI will not find the imported image under the name a manifest uses.
 */
import { errors } from "./errors.ts";

const DEFAULT_DOMAIN = "docker.io";
const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
// Lower-case path components with the separators distribution/reference allows.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * The fully qualified name of `ref`, with `:latest` added when it has neither tag nor digest.
 *
 * @example normalizeImageRef("busybox") // "docker.io/library/busybox:latest"
 * @example normalizeImageRef("localhost:5000/a/b@sha256:…") // unchanged
 */
export function normalizeImageRef(ref: string): string {
  let rest = ref;
  let digest = "";
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(ref, "invalid digest");
  }
  let tag = "";
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(ref, "invalid tag");
  }

  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf("/");
  const first = slash >= 0 ? rest.slice(0, slash) : "";
  if (slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase())) {
    domain = first === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : first;
    path = rest.slice(slash + 1);
  }
  if (domain === DEFAULT_DOMAIN && !path.includes("/")) path = `library/${path}`;
  if (!path.split("/").every((c) => PATH_COMPONENT.test(c))) {
    throw bad(ref, "repository name must be lowercase alphanumerics separated by '.', '_', '__' or '-'");
  }

  let out = `${domain}/${path}`;
  if (tag) out += `:${tag}`;
  if (digest) out += `@${digest}`;
  if (!tag && !digest) out += ":latest";
  return out;
}

function bad(ref: string, why: string) {
  return errors.badRequest(`invalid image reference ${JSON.stringify(ref)}: ${why}`);
}
