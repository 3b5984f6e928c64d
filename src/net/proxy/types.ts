/** Shapes shared by the service proxy's table, listeners and entry point. */

/** Protocols the proxy relays; SCTP Services are skipped (no userspace SCTP in Bun). */
export type Protocol = "TCP" | "UDP";

/** Where a frontend's traffic comes from decides which traffic policy applies to it. */
export type FrontendKind = "ClusterIP" | "ExternalIP" | "NodePort" | "LoadBalancer";

/** One backend address a connection may go to. */
export interface Target {
  ip: string;
  port: number;
  /** `ip:port`, the key sessions and affinity remember. */
  key: string;
  nodeName?: string;
}

/** Client-IP affinity of one Service port, shared by its ClusterIP, NodePort and LB frontends. */
export interface Affinity {
  timeoutMs: number;
  /** client IP → target key and when the entry expires (ms since epoch) */
  byClient: Map<string, { target: string; expires: number }>;
}

/**
 * One address the proxy listens on: `(ip, port, protocol)` of a Service port. The object stays
 * the same while the Service keeps that address, and `targets` is replaced in place when its
 * endpoints change, so a listener looks its frontend up once per connection and sees the
 * change at once.
 */
export interface Frontend {
  /** `TCP/10.43.0.5:80` */
  key: string;
  ip: string;
  port: number;
  protocol: Protocol;
  kind: FrontendKind;
  /** `namespace/name` of the Service */
  service: string;
  portName: string;
  targets: Target[];
  /** bumped whenever `targets` changes, so UDP sessions re-check their target cheaply */
  generation: number;
  affinity?: Affinity;
  /** round-robin cursor */
  next: number;
}

export function frontendKey(protocol: Protocol, ip: string, port: number): string {
  return ip.includes(":") ? `${protocol}/[${ip}]:${port}` : `${protocol}/${ip}:${port}`;
}
