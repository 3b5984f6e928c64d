/**
 * Busybox pods for the multi-node network tests: a web server that answers with its own name
 * (`/`) and with the client address it sees (`/cgi-bin/ip`; httpd listens on a dual-stack socket, so an IPv4 client reads `[::ffff:10.42.x.y]`), a client that just waits, and
 * `wget` from inside a pod. Debian's static busybox `wget -T` segfaults, so every request is
 * wrapped in `timeout` instead (DESIGN.md).
 */
import type { MultiNodeCluster } from "./multi-node.ts";

export const WEB_PORT = 8080;

/** The shell that turns a busybox container into the web server: index = pod name, CGI `ip` = REMOTE_ADDR. */
export const WEB_SCRIPT = [
  "mkdir -p /www/cgi-bin",
  "hostname > /www/index.html",
  `printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/ip`,
  "chmod +x /www/cgi-bin/ip",
  `exec httpd -f -p ${WEB_PORT} -h /www`,
].join("; ");

export interface PodOptions {
  namespace: string;
  /** Pinned to this node (by its hostname label). */
  node?: string;
  labels?: Record<string, string>;
  /** More pod spec fields (dnsPolicy, dnsConfig, …). */
  spec?: Record<string, unknown>;
}

/** A web pod (see WEB_SCRIPT); Ready once httpd answers. */
export function webPod(name: string, o: PodOptions): object {
  return pod(name, o, { command: ["sh", "-c", WEB_SCRIPT], ports: [{ name: "http", containerPort: WEB_PORT }], readinessProbe: { httpGet: { path: "/", port: WEB_PORT }, periodSeconds: 1 } });
}

/**
 * A Deployment of web pods (see WEB_SCRIPT), one per node (required anti-affinity on the
 * hostname), labelled `app: <name>`; a pod is unready while its /tmp/unready exists.
 */
export function webDeployment(name: string, namespace: string, replicas = 2): object {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 1,
          affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: labels }, topologyKey: "kubernetes.io/hostname" }] } },
          containers: [
            {
              name: "web",
              image: "busybox",
              command: ["sh", "-c", WEB_SCRIPT],
              ports: [{ name: "http", containerPort: WEB_PORT }],
              readinessProbe: { exec: { command: ["sh", "-c", "test ! -e /tmp/unready"] }, periodSeconds: 1, failureThreshold: 1 },
            },
          ],
        },
      },
    },
  };
}

/** Waits until the Deployment's pods are Ready on distinct nodes; pod name → node name. */
export async function spreadPods(c: MultiNodeCluster, app: string, count = 2): Promise<Map<string, string>> {
  return c.waitFor(`${count} ${app} pods Ready on ${count} nodes`, async () => {
    const pods = (await c.json("get", "pods", "-n", c.namespace, "-l", `app=${app}`)).items;
    const ready = pods.filter((p: any) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((x: any) => x.type === "Ready" && x.status === "True"));
    const placed = new Map<string, string>(ready.map((p: any) => [p.metadata.name, p.spec.nodeName]));
    return ready.length === count && new Set(placed.values()).size === count ? placed : undefined;
  });
}

/** A pod that only waits, to run requests from. */
export function clientPod(name: string, o: PodOptions): object {
  return pod(name, o, { command: ["sleep", "3600"] });
}

function pod(name: string, o: PodOptions, container: object): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: o.namespace, labels: o.labels ?? {} },
    spec: {
      ...(o.node ? { nodeSelector: { "kubernetes.io/hostname": o.node } } : {}),
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "main", image: "busybox", ...container }],
      ...o.spec,
    },
  };
}

/** `wget -qO- url` inside a pod (10 s `timeout`); exit code and output. */
export async function wgetIn(c: MultiNodeCluster, pod: string, url: string, ns = c.namespace): Promise<{ code: number; out: string }> {
  return c.exec(pod, ["timeout", "10", "wget", "-qO-", url], { ns });
}

/** `wget` that must succeed; the body, trimmed. */
export async function mustWget(c: MultiNodeCluster, pod: string, url: string, ns = c.namespace): Promise<string> {
  const r = await wgetIn(c, pod, url, ns);
  if (r.code !== 0) throw new Error(`wget ${url} in ${pod} failed (${r.code}): ${r.out}\n${c.logs()}`);
  return r.out.trim();
}

/** The IPv4 numbers of a dotted address and whether it lies in a CIDR. */
export function inCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split("/");
  const n = (a: string) => a.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(ip) / size) === Math.floor(n(net!) / size);
}

/** Every /24 of a cluster CIDR (for a test that must guess which one the server assigns next). */
export function slash24s(cidr: string): string[] {
  const [net, bits] = cidr.split("/");
  const [a, b, c0] = net!.split(".").map(Number);
  const count = 2 ** (24 - Number(bits));
  return Array.from({ length: count }, (_, i) => `${a}.${b! + Math.floor((c0! + i) / 256)}.${(c0! + i) % 256}.0/24`);
}
