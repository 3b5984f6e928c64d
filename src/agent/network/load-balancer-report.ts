/**
 * This node's part in ServiceLB (K3s's servicelb, without svclb pods): the proxy tells which
 * of a LoadBalancer Service's ports could be bound here; the node records the IPs where every
 * port listens in an annotation on its own Node (LB_INGRESS_ANNOTATION), and the server's
 * servicelb controller unions all nodes' reports into the Service's status. A port taken on
 * this node leaves the node out, and says why in a Warning Event on the Service.
 *
 * Writes are coalesced: many Services changing at once (a relist) make one Node patch.
 */
import type { KubeObject } from "../../model/object.ts";
import { LB_INGRESS_ANNOTATION } from "../../model/cluster-network.ts";
import type { LoadBalancerStatus } from "../../net/proxy/index.ts";
import { log } from "../../log.ts";

/** Event reason when a node cannot take a LoadBalancer port (the port is in use here). */
export const PORT_IN_USE = "PortInUse";

export interface LoadBalancerReportDeps {
  nodeName: string;
  /** Merge-patches this node's Node. */
  patchNode(patch: object): Promise<unknown>;
  /** The Service as last seen (for the Event's involved object). */
  service(key: string): KubeObject | undefined;
  event(obj: KubeObject, type: "Warning" | "Normal", reason: string, message: string): void;
  /** Coalescing delay before a patch (default 100 ms). */
  delayMs?: number;
}

/** The node IPs this node offers for the Service: none under `externalTrafficPolicy: Local` without a local endpoint. */
export function offeredIngress(s: LoadBalancerStatus): string[] {
  if (s.externalTrafficLocal && !s.hasLocalEndpoints) return [];
  return [...s.ingress];
}

export class LoadBalancerReport {
  private readonly ingress = new Map<string, string[]>();
  private readonly failures = new Map<string, string>();
  private written: string | undefined;
  private timer?: ReturnType<typeof setTimeout>;
  private writing?: Promise<void>;
  private stopped = false;
  /** Held until the proxy has every Service and has bound: a partial report would drop ingress entries for a moment. */
  private live = false;

  constructor(private readonly d: LoadBalancerReportDeps) {}

  /** The proxy's view of one LoadBalancer Service on this node changed. */
  update(s: LoadBalancerStatus): void {
    const offered = offeredIngress(s);
    if (offered.length) this.ingress.set(s.service, offered);
    else this.ingress.delete(s.service);
    const before = this.failures.get(s.service);
    if (s.message && s.message !== before) {
      const svc = this.d.service(s.service);
      if (svc) this.d.event(svc, "Warning", PORT_IN_USE, `Node ${this.d.nodeName} is left out of the load balancer: ${s.message}`);
      this.failures.set(s.service, s.message);
    } else if (!s.message) this.failures.delete(s.service);
    this.schedule();
  }

  /** The Service is gone or no longer a LoadBalancer: this node offers nothing for it. */
  forget(service: string): void {
    this.failures.delete(service);
    if (this.ingress.delete(service)) this.schedule();
  }

  /** The annotation value as it should be now. */
  value(): string {
    return JSON.stringify(Object.fromEntries([...this.ingress].sort(([a], [b]) => a.localeCompare(b))));
  }

  /** The proxy is in sync: from now on changes are written. */
  begin(): void {
    this.live = true;
    this.schedule();
  }

  /** Writes now what is pending (tests, and a clean stop). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.writing) await this.writing;
    const want = this.value();
    if (want === this.written) return;
    this.writing = this.d
      .patchNode({ metadata: { annotations: { [LB_INGRESS_ANNOTATION]: want === "{}" ? null : want } } })
      .then(
        () => {
          this.written = want;
        },
        (e) => {
          log.warn("servicelb: reporting this node's load balancer addresses failed; retrying", { error: String(e) });
          this.retryLater();
        },
      )
      .finally(() => {
        this.writing = undefined;
      });
    await this.writing;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped || !this.live || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.d.delayMs ?? 100);
  }

  private retryLater(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, 5000);
  }
}
