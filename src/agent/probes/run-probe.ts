/**
 * One probe attempt, as the kubelet's prober makes it (`pkg/kubelet/prober`): exec in the
 * container (exit code 0), HTTP GET (a status in 200–399), or a TCP connect — each bounded by
 * timeoutSeconds. The message is what an Unhealthy event says.
 */
import type { KubeObject } from "../../model/object.ts";

export interface ProbeResult {
  ok: boolean;
  message?: string;
}

export interface ProbeTarget {
  pod: KubeObject;
  container: any;
  containerId: string;
  podIP: string | undefined;
  /** CRI ExecSync, when the runtime has it. */
  execSync?: (containerId: string, cmd: string[], timeoutSeconds: number) => Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

/** A named port resolves against the container's ports, as the kubelet resolves it. */
export function resolvePort(port: unknown, container: any): number | undefined {
  if (typeof port === "number") return port;
  if (typeof port === "string" && /^\d+$/.test(port)) return Number(port);
  const named = (container.ports ?? []).find((p: any) => p.name === port);
  return named?.containerPort;
}

const OUTPUT_LIMIT = 10 * 1024;

export async function runProbe(probe: any, t: ProbeTarget): Promise<ProbeResult> {
  const timeoutSeconds = Math.max(1, probe.timeoutSeconds ?? 1);
  if (probe.exec) {
    if (!t.execSync) return { ok: true };
    try {
      const r = await t.execSync(t.containerId, probe.exec.command ?? [], timeoutSeconds);
      if (r.exitCode === 0) return { ok: true };
      const out = `${r.stdout}${r.stderr}`.slice(0, OUTPUT_LIMIT);
      return { ok: false, message: out || `command ${JSON.stringify((probe.exec.command ?? []).join(" "))} exited with ${r.exitCode}` };
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      return { ok: false, message: /deadline|timeout/i.test(text) ? `command timed out: ${JSON.stringify((probe.exec.command ?? []).join(" "))} timed out after ${timeoutSeconds}s` : text };
    }
  }
  if (probe.httpGet) {
    const g = probe.httpGet;
    const port = resolvePort(g.port, t.container);
    const host = g.host || t.podIP;
    if (!port || !host) return { ok: false, message: `cannot probe: ${!port ? `port ${JSON.stringify(g.port)} not found` : "the pod has no IP yet"}` };
    const scheme = String(g.scheme ?? "HTTP").toLowerCase();
    const path = g.path ? (g.path.startsWith("/") ? g.path : `/${g.path}`) : "/";
    const url = `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}${path}`;
    const headers: Record<string, string> = { "User-Agent": "kube-probe/1.32", Accept: "*/*" };
    for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
    try {
      const r = await fetch(url, { headers, redirect: "manual", signal: AbortSignal.timeout(timeoutSeconds * 1000), tls: { rejectUnauthorized: false } } as RequestInit);
      await r.arrayBuffer().catch(() => undefined);
      if (r.status >= 200 && r.status < 400) return { ok: true };
      return { ok: false, message: `HTTP probe failed with statuscode: ${r.status}` };
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      return { ok: false, message: /timed? ?out|abort/i.test(text) ? `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` : `Get "${url}": ${text}` };
    }
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, t.container);
    const host = probe.tcpSocket.host || t.podIP;
    if (!port || !host) return { ok: false, message: "cannot probe: no address" };
    return tcpConnect(host, port, timeoutSeconds * 1000);
  }
  if (probe.grpc) return { ok: false, message: "gRPC probes are not supported on this node" };
  return { ok: true };
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` }), timeoutMs);
    Bun.connect({
      hostname: host,
      port,
      socket: {
        open(s) {
          s.end();
          done({ ok: true });
        },
        data() {},
        error(_s, e) {
          done({ ok: false, message: `dial tcp ${host}:${port}: ${e.message}` });
        },
        connectError(_s, e) {
          done({ ok: false, message: `dial tcp ${host}:${port}: connect: ${e.message}` });
        },
      },
    }).catch((e) => done({ ok: false, message: `dial tcp ${host}:${port}: ${e instanceof Error ? e.message : String(e)}` }));
  });
}
