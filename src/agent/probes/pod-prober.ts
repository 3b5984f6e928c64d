/**
 * The probes of one pod (kubelet `prober_manager.go` / `worker.go`): a loop per running
 * container and probe kind, counting consecutive results against success/failure
 * thresholds. Startup gates the other two; readiness decides the container's `ready`;
 * liveness (and startup) failing past the threshold has the container killed so that its
 * restart policy applies. Results reset with every new container.
 */
import type { KubeObject } from "../../model/object.ts";
import type { ContainerInfo } from "../runtime/types.ts";
import { runProbe, type ProbeResult, type ProbeTarget } from "./run-probe.ts";

export type ProbeKind = "startup" | "liveness" | "readiness";

const FIELD: Record<ProbeKind, string> = { startup: "startupProbe", liveness: "livenessProbe", readiness: "readinessProbe" };
const LABEL: Record<ProbeKind, string> = { startup: "Startup", liveness: "Liveness", readiness: "Readiness" };

export interface ProberDeps {
  execSync?: ProbeTarget["execSync"];
  /** A result changed: the pod's status should be written again. */
  onChange(): void;
  /** A failed probe (the kubelet's Unhealthy event). */
  onUnhealthy(containerName: string, message: string): void;
  /** Liveness or startup gave up on a container: kill it so it restarts. */
  onKill(containerId: string, containerName: string, message: string): void;
  /** For tests: how a probe runs. */
  run?: (probe: any, target: ProbeTarget) => Promise<ProbeResult>;
}

interface Worker {
  kind: ProbeKind;
  result: boolean | undefined;
  successes: number;
  failures: number;
  timer?: ReturnType<typeof setTimeout>;
  stopped: boolean;
}

export class PodProber {
  private readonly workers = new Map<string, Worker[]>();
  private pod: KubeObject | undefined;
  private podIP: string | undefined;

  constructor(private readonly d: ProberDeps) {}

  /** Starts probing containers that now run, stops it for those that no longer do. */
  sync(pod: KubeObject, containers: ContainerInfo[], podIP: string | undefined): void {
    this.pod = pod;
    this.podIP = podIP;
    const running = new Map(containers.filter((c) => c.state === "running").map((c) => [c.id, c]));
    for (const [id, ws] of this.workers) {
      if (running.has(id)) continue;
      for (const w of ws) this.halt(w);
      this.workers.delete(id);
    }
    const specs = new Map<string, any>([...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c: any) => [c.name, c]));
    for (const [id, c] of running) {
      if (this.workers.has(id)) continue;
      const spec = specs.get(c.name);
      if (!spec) continue;
      const ws: Worker[] = [];
      for (const kind of ["startup", "liveness", "readiness"] as ProbeKind[]) {
        if (!spec[FIELD[kind]]) continue;
        // Before its first result: not started, live, not ready (the kubelet's initial values).
        const w: Worker = { kind, result: kind === "liveness" ? true : undefined, successes: 0, failures: 0, stopped: false };
        ws.push(w);
        const delay = spec[FIELD[kind]].initialDelaySeconds ?? 0;
        const sinceStart = Date.now() - c.startedAt;
        this.schedule(w, id, spec, Math.max(0, delay * 1000 - sinceStart));
      }
      this.workers.set(id, ws);
    }
  }

  /** Readiness of a running container: false until its readiness probe succeeds; true without one. */
  ready(containerId: string): boolean {
    const ws = this.workers.get(containerId) ?? [];
    if (!this.started(containerId)) return false;
    const r = ws.find((w) => w.kind === "readiness");
    return r ? r.result === true : true;
  }

  started(containerId: string): boolean {
    const s = (this.workers.get(containerId) ?? []).find((w) => w.kind === "startup");
    return s ? s.result === true : true;
  }

  stop(): void {
    for (const ws of this.workers.values()) for (const w of ws) this.halt(w);
    this.workers.clear();
  }

  private halt(w: Worker): void {
    w.stopped = true;
    if (w.timer) clearTimeout(w.timer);
  }

  private schedule(w: Worker, id: string, spec: any, delayMs: number): void {
    if (w.stopped) return;
    w.timer = setTimeout(() => void this.tick(w, id, spec), delayMs);
  }

  private async tick(w: Worker, id: string, spec: any): Promise<void> {
    if (w.stopped || !this.pod) return;
    const probe = spec[FIELD[w.kind]];
    const period = Math.max(1, probe.periodSeconds ?? 10) * 1000;
    // Liveness and readiness wait for startup to succeed; startup stops once it has.
    const startupDone = this.started(id);
    if ((w.kind !== "startup" && !startupDone) || (w.kind === "startup" && w.result === true)) return this.schedule(w, id, spec, period);
    const r = await (this.d.run ?? runProbe)(probe, { pod: this.pod, container: spec, containerId: id, podIP: this.podIP, execSync: this.d.execSync });
    if (w.stopped) return;
    const before = w.result;
    if (r.ok) {
      w.successes++;
      w.failures = 0;
      const need = w.kind === "readiness" ? probe.successThreshold ?? 1 : 1;
      if (w.successes >= need) w.result = true;
    } else {
      w.failures++;
      w.successes = 0;
      this.d.onUnhealthy(spec.name, `${LABEL[w.kind]} probe failed: ${r.message ?? ""}`.trim());
      if (w.failures >= (probe.failureThreshold ?? 3)) w.result = false;
    }
    if (w.result !== before) {
      this.d.onChange();
      if (w.result === false && w.kind !== "readiness") {
        const message = `Container ${spec.name} failed ${w.kind} probe, will be restarted`;
        this.halt(w);
        this.d.onKill(id, spec.name, message);
        return;
      }
    }
    this.schedule(w, id, spec, period);
  }
}
