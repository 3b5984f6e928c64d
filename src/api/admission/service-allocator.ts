/**
 * ClusterIP and NodePort allocation for Services. The allocator is in memory, rebuilt from
 * the stored Services at start (so a restart never hands out a taken address), and updated
 * on every create, update and delete. JS is single-threaded, so allocate-then-store cannot
 * race with another allocation; a write that fails releases what it took.
 */
import type { KubeObject } from "../../model/object.ts";
import { errors } from "../../model/errors.ts";
import type { AdmissionPlugin, AdmissionRequest } from "./types.ts";
import { invalid } from "../resources/validation/causes.ts";

export interface ServiceCidr {
  /** Network address as a 32-bit number, e.g. 10.43.0.0. */
  base: number;
  size: number;
}

export function parseCidr(cidr: string): ServiceCidr {
  const [ip, bits] = cidr.split("/");
  const base = ipToNumber(ip!);
  const size = 2 ** (32 - Number(bits));
  return { base, size };
}

export function ipToNumber(ip: string): number {
  const p = ip.split(".").map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return NaN;
  return ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!;
}

export function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

export class ServiceAllocator implements AdmissionPlugin {
  readonly name = "ServiceIPAllocator";
  private ips = new Set<string>();
  private ports = new Set<number>();

  constructor(private readonly cidr: ServiceCidr) {}

  /** Marks what existing Services hold. */
  load(services: KubeObject[]): void {
    for (const s of services) this.hold(s);
  }

  private hold(svc: KubeObject): void {
    // Services stored before validation may hold anything here; what cannot be read holds nothing
    // (one `ports: 5` must not keep the server from starting).
    const ip = svc.spec?.clusterIP;
    if (typeof ip === "string" && ip && ip !== "None") this.ips.add(ip);
    const ports: unknown = svc.spec?.ports;
    if (!Array.isArray(ports)) return;
    for (const p of ports) if (Number.isInteger(p?.nodePort) && p.nodePort > 0) this.ports.add(p.nodePort);
  }

  admit(req: AdmissionRequest): void {
    if (req.def.kind !== "Service" || req.subresource) return;
    if (req.operation === "DELETE") return;
    const svc = req.object;
    const spec = (svc.spec ??= {});
    const old = req.old?.spec;
    if (spec.type === "ExternalName") {
      delete spec.clusterIP;
      delete spec.clusterIPs;
      return;
    }
    // ClusterIP: keep the old one on update; honour a requested one; otherwise allocate.
    if (old?.clusterIP && (spec.clusterIP === undefined || spec.clusterIP === "")) spec.clusterIP = old.clusterIP;
    if (spec.clusterIP === undefined || spec.clusterIP === "") {
      spec.clusterIP = this.allocateIp();
    } else if (spec.clusterIP !== "None" && spec.clusterIP !== old?.clusterIP) {
      const n = ipToNumber(spec.clusterIP);
      if (Number.isNaN(n) || n <= this.cidr.base || n >= this.cidr.base + this.cidr.size - 1) {
        throw errors.invalid("", "Service", svc.metadata.name ?? "", [invalid("spec.clusterIPs", [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${numberToIp(this.cidr.base)}/${32 - Math.log2(this.cidr.size)}`)]);
      }
      if (this.ips.has(spec.clusterIP)) {
        throw errors.invalid("", "Service", svc.metadata.name ?? "", [invalid("spec.clusterIPs", [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`)]);
      }
      this.ips.add(spec.clusterIP);
    }
    spec.clusterIPs = [spec.clusterIP];
    // NodePorts for NodePort and LoadBalancer services.
    const wantsNodePorts = spec.type === "NodePort" || (spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts !== false);
    const oldPorts = new Map<string, number>();
    for (const p of old?.ports ?? []) if (p?.nodePort) oldPorts.set(`${p.port}/${p.protocol}`, p.nodePort);
    for (const [i, p] of (spec.ports ?? []).entries()) {
      if (!wantsNodePorts) {
        delete p.nodePort;
        continue;
      }
      const kept = oldPorts.get(`${p.port}/${p.protocol}`);
      if (p.nodePort === undefined && kept !== undefined) p.nodePort = kept;
      if (p.nodePort === undefined) p.nodePort = this.allocatePort();
      else if (p.nodePort !== kept) {
        if (this.ports.has(p.nodePort)) {
          throw errors.invalid("", "Service", svc.metadata.name ?? "", [invalid(`spec.ports[${i}].nodePort`, p.nodePort, "provided port is already allocated")]);
        }
        this.ports.add(p.nodePort);
      }
    }
  }

  /** Frees what `object` holds that `keep` (the object that stays, on update) does not. */
  release(req: AdmissionRequest): void {
    if (req.def.kind !== "Service") return;
    const keep = req.operation === "UPDATE" && req.old ? req.old : undefined;
    const gone = req.object;
    const ip = gone.spec?.clusterIP;
    if (ip && ip !== "None" && ip !== keep?.spec?.clusterIP) this.ips.delete(ip);
    const kept = new Set<number>((keep?.spec?.ports ?? []).map((p: any) => p?.nodePort));
    for (const p of gone.spec?.ports ?? []) if (p?.nodePort && !kept.has(p.nodePort)) this.ports.delete(p.nodePort);
  }

  /** After a stored update: free what the old object held and the new one does not. */
  committed(req: AdmissionRequest): void {
    if (req.def.kind !== "Service" || req.operation !== "UPDATE" || !req.old) return;
    const oldSvc = req.old;
    const newSvc = req.object;
    const ip = oldSvc.spec?.clusterIP;
    if (ip && ip !== "None" && ip !== newSvc.spec?.clusterIP) this.ips.delete(ip);
    const now = new Set<number>((newSvc.spec?.ports ?? []).map((p: any) => p?.nodePort));
    for (const p of oldSvc.spec?.ports ?? []) if (p?.nodePort && !now.has(p.nodePort)) this.ports.delete(p.nodePort);
  }

  private allocateIp(): string {
    // Random probing like the apiserver's bitmap allocator; .1 and .10 are reserved for the
    // kubernetes and DNS services by convention, and the first 16 addresses are kept for such
    // well-known services (they can still be requested explicitly).
    const first = this.cidr.base + 16;
    const count = this.cidr.size - 17;
    if (this.ips.size >= count) throw errors.internal("range is full: no more ClusterIPs");
    const start = Math.floor(Math.random() * count);
    for (let i = 0; i < count; i++) {
      const ip = numberToIp(first + ((start + i) % count));
      if (!this.ips.has(ip)) {
        this.ips.add(ip);
        return ip;
      }
    }
    throw errors.internal("range is full: no more ClusterIPs");
  }

  private allocatePort(): number {
    const count = NODE_PORT_MAX - NODE_PORT_MIN + 1;
    const start = Math.floor(Math.random() * count);
    for (let i = 0; i < count; i++) {
      const port = NODE_PORT_MIN + ((start + i) % count);
      if (!this.ports.has(port)) {
        this.ports.add(port);
        return port;
      }
    }
    throw errors.internal("range is full: no more NodePorts");
  }
}
