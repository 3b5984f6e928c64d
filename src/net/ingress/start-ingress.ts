/**
 * The agent's entry point: informers for IngressClasses, Ingresses, TLS Secrets, Services and
 * EndpointSlices feeding one IngressController that listens on the node's addresses. Services
 * and EndpointSlices may come from informers the agent already runs (the service proxy's), so
 * a node watches them once.
 *
 * @example
 * const ingress = await startIngress({ client, nodeIPs: ["192.168.1.5"], registry, signal });
 */
import type client from "prom-client";
import { Informer } from "../../client/informer.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { RestListWatch } from "../../client/rest-list-watch.ts";
import { SlimListWatch } from "../../client/slim-list-watch.ts";
import { withoutManagedFields } from "../../model/managed-fields.ts";
import type { KubeObject } from "../../model/object.ts";
import { IngressController, type WatchEventType } from "./ingress-controller.ts";

export interface StartIngressOptions {
  client: RestClient;
  /** shared informers (e.g. the service proxy's); made here when absent */
  services?: Informer;
  endpointSlices?: Informer;
  /** addresses to listen on (default all: 0.0.0.0) */
  nodeIPs?: string[];
  /** default 80 and 443; 0 picks free ports (tests) */
  ports?: { http: number; https: number };
  registry: client.Registry;
  signal: AbortSignal;
  /** `namespace/name` of the default certificate's Secret */
  defaultCertSecret?: string;
  bindRetryMs?: number;
  /** turn on the kernel's accept-queue migration for certificate swaps (listener-migration.ts; a node's own network only, not tests on the host's) */
  migrateOnClose?: boolean;
}

export async function startIngress(o: StartIngressOptions): Promise<IngressController> {
  const addrs = o.nodeIPs?.length ? o.nodeIPs : ["0.0.0.0"];
  const ports = o.ports ?? { http: 80, https: 443 };
  const ctl = new IngressController({
    registry: o.registry,
    http: addrs.map((hostname) => ({ hostname, port: ports.http })),
    https: addrs.map((hostname) => ({ hostname, port: ports.https })),
    defaultCertSecret: o.defaultCertSecret,
    bindRetryMs: o.bindRetryMs,
    migrateOnClose: o.migrateOnClose,
  });
  // Kept without managedFields (as kube-proxy keeps its own): the controller writes nothing back.
  const informer = (path: string, query?: Record<string, string>) => new Informer(new SlimListWatch(new RestListWatch(o.client, { path, query }), withoutManagedFields));
  const feeds: [Informer, (t: WatchEventType, obj: KubeObject) => void][] = [
    [o.services ?? informer("/api/v1/services"), (t, x) => ctl.applyService(t, x)],
    [o.endpointSlices ?? informer("/apis/discovery.k8s.io/v1/endpointslices"), (t, x) => ctl.applyEndpointSlice(t, x)],
    // Only TLS Secrets: a node has no business holding every Secret of the cluster.
    [informer("/api/v1/secrets", { fieldSelector: "type=kubernetes.io/tls" }), (t, x) => ctl.applySecret(t, x)],
    [informer("/apis/networking.k8s.io/v1/ingresses"), (t, x) => ctl.applyIngress(t, x)],
    [informer("/apis/networking.k8s.io/v1/ingressclasses"), (t, x) => ctl.applyIngressClass(t, x)],
  ];
  for (const [inf, apply] of feeds) {
    inf.addHandler({ onChange: (obj, old) => apply(old ? "MODIFIED" : "ADDED", obj), onDelete: (obj) => apply("DELETED", obj) });
  }
  o.signal.addEventListener("abort", () => void ctl.stop(), { once: true });
  // A shared informer already running is not started twice; start() returns its first sync.
  await Promise.all(feeds.map(([inf]) => inf.start(o.signal)));
  return ctl;
}
