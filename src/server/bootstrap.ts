/**
 * Objects every cluster has from its first start: the four system namespaces, the
 * `kubernetes` Service that points pods at the API server (its Endpoints and EndpointSlice
 * follow the server's address and port at every start), the system PriorityClasses
 * (`system-node-critical`, `system-cluster-critical`) and K3s's default StorageClass
 * `local-path`. Idempotent: runs on every start; what exists is never overwritten.
 */
import type { ObjectStorage } from "../api/storage/object-storage.ts";
import type { ResourceRegistry } from "../api/resources/registry.ts";
import { isStatusError } from "../model/errors.ts";
import { log } from "../log.ts";
import { SYSTEM_PRIORITY_CLASSES } from "../model/priority-classes.ts";
import { ANN_DEFAULT_CLASS, LOCAL_PATH_CLASS, LOCAL_PATH_PROVISIONER } from "../volume-binding/annotations.ts";

export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/**
 * `clusterDns`: the address every node's built-in cluster DNS answers on; the `kube-dns`
 * Service K3s ships holds it, so no other Service is ever given that ClusterIP (and tools that
 * look for kube-dns find it). Absent with `--disable=coredns`: a DNS the user deploys takes it.
 */
export async function bootstrapObjects(storage: ObjectStorage, registry: ResourceRegistry, opts: { apiPort: number; nodeIp: string; clusterDns?: string; apiServiceIp?: string }): Promise<void> {
  const nsDef = registry.find("", "v1", "namespaces")!;
  for (const name of SYSTEM_NAMESPACES) {
    await createIfMissing(() => storage.create(nsDef, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } }));
  }
  const svcDef = registry.find("", "v1", "services")!;
  // Checked first: admission would refuse the fixed ClusterIP as taken before the store could
  // answer AlreadyExists.
  if (!(await storage.tryGet(svcDef, "default", "kubernetes"))) await createIfMissing(() =>
    storage.create(svcDef, "default", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kubernetes", labels: { component: "apiserver", provider: "kubernetes" } },
      spec: { clusterIP: opts.apiServiceIp ?? "10.43.0.1", ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: opts.apiPort }] },
    }),
  );
  if (opts.clusterDns && !(await storage.tryGet(svcDef, "kube-system", "kube-dns"))) await createIfMissing(() =>
    storage.create(svcDef, "kube-system", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kube-dns", labels: { "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS" } },
      spec: {
        clusterIP: opts.clusterDns,
        selector: { "k8s-app": "kube-dns" },
        ports: [
          { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
          { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
        ],
      },
    }),
  ).catch((e) => {
    // Taken already (a Service made before this version, or a changed --cluster-dns): the
    // nodes still answer on the address; say so rather than stop the server.
    log.warn("bootstrap: cannot create kube-system/kube-dns", { clusterIP: opts.clusterDns, error: String(e) });
  });
  const epDef = registry.find("", "v1", "endpoints")!;
  const endpoints = {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "kubernetes", labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } },
    subsets: [{ addresses: [{ ip: opts.nodeIp }], ports: [{ name: "https", port: opts.apiPort, protocol: "TCP" }] }],
  };
  await storage.update(epDef, "default", "kubernetes", (cur) => ({ ...endpoints, metadata: { ...cur.metadata, ...endpoints.metadata } }), { createIfMissing: true });
  // The slice the apiserver keeps beside it (its endpoint reconciler): the service proxies read
  // EndpointSlices, so pods reach the API at 10.43.0.1:443 through this one.
  const sliceDef = registry.find("discovery.k8s.io", "v1", "endpointslices")!;
  const slice = {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "kubernetes", labels: { "kubernetes.io/service-name": "kubernetes" } },
    addressType: "IPv4",
    endpoints: [{ addresses: [opts.nodeIp], conditions: { ready: true } }],
    ports: [{ name: "https", port: opts.apiPort, protocol: "TCP" }],
  };
  await storage.update(sliceDef, "default", "kubernetes", (cur) => ({ ...slice, metadata: { ...cur.metadata, ...slice.metadata } }), { createIfMissing: true });
  // The system's PriorityClasses, as the apiserver's post-start hook keeps them.
  const pcDef = registry.find("scheduling.k8s.io", "v1", "priorityclasses")!;
  for (const pc of SYSTEM_PRIORITY_CLASSES) await createIfMissing(() => storage.create(pcDef, undefined, structuredClone(pc)));
  // The class K3s ships (its local-storage manifest): an administrator's edits to it survive restarts.
  const scDef = registry.find("storage.k8s.io", "v1", "storageclasses")!;
  await createIfMissing(() =>
    storage.create(scDef, undefined, {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: LOCAL_PATH_CLASS, annotations: { [ANN_DEFAULT_CLASS]: "true" } },
      provisioner: LOCAL_PATH_PROVISIONER,
      reclaimPolicy: "Delete",
      volumeBindingMode: "WaitForFirstConsumer",
    }),
  );
}

async function createIfMissing(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (e) {
    if (!isStatusError(e, "AlreadyExists")) throw e;
  }
}
