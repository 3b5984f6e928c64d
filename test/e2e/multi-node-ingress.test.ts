/**
 * The Ingress controller on two real nodes (test/helpers/multi-node.ts), reached from the host
 * on ports 80/443 of each node's IP: busybox web pods answering with their own name behind
 * Services; host routing (exact and `*.` wildcard), Prefix/Exact paths with the longest match,
 * 404 for an unknown host, 503 for a backend without a ready endpoint, HTTPS with the tls
 * Secret's certificate by SNI and the default one for other names, a rotated Secret served
 * without a restart, an Ingress of another class left alone, `status.loadBalancer.ingress`
 * with both node IPs, a change to an Ingress taking effect (the delay is printed), and the
 * Services' port 80 still served on their ClusterIPs beside the ingress, and a WebSocket
 * through the Ingress (HTTP and HTTPS) to a busybox echo server (test/helpers/busybox-websocket.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { connect as netConnect } from "node:net";
import { connect } from "node:tls";
import { WS_PORT, webSocketPod } from "../helpers/busybox-websocket.ts";
import { leftovers, startMultiNode, type ClusterNode, type MultiNodeCluster } from "../helpers/multi-node.ts";
import { WEB_PORT } from "../helpers/multi-node-pods.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";
import { sh } from "../helpers/shell.ts";

const CAN_RUN = CAN_RUN_PODS && existsSync("/usr/bin/nsenter") && existsSync("/usr/bin/kubectl") && existsSync("/usr/bin/curl") && existsSync("/usr/bin/openssl");
const PREFIX = "mi";
const T = 120_000; // a ceiling against hangs, not a performance threshold

/**
 * A busybox web pod whose every page is its own name (a missing one too, with status 404), so
 * the answering pod shows which route a path took.
 */
function webPod(name: string, namespace: string, node: string): object {
  const script = ["mkdir -p /www", "hostname > /www/index.html", "echo E404:/www/index.html > /tmp/httpd.conf", `exec httpd -f -p ${WEB_PORT} -h /www -c /tmp/httpd.conf`].join("; ");
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      nodeSelector: { "kubernetes.io/hostname": node },
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "web", image: "busybox", command: ["sh", "-c", script], readinessProbe: { httpGet: { path: "/", port: WEB_PORT }, periodSeconds: 1 } }],
    },
  };
}

/** RFC 6455 §1.3's example key and the accept it must get. */
const RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const RFC_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

const POD_NAMES = new Set(["alpha", "beta", "gamma"]);

function service(name: string, namespace: string, app: string): object {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: { selector: { app }, ports: [{ name: "http", port: 80, targetPort: WEB_PORT }] },
  };
}

const backend = (name: string, port: { number: number } | { name: string } = { number: 80 }) => ({ service: { name, port } });

function routes(namespace: string, extraPaths: object[] = []): object {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "routes", namespace },
    spec: {
      tls: [{ hosts: ["a.example.test"], secretName: "tls-a" }],
      rules: [
        {
          host: "a.example.test",
          http: {
            paths: [
              { path: "/", pathType: "Prefix", backend: backend("alpha") },
              { path: "/api", pathType: "Prefix", backend: backend("beta", { name: "http" }) },
              { path: "/api/exact", pathType: "Exact", backend: backend("gamma") },
              ...extraPaths,
            ],
          },
        },
        { host: "*.example.test", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("beta") }] } },
        { host: "down.example.test", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("nobody") }] } },
      ],
    },
  };
}

describe.skipIf(!CAN_RUN)("Ingress on two nodes", () => {
  let c: MultiNodeCluster;
  let a: ClusterNode;
  let b: ClusterNode;
  let certDir = "";

  beforeAll(async () => {
    c = await startMultiNode({ prefix: PREFIX, subnet: 239, clusterCidr: "10.42.64.0/21", agents: 1 });
    [a, b] = c.nodes as [ClusterNode, ClusterNode];
    certDir = join(c.baseDir, "certs");
    mkdirSync(certDir, { recursive: true });
    const ns = c.namespace;
    await c.apply(
      webPod("alpha", ns, a.name),
      webPod("beta", ns, b.name),
      webPod("gamma", ns, b.name),
      service("alpha", ns, "alpha"),
      service("beta", ns, "beta"),
      service("gamma", ns, "gamma"),
      service("nobody", ns, "nobody"),
      webSocketPod("ws", ns, b.name),
      { apiVersion: "v1", kind: "Service", metadata: { name: "ws", namespace: ns }, spec: { selector: { app: "ws" }, ports: [{ name: "ws", port: 80, targetPort: WS_PORT }] } },
    );
    await makeCert("a1");
    await c.k("create", "secret", "tls", "tls-a", "-n", ns, "--cert", join(certDir, "a1.crt"), "--key", join(certDir, "a1.key"));
    await c.apply(routes(ns), {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "ws", namespace: ns },
      spec: { rules: [{ host: "ws.example.test", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("ws") }] } }] },
    });
    for (const p of ["alpha", "beta", "gamma", "ws"]) await c.podReady(p);
  }, T);

  afterAll(async () => {
    await c?.close();
    expect(await leftovers(PREFIX)).toEqual([]);
  }, T);

  async function makeCert(name: string): Promise<void> {
    const r = await sh(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=a.example.test", "-addext", "subjectAltName=DNS:a.example.test", "-keyout", join(certDir, `${name}.key`), "-out", join(certDir, `${name}.crt`)]);
    if (r.code !== 0) throw new Error(`openssl: ${r.out}`);
  }

  const fingerprintOf = (name: string) => new X509Certificate(readFileSync(join(certDir, `${name}.crt`))).fingerprint256;

  /** curl from the host to a node for a host name; status and body (trimmed). */
  async function get(node: ClusterNode, host: string, path = "/", scheme: "http" | "https" = "http"): Promise<{ status: number; body: string }> {
    const port = scheme === "http" ? 80 : 443;
    const r = await sh(["curl", "-sk", "--max-time", "5", "--resolve", `${host}:${port}:${node.ip}`, "-w", "\n%{http_code}", `${scheme}://${host}${path}`]);
    const lines = r.out.trimEnd().split("\n");
    return { status: Number(lines.at(-1)), body: lines.slice(0, -1).join("\n").trim() };
  }

  /** Which pod answered, or the status when none did (the Ingress's own 404/503). */
  async function who(node: ClusterNode, host: string, path = "/"): Promise<string | number> {
    const r = await get(node, host, path);
    return POD_NAMES.has(r.body) ? r.body : r.status;
  }

  /** The certificate a node's port 443 presents for a server name. */
  function servedCert(node: ClusterNode, servername: string): Promise<{ fingerprint256: string; cn: string }> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: node.ip, port: 443, servername, rejectUnauthorized: false }, () => {
        const cert = s.getPeerCertificate();
        s.destroy();
        resolve({ fingerprint256: cert.fingerprint256, cn: String(cert.subject?.CN ?? "") });
      });
      s.setTimeout(5000, () => s.destroy(new Error("TLS handshake timed out")));
      s.on("error", reject);
    });
  }

  test("every node answers the exact host on port 80, once the Ingress is in place", async () => {
    for (const n of [a, b]) {
      const r = await c.waitFor(`a.example.test on ${n.ip}`, async () => {
        const r = await get(n, "a.example.test");
        return r.status === 200 ? r : undefined;
      });
      expect(r.body).toBe("alpha");
    }
  }, T);

  test("the Services' own port 80 still answers on their ClusterIPs from a pod: the ingress leaves it to the service proxy", async () => {
    const out = await c.execInPod("beta", ["sh", "-c", "for s in alpha gamma; do timeout 5 wget -qO- http://$s || echo FAIL; done"]);
    expect(out.trim().split("\n")).toEqual(["alpha", "gamma"]);
  }, T);

  test("the wildcard host takes one more label, not two; an unknown host is 404", async () => {
    for (const n of [a, b]) {
      expect(await get(n, "b.example.test")).toEqual({ status: 200, body: "beta" });
      expect(await who(n, "x.y.example.test")).toBe(404);
      expect(await who(n, "example.test")).toBe(404);
      expect(await who(n, "unknown.test")).toBe(404);
    }
  }, T);

  test("paths: Prefix by element, Exact, the longest match first", async () => {
    for (const n of [a, b]) {
      const answers: Record<string, unknown> = {};
      for (const p of ["/", "/index.html", "/api", "/api/", "/api/x", "/apix", "/api/exact", "/api/exact/", "/api/exact/more"]) answers[p] = await who(n, "a.example.test", p);
      expect({ node: n.name, answers }).toEqual({
        node: n.name,
        answers: { "/": "alpha", "/index.html": "alpha", "/api": "beta", "/api/": "beta", "/api/x": "beta", "/apix": "alpha", "/api/exact": "gamma", "/api/exact/": "beta", "/api/exact/more": "beta" },
      });
    }
  }, T);

  test("a backend Service without a ready endpoint is 503", async () => {
    for (const n of [a, b]) expect(await who(n, "down.example.test")).toBe(503);
  }, T);

  /** A WebSocket handshake written by hand to a node for ws.example.test: what came back until the greeting frame (latin1). */
  function rawUpgrade(node: ClusterNode, scheme: "http" | "https"): Promise<string> {
    return new Promise((resolve, reject) => {
      let got = "";
      const request = ["GET /chat HTTP/1.1", "Host: ws.example.test", "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13", `Sec-WebSocket-Key: ${RFC_KEY}`, "", ""].join("\r\n");
      const onConnect = () => s.write(request);
      const s = scheme === "http" ? netConnect({ host: node.ip, port: 80 }, onConnect) : connect({ host: node.ip, port: 443, servername: "ws.example.test", rejectUnauthorized: false }, onConnect);
      s.on("data", (d: Buffer) => {
        got += d.toString("latin1");
        if (got.includes("hello from ws")) {
          s.destroy();
          resolve(got);
        }
      });
      s.setTimeout(5000, () => s.destroy(new Error(`no greeting frame within 5 s; got ${JSON.stringify(got)}`)));
      s.on("error", reject);
      s.on("close", () => resolve(got));
    });
  }

  /** Bun's WebSocket client through a node's ingress: every message received, the client sending one message per message received until `send` runs out. */
  function webSocketChat(node: ClusterNode, scheme: "ws" | "wss", send: string[]): Promise<{ messages: string[]; code: number }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${scheme}://${node.ip}/chat`, { headers: { host: "ws.example.test" }, tls: { rejectUnauthorized: false } } as unknown as string[]);
      const messages: string[] = [];
      const timer = setTimeout(() => {
        ws.close();
        reject(new Error(`WebSocket through ${node.ip}: only ${JSON.stringify(messages)} within 10 s`));
      }, 10_000);
      ws.onmessage = (e) => {
        messages.push(String(e.data));
        const next = send[messages.length - 1];
        if (next === undefined) ws.close(1000);
        else ws.send(next);
      };
      ws.onerror = (e) => {
        clearTimeout(timer);
        reject(new Error(`WebSocket through ${node.ip}: ${(e as ErrorEvent).message}`));
      };
      ws.onclose = (e) => {
        clearTimeout(timer);
        resolve({ messages, code: e.code });
      };
    });
  }

  test("WebSocket by host rule, HTTP and HTTPS: the 101 with the RFC's accept, the pod's frame, and client messages echoed back", async () => {
    for (const n of [a, b]) {
      for (const scheme of ["http", "https"] as const) {
        const raw = await rawUpgrade(n, scheme);
        const [head = "", rest = ""] = raw.split("\r\n\r\n");
        expect({ node: n.name, scheme, status: head.split("\r\n")[0] }).toEqual({ node: n.name, scheme, status: "HTTP/1.1 101 Switching Protocols" });
        expect(head.toLowerCase()).toContain(`sec-websocket-accept: ${RFC_ACCEPT.toLowerCase()}`);
        // An unmasked final text frame of 13 bytes.
        expect(rest).toBe("\x81\x0dhello from ws");
      }
      for (const scheme of ["ws", "wss"] as const) {
        const chat = await webSocketChat(n, scheme, ["one", "two words", "3%s\\n"]);
        expect({ node: n.name, scheme, ...chat }).toEqual({ node: n.name, scheme, messages: ["hello from ws", "echo:one", "echo:two words", "echo:3%s\\n"], code: 1000 });
      }
    }
  }, T);

  test("HTTPS: the tls Secret's certificate for its host by SNI, the default one for any other name", async () => {
    const want = fingerprintOf("a1");
    for (const n of [a, b]) {
      const t0 = performance.now();
      // Ten new connections in a row, not just one: while a replaced listener with the old set
      // still listened beside the new one, the kernel gave it some new connections (seen in 3 of
      // ~12 runs before the agent closed it at once over tcp_migrate_req, listeners.ts: the
      // default certificate for a.example.test for up to ~250 ms, between right answers).
      await c.waitFor(`only a.example.test's certificate on ${n.ip}`, async () => {
        for (let i = 0; i < 10; i++) if ((await servedCert(n, "a.example.test")).fingerprint256 !== want) return false;
        return true;
      }, 20_000);
      console.log(`[ingress e2e] ${n.name}: only the Secret's certificate after ${(performance.now() - t0).toFixed(0)} ms`);
      expect(await servedCert(n, "a.example.test")).toEqual({ fingerprint256: want, cn: "a.example.test" });
      const other = await servedCert(n, "nobody.unknown.test");
      expect(other.fingerprint256).not.toBe(want);
      expect(other.cn).toBe("k3rs-ingress-default-cert");
      expect(await get(n, "a.example.test", "/", "https")).toEqual({ status: 200, body: "alpha" });
    }
  }, T);

  test("a rotated tls Secret is served without a restart", async () => {
    await makeCert("a2");
    const yaml = await c.k("create", "secret", "tls", "tls-a", "-n", c.namespace, "--cert", join(certDir, "a2.crt"), "--key", join(certDir, "a2.key"), "--dry-run=client", "-o", "yaml");
    const r = await c.kubectl(["apply", "-f", "-"], { stdin: yaml });
    expect(r.code).toBe(0);
    const t0 = performance.now();
    const want = fingerprintOf("a2");
    expect(want).not.toBe(fingerprintOf("a1"));
    for (const n of [a, b]) {
      await c.waitFor(`the new certificate on ${n.ip}`, async () => (await servedCert(n, "a.example.test")).fingerprint256 === want, 30_000);
      // The replaced listener is closed at once (its queue migrates, listeners.ts): from the
      // first new certificate on, no new connection gets the old one. With the old listener
      // kept beside the new one for a second, about every other connection still did.
      const next: string[] = [];
      for (let i = 0; i < 10; i++) next.push((await servedCert(n, "a.example.test")).fingerprint256 === want ? "new" : "old");
      expect({ node: n.name, next }).toEqual({ node: n.name, next: Array(10).fill("new") });
    }
    console.log(`[ingress e2e] only the rotated certificate on both nodes ${(performance.now() - t0).toFixed(0)} ms after kubectl apply returned`);
  }, T);

  test("an Ingress of another class is left alone", async () => {
    await c.apply({ apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "other" }, spec: { controller: "example.com/other" } });
    await c.apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "theirs", namespace: c.namespace },
      spec: { ingressClassName: "other", rules: [{ host: "other.example.org", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("alpha") }] } }] },
    });
    // A change to our own Ingress after it marks when the controller has seen both.
    await c.apply(routes(c.namespace, [{ path: "/after-theirs", pathType: "Exact", backend: backend("gamma") }]));
    for (const n of [a, b]) await c.waitFor(`the later change on ${n.ip}`, async () => (await who(n, "a.example.test", "/after-theirs")) === "gamma");
    for (const n of [a, b]) expect(await who(n, "other.example.org")).toBe(404);
    const theirs = await c.json("get", "ingress", "theirs", "-n", c.namespace);
    expect(theirs.status?.loadBalancer?.ingress ?? []).toEqual([]);
  }, T);

  test("status.loadBalancer.ingress lists both node IPs", async () => {
    const ips = await c.waitFor("both node IPs in the Ingress status", async () => {
      const ing = await c.json("get", "ingress", "routes", "-n", c.namespace);
      const ips = (ing.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip).sort();
      return ips.length === 2 ? ips : undefined;
    });
    expect(ips).toEqual([a.ip, b.ip].sort());
  }, T);

  test("a change to the Ingress takes effect on both nodes (the delay is printed)", async () => {
    for (const n of [a, b]) expect(await who(n, "a.example.test", "/new")).toBe("alpha");
    await c.apply(routes(c.namespace, [{ path: "/new", pathType: "Exact", backend: backend("gamma") }]));
    const t0 = performance.now();
    const seen: Record<string, number> = {};
    await c.waitFor("the new path on both nodes", async () => {
      for (const n of [a, b]) {
        if (seen[n.name] !== undefined) continue;
        if ((await who(n, "a.example.test", "/new")) === "gamma") seen[n.name] = performance.now() - t0;
      }
      return Object.keys(seen).length === 2;
    });
    console.log(`[ingress e2e] Ingress change seen ${Object.entries(seen).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(", ")} after kubectl apply returned`);
  }, T);

  test("an endpoint change takes effect on both nodes: the Exact path's only pod deleted, it is 503 (the delay is printed)", async () => {
    for (const n of [a, b]) expect(await who(n, "a.example.test", "/api/exact")).toBe("gamma");
    // Like the service proxy, the ingress keeps using a terminating endpoint that still serves when none is ready, so this lasts until the pod is gone.
    await c.k("delete", "pod", "gamma", "-n", c.namespace, "--wait=false");
    const t0 = performance.now();
    const seen: Record<string, number> = {};
    await c.waitFor("503 for the Exact path on both nodes", async () => {
      for (const n of [a, b]) if (seen[n.name] === undefined && (await who(n, "a.example.test", "/api/exact")) === 503) seen[n.name] = performance.now() - t0;
      return Object.keys(seen).length === 2;
    });
    console.log(`[ingress e2e] endpoint removal seen ${Object.entries(seen).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(", ")} after kubectl delete returned (includes the pod's termination)`);
  }, T);
});
