/**
 * Services and their EndpointSlices as Ingress backends: `(Service, port number or name)` →
 * the ready endpoints, chosen the way the service proxy chooses them (its `portEndpoints`,
 * over its `SliceIndex`). Targets are computed when a Service or slice changes and cached per
 * backend port, so a request costs two map lookups and a round-robin step.
 */
import type { V1ServicePort } from "@kubernetes/client-node";
import type { KubeObject } from "../../model/object.ts";
import { objectKey } from "../../model/object.ts";
import { portEndpoints } from "../proxy/endpoints.ts";
import { SliceIndex } from "../proxy/slice-index.ts";
import type { Target } from "../proxy/types.ts";
import { serviceKey } from "./backend-ref.ts";
import type { BackendRef } from "./types.ts";

/** Why a backend has no target: the Service (or its port) is missing, or no endpoint is ready. */
export type NoTarget = "no-service" | "no-endpoints";

interface Pool {
  targets: Target[];
  next: number;
}

interface ServiceState {
  ports: V1ServicePort[];
  /** port number or name as the Ingress wrote it → its pool */
  pools: Map<number | string, Pool | NoTarget>;
}

export class BackendTable {
  private readonly services = new Map<string, ServiceState>();
  private readonly slices = new SliceIndex();

  constructor(private readonly onChange?: (service: string) => void) {}

  upsertService(svc: KubeObject): void {
    const key = objectKey(svc.metadata.namespace, svc.metadata.name ?? "");
    // ExternalName Services have no endpoints to route to; they read as missing (503).
    const ports = svc.spec?.type === "ExternalName" ? [] : Array.isArray(svc.spec?.ports) ? (svc.spec.ports as V1ServicePort[]) : [];
    this.services.set(key, { ports, pools: new Map() });
    this.onChange?.(key);
  }

  deleteService(key: string): void {
    if (this.services.delete(key)) this.onChange?.(key);
  }

  upsertSlice(slice: KubeObject): void {
    for (const svc of this.slices.upsert(slice)) this.invalidate(svc);
  }

  deleteSlice(slice: KubeObject): void {
    const svc = this.slices.delete(slice);
    if (svc) this.invalidate(svc);
  }

  /** The next target of the backend round-robin, skipping `exclude` (targets that refused this request). */
  pick(ref: BackendRef, exclude?: ReadonlySet<string>): Target | NoTarget {
    const pool = this.pool(ref);
    if (typeof pool === "string") return pool;
    const ts = pool.targets;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[pool.next++ % ts.length]!;
      if (pool.next > 1e9) pool.next = 0;
      if (!exclude?.has(t.key)) return t;
    }
    return "no-endpoints";
  }

  /** All targets of a backend (tests, status). */
  targets(ref: BackendRef): Target[] {
    const pool = this.pool(ref);
    return typeof pool === "string" ? [] : pool.targets;
  }

  private pool(ref: BackendRef): Pool | NoTarget {
    const s = this.services.get(serviceKey(ref));
    if (!s) return "no-service";
    let pool = s.pools.get(ref.port);
    if (pool === undefined) {
      pool = this.compute(serviceKey(ref), s.ports, ref.port);
      s.pools.set(ref.port, pool);
    }
    return pool;
  }

  private compute(key: string, ports: V1ServicePort[], want: number | string): Pool | NoTarget {
    const port = ports.find((p) => (typeof want === "number" ? p.port === want : p.name === want));
    if (!port || (port.protocol ?? "TCP") !== "TCP") return "no-service";
    const targets = portEndpoints(this.slices.of(key), port.name ?? "", "TCP", undefined).cluster;
    return targets.length > 0 ? { targets, next: 0 } : "no-endpoints";
  }

  private invalidate(key: string): void {
    this.services.get(key)?.pools.clear();
    this.onChange?.(key);
  }
}
