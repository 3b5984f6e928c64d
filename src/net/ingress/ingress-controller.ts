/**
 * One node's Ingress controller: fed IngressClass, Ingress, Service, EndpointSlice and Secret
 * events (from the agent's informers), it keeps the routing, backend and certificate tables
 * and the listeners that serve them. Every event changes the tables synchronously, so the next
 * request sees it; certificate changes are coalesced into one listener swap per tick.
 *
 * The listeners are open only while an IngressClass of ours exists: the server creates it at
 * start unless `--disable=ingress`, which is how that flag frees ports 80 and 443 on every
 * node, agents included, without a flag of their own.
 *
 * @example
 * const ing = new IngressController({ registry, http: [{ hostname: "0.0.0.0", port: 80 }], https: [{ hostname: "0.0.0.0", port: 443 }] });
 * ingresses.addHandler({ onChange: (o) => ing.applyIngress("MODIFIED", o), onDelete: (o) => ing.applyIngress("DELETED", o) });
 */
import type client from "prom-client";
import { log } from "../../log.ts";
import type { KubeObject } from "../../model/object.ts";
import { objectKey } from "../../model/object.ts";
import { BackendTable } from "./backend-table.ts";
import { type ClassView, anyOurClass, isOurIngress } from "./ingress-class.ts";
import { IngressListeners, type ListenAddress } from "./listeners.ts";
import { IngressMetrics } from "./metrics.ts";
import { RouteTable } from "./route-table.ts";
import { TlsTable } from "./tls-table.ts";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** Where the server keeps the certificate served to names no Ingress claims. */
export const DEFAULT_CERT_SECRET = { namespace: "kube-system", name: "k3rs-ingress-default-cert" } as const;

export interface IngressControllerOptions {
  registry: client.Registry;
  http: ListenAddress[];
  https: ListenAddress[];
  /** `namespace/name` of the default certificate's Secret (default kube-system/k3rs-ingress-default-cert) */
  defaultCertSecret?: string;
  bindRetryMs?: number;
  /** how long a backend may take to send its response head before the client gets a 504 (default 60000) */
  responseHeadTimeoutMs?: number;
  /** see ListenersOptions.migrateOnClose */
  migrateOnClose?: boolean;
}

export class IngressController {
  readonly routes = new RouteTable();
  readonly backends = new BackendTable();
  readonly tls: TlsTable;
  readonly metrics: IngressMetrics;
  readonly listeners: IngressListeners;
  private readonly classes = new Map<string, KubeObject>();
  private readonly classView: ClassView = { get: (n) => this.classes.get(n), list: () => this.classes.values() };
  /** every Ingress seen, ours or not: a class change can make any of them ours */
  private readonly ingresses = new Map<string, KubeObject>();
  private tlsDirty = false;
  private stopped = false;

  constructor(o: IngressControllerOptions) {
    this.metrics = new IngressMetrics(o.registry);
    this.tls = new TlsTable(o.defaultCertSecret ?? `${DEFAULT_CERT_SECRET.namespace}/${DEFAULT_CERT_SECRET.name}`);
    this.listeners = new IngressListeners({ http: o.http, https: o.https, routes: this.routes, backends: this.backends, metrics: this.metrics, bindRetryMs: o.bindRetryMs, responseHeadTimeoutMs: o.responseHeadTimeoutMs, migrateOnClose: o.migrateOnClose });
  }

  applyIngressClass(type: WatchEventType, cls: KubeObject): void {
    const name = cls.metadata.name ?? "";
    if (type === "DELETED") this.classes.delete(name);
    else this.classes.set(name, cls);
    // Which Ingresses are ours may have changed with it (the default class, a class renamed).
    for (const ing of this.ingresses.values()) this.route(ing);
    this.scheduleTls();
    if (this.stopped) return;
    if (anyOurClass(this.classView)) this.listeners.open();
    else void this.listeners.close(true);
  }

  applyIngress(type: WatchEventType, ing: KubeObject): void {
    const key = objectKey(ing.metadata.namespace, ing.metadata.name ?? "");
    if (type === "DELETED") {
      this.ingresses.delete(key);
      this.routes.delete(key);
      this.tls.deleteIngress(key);
    } else {
      this.ingresses.set(key, ing);
      this.route(ing);
    }
    this.scheduleTls();
  }

  applyService(type: WatchEventType, svc: KubeObject): void {
    if (type === "DELETED") this.backends.deleteService(objectKey(svc.metadata.namespace, svc.metadata.name ?? ""));
    else this.backends.upsertService(svc);
  }

  applyEndpointSlice(type: WatchEventType, slice: KubeObject): void {
    if (type === "DELETED") this.backends.deleteSlice(slice);
    else this.backends.upsertSlice(slice);
  }

  applySecret(type: WatchEventType, secret: KubeObject): void {
    const key = objectKey(secret.metadata.namespace, secret.metadata.name ?? "");
    const hasPair = typeof secret.data?.["tls.crt"] === "string" || typeof secret.data?.["tls.key"] === "string";
    if (type === "DELETED" || !hasPair) this.tls.deleteSecret(key);
    else {
      const pair = this.tls.upsertSecret(secret);
      if (!pair.ok && this.tls.uses(key)) {
        this.metrics.error("tls_secret");
        log.warn("ingress: TLS Secret not usable", { secret: key, reason: pair.reason });
      }
    }
    if (this.tls.uses(key)) this.scheduleTls();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.listeners.close();
  }

  private route(ing: KubeObject): void {
    const key = objectKey(ing.metadata.namespace, ing.metadata.name ?? "");
    if (isOurIngress(ing, this.classView)) {
      this.routes.upsert(ing);
      this.tls.upsertIngress(ing);
    } else {
      this.routes.delete(key);
      this.tls.deleteIngress(key);
    }
  }

  /** Many Secret and Ingress events in one tick (a relist) make one certificate swap. */
  private scheduleTls(): void {
    if (this.tlsDirty) return;
    this.tlsDirty = true;
    queueMicrotask(() => {
      this.tlsDirty = false;
      if (!this.stopped) this.listeners.setTls(this.tls.entries());
    });
  }
}
