/**
 * The Ingress controller's cluster objects, made by the server at start (K3s ships Traefik's
 * the same way, as manifests it applies): the IngressClass `k3rs`, marked default, and the
 * default certificate every node's HTTPS listener presents to names no Ingress claims — made
 * here because the agent carries no certificate machinery (it only reads the Secret).
 * `--disable=ingress` removes the class k3rs made, which closes the nodes' listeners.
 * Idempotent; an administrator's edits to either object survive restarts.
 */
import type { ObjectStorage } from "../api/storage/object-storage.ts";
import type { ResourceRegistry } from "../api/resources/registry.ts";
import { isStatusError } from "../model/errors.ts";
import { DEFAULT_CERT_SECRET, DEFAULT_CLASS_ANNOTATION, INGRESS_CLASS_NAME, INGRESS_CONTROLLER } from "../net/ingress/index.ts";
import { createCa, issueServingCert } from "../pki/index.ts";

const MANAGED_BY = { "app.kubernetes.io/managed-by": "k3rs" };

export async function bootstrapIngress(storage: ObjectStorage, registry: ResourceRegistry, enabled: boolean): Promise<void> {
  const classDef = registry.find("networking.k8s.io", "v1", "ingressclasses")!;
  if (!enabled) {
    const cls = await storage.tryGet(classDef, undefined, INGRESS_CLASS_NAME);
    if (cls?.metadata.labels?.["app.kubernetes.io/managed-by"] === "k3rs") await ignoreNotFound(() => storage.delete(classDef, undefined, INGRESS_CLASS_NAME, {}));
    return;
  }
  await ignoreAlreadyExists(() =>
    storage.create(classDef, undefined, {
      apiVersion: "networking.k8s.io/v1",
      kind: "IngressClass",
      metadata: { name: INGRESS_CLASS_NAME, labels: MANAGED_BY, annotations: { [DEFAULT_CLASS_ANNOTATION]: "true" } },
      spec: { controller: INGRESS_CONTROLLER },
    }),
  );
  const secretDef = registry.find("", "v1", "secrets")!;
  if (await storage.tryGet(secretDef, DEFAULT_CERT_SECRET.namespace, DEFAULT_CERT_SECRET.name)) return;
  // Self-signed in effect (its issuer is a throwaway CA, kept beside it as ca.crt), as
  // Traefik's "TRAEFIK DEFAULT CERT": clients are not meant to trust it, only to be answered.
  const ca = await createCa({ commonName: "k3rs-ingress-default-ca", days: 3650 });
  const leaf = await issueServingCert(ca, { commonName: "k3rs-ingress-default-cert", dnsNames: ["k3rs-ingress-default"], ips: [], days: 3650 });
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  await ignoreAlreadyExists(() =>
    storage.create(secretDef, DEFAULT_CERT_SECRET.namespace, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: DEFAULT_CERT_SECRET.name, namespace: DEFAULT_CERT_SECRET.namespace, labels: MANAGED_BY },
      type: "kubernetes.io/tls",
      data: { "tls.crt": b64(leaf.certPem), "tls.key": b64(leaf.keyPem), "ca.crt": b64(ca.certPem) },
    }),
  );
}

async function ignoreAlreadyExists(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!isStatusError(e, "AlreadyExists")) throw e;
  }
}

async function ignoreNotFound(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!isStatusError(e, "NotFound")) throw e;
  }
}
