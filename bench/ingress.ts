/**
 * Ingress benchmark on loopback (127.0.0.x only; nothing leaves the machine): requests/s and
 * p99 (wrk -t2 -c32, keep-alive) through the k3rs ingress (IngressController on Bun.serve, in
 * a process of its own, fed the objects directly) to 3 backends, beside HAProxy 2.6 (mode
 * http, 1 thread) and nginx (1 worker, upstream keep-alive) configured for the same host
 * rule and round-robin over the same 3 backends, same run; then the same over TLS (ECDSA
 * P-256 certificates from src/pki, keep-alive, so handshakes are amortized). Runs alternate
 * k3rs / HAProxy / nginx three times; the median run of each is printed with the ratios.
 *
 * Backends, both printed: 3 nginx processes (1 worker each) serving a 612-byte static file
 * over keep-alive — the proxy is then the bottleneck — and 3 busybox httpd processes
 * (`busybox httpd -f`, the issue's "busybox httpd pods"; a fork and a new connection per
 * request, no keep-alive, so the backends bound every proxy).
 *
 * Last, certificate rotation (root: in a network namespace of its own): 100 Secret updates 30 ms
 * apart while 8 lanes make HTTPS requests on new connections, with the replaced listener kept
 * 1 s and with it closed at once over tcp_migrate_req (listeners.ts); prints how long a swap
 * takes, how many connections failed and how many got an outdated certificate.
 *
 * Beside requests/s: each proxy's CPU time per request (all its threads and processes), which
 * depends much less than requests/s on what else the machine runs.
 *
 *   bun bench/ingress.ts [seconds per wrk run, default 8]   (Debian: haproxy nginx wrk busybox-static)
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fmt } from "./lib/stats.ts";

const HOST = "bench.test";
const K3RS = "127.0.0.70";
const HAPROXY = "127.0.0.71";
const NGINX = "127.0.0.72";
const BACKENDS = ["127.0.0.73", "127.0.0.74", "127.0.0.75"];
const HTTP_PORT = 18480;
const HTTPS_PORT = 18443;
const NGINX_BACKEND_PORT = 18490;
const BUSYBOX_PORT = 18491;
/** /proc's CPU times are in these per second */
const clockTicks = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

if (process.argv[2] === "--serve") await serveIngress(process.argv[3]!, process.argv.slice(4));
else if (process.argv[2] === "--swaps") {
  await certificateSwaps(process.argv[3] === "migrate");
  process.exit(0);
} else await main(Number(process.argv[2] ?? 8));

/** The child: one IngressController on K3RS:HTTP_PORT/HTTPS_PORT, routes for HOST to `targets` (ip:port). */
async function serveIngress(dir: string, targets: string[]): Promise<void> {
  const client = (await import("prom-client")).default;
  const { IngressController } = await import("../src/net/ingress/ingress-controller.ts");
  const { ingress, ingressClass, service, slice, tlsSecret } = await import("../src/net/ingress/test-objects.ts");
  const cert = await Bun.file(join(dir, "cert.pem")).text();
  const key = await Bun.file(join(dir, "key.pem")).text();
  const ctl = new IngressController({ registry: new client.Registry(), http: [{ hostname: K3RS, port: HTTP_PORT }], https: [{ hostname: K3RS, port: HTTPS_PORT }] });
  ctl.applyIngressClass("ADDED", ingressClass("k3rs", "k3rs.io/ingress", true));
  ctl.applySecret("ADDED", tlsSecret("k3rs-ingress-default-cert", cert, key, "kube-system"));
  ctl.applySecret("ADDED", tlsSecret("bench-tls", cert, key));
  ctl.applyService("ADDED", service("web", [{ name: "http", port: 80 }]));
  // One slice per backend port (busybox and nginx listen on different ports).
  const byPort = new Map<number, string[]>();
  for (const t of targets) {
    const [ip, port] = t.split(":");
    byPort.set(Number(port), [...(byPort.get(Number(port)) ?? []), ip!]);
  }
  let i = 0;
  for (const [port, ips] of byPort) ctl.applyEndpointSlice("ADDED", slice("web", [{ name: "http", port }], ips.map((ip) => ({ ip })), { name: `web-${i++}` }));
  ctl.applyIngress("ADDED", ingress("bench", { host: HOST, tls: [{ hosts: [HOST], secretName: "bench-tls" }], paths: [{ path: "/", service: "web", port: 80 }] }));
  await Bun.sleep(50);
  console.log(`ready ${ctl.listeners.port("http")} ${ctl.listeners.port("https")}`);
  await new Promise(() => {});
}

function sh(argv: string[]): { code: number; out: string } {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
}

function must(argv: string[]): string {
  const r = sh(argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.out}`);
  return r.out;
}

interface Run {
  rps: number;
  p99ms: number;
  errors: number;
  /** CPU time (user + system, all threads) the proxy's processes spent per request */
  cpuUsPerRequest: number;
}

/** CPU time of processes so far, in µs (/proc/PID/stat utime + stime). */
function cpuUs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = sh(["cat", `/proc/${pid}/stat`]).out;
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(f[11]) + Number(f[12]);
  }
  return (ticks * 1e6) / clockTicks;
}

/** A process and its children (nginx's master and workers). */
function withChildren(pid: number): number[] {
  return [pid, ...sh(["cat", `/proc/${pid}/task/${pid}/children`]).out.trim().split(/\s+/).filter(Boolean).map(Number)];
}

/**
 * One wrk run against a proxy whose processes are `pids`. Requests/s depend on how the two
 * cores are shared with wrk, the backends and whatever else runs; the proxy's CPU time per
 * request much less, so both are kept.
 */
function wrk(url: string, seconds: number, pids: number[] = []): Run {
  const cpu0 = cpuUs(pids);
  const out = must(["wrk", "-t2", "-c32", `-d${seconds}s`, "--latency", "-H", `Host: ${HOST}`, url]);
  const total = Number(/(\d+) requests in/.exec(out)?.[1]);
  const cpuUsPerRequest = pids.length > 0 && total > 0 ? (cpuUs(pids) - cpu0) / total : NaN;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const m = /99%\s+([\d.]+)(us|ms|s)\b/.exec(out);
  const p99ms = m ? Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1) : NaN;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { rps, p99ms, errors, cpuUsPerRequest };
}

function median(runs: Run[]): Run {
  return [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!;
}

function haproxyConfig(dir: string, servers: string[]): string {
  return `global
  nbthread 1
  maxconn 4000
  pidfile ${dir}/haproxy.pid
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option forwardfor
frontend web
  bind ${HAPROXY}:${HTTP_PORT}
  bind ${HAPROXY}:${HTTPS_PORT} ssl crt ${dir}/haproxy.pem
  http-request set-header X-Forwarded-Proto https if { ssl_fc }
  use_backend pods if { hdr(host) -i ${HOST} }
backend pods
  balance roundrobin
${servers.map((s, i) => `  server p${i} ${s}`).join("\n")}
`;
}

function nginxProxyConfig(dir: string, servers: string[]): string {
  return `worker_processes 1;
pid ${dir}/nginx-proxy.pid;
error_log ${dir}/nginx-proxy.err;
events { worker_connections 4096; }
http {
  access_log off;
  upstream pods {
${servers.map((s) => `    server ${s};`).join("\n")}
    keepalive 64;
  }
  server {
    listen ${NGINX}:${HTTP_PORT};
    listen ${NGINX}:${HTTPS_PORT} ssl;
    server_name ${HOST};
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    location / {
      proxy_pass http://pods;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
  server { listen ${NGINX}:${HTTP_PORT} default_server; listen ${NGINX}:${HTTPS_PORT} ssl default_server; ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem; return 404; }
}
`;
}

function nginxBackendConfig(dir: string, ip: string): string {
  return `worker_processes 1;
pid ${dir}/nginx-be-${ip}.pid;
error_log ${dir}/nginx-be-${ip}.err;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen ${ip}:${NGINX_BACKEND_PORT}; root ${dir}/www; }
}
`;
}

async function main(seconds: number): Promise<void> {
  for (const bin of ["/usr/sbin/haproxy", "/usr/sbin/nginx", "/usr/bin/wrk", "/usr/bin/busybox"]) if (!existsSync(bin)) throw new Error(`${bin} missing: apt-get install -y haproxy nginx wrk busybox-static`);
  const { createCa, issueServingCert } = await import("../src/pki/index.ts");
  const dir = mkdtempSync(join(tmpdir(), "k3rs-bench-ingress-"));
  const procs: ReturnType<typeof Bun.spawn>[] = [];
  const pidFiles: string[] = [];
  const cleanup = () => {
    for (const p of procs) p.kill("SIGKILL");
    for (const f of pidFiles) {
      const pid = Number(sh(["cat", f]).out.trim());
      if (pid > 0) sh(["kill", String(pid)]);
    }
  };
  try {
    // nginx workers run as www-data: the temp dir (0700) must be readable for the static file.
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, "www"));
    // 612 bytes: the size of nginx's own index page.
    writeFileSync(join(dir, "www", "index.html"), "x".repeat(611) + "\n");
    const ca = await createCa("k3rs-bench-ca");
    const pair = await issueServingCert(ca, { commonName: HOST, dnsNames: [HOST], ips: [] });
    writeFileSync(join(dir, "cert.pem"), pair.certPem);
    writeFileSync(join(dir, "key.pem"), pair.keyPem);
    writeFileSync(join(dir, "haproxy.pem"), pair.certPem + pair.keyPem);

    for (const ip of BACKENDS) {
      const conf = join(dir, `nginx-be-${ip}.conf`);
      writeFileSync(conf, nginxBackendConfig(dir, ip));
      must(["nginx", "-c", conf]);
      pidFiles.push(join(dir, `nginx-be-${ip}.pid`));
      procs.push(Bun.spawn(["busybox", "httpd", "-f", "-p", `${ip}:${BUSYBOX_PORT}`, "-h", join(dir, "www")], { stdout: "ignore", stderr: "inherit" }));
    }
    const version = must(["haproxy", "-v"]).split("\n")[0]!.split(" ")[2];
    const ngVersion = sh(["nginx", "-v"]).out.trim().split("/")[1];
    console.log(`# ingress vs HAProxy ${version} (http mode, 1 thread) and nginx ${ngVersion} (1 worker), wrk -t2 -c32 -d${seconds}s keep-alive, Host: ${HOST}, 612-byte file, median of 3 alternating runs`);

    for (const kind of ["nginx", "busybox"] as const) {
      const port = kind === "nginx" ? NGINX_BACKEND_PORT : BUSYBOX_PORT;
      const servers = BACKENDS.map((ip) => `${ip}:${port}`);
      const ing = Bun.spawn([process.execPath, import.meta.path, "--serve", dir, ...servers], { stdout: "pipe", stderr: "inherit" });
      procs.push(ing);
      const reader = ing.stdout.getReader();
      const line = new TextDecoder().decode((await reader.read()).value);
      if (!line.startsWith("ready")) throw new Error(`ingress child: ${line}`);
      writeFileSync(join(dir, "haproxy.cfg"), haproxyConfig(dir, servers));
      const hap = Bun.spawn(["/usr/sbin/haproxy", "-db", "-f", join(dir, "haproxy.cfg")], { stdout: "ignore", stderr: "ignore" });
      procs.push(hap);
      const ngConf = join(dir, "nginx-proxy.conf");
      writeFileSync(ngConf, nginxProxyConfig(dir, servers));
      must(["nginx", "-c", ngConf]);
      // Stopped after its runs; listed for the cleanup should a run throw before.
      if (!pidFiles.includes(join(dir, "nginx-proxy.pid"))) pidFiles.push(join(dir, "nginx-proxy.pid"));
      await Bun.sleep(300);
      const ngPids = withChildren(Number(sh(["cat", join(dir, "nginx-proxy.pid")]).out.trim()));
      for (const tls of [false, true]) {
        const scheme = tls ? "https" : "http";
        const p = tls ? HTTPS_PORT : HTTP_PORT;
        const runs: Record<"k3rs" | "haproxy" | "nginx", Run[]> = { k3rs: [], haproxy: [], nginx: [] };
        // Warm-up (JIT, connection pools), not counted.
        wrk(`${scheme}://${K3RS}:${p}/index.html`, 2);
        for (let r = 0; r < 3; r++) {
          runs.k3rs.push(wrk(`${scheme}://${K3RS}:${p}/index.html`, seconds, [ing.pid]));
          runs.haproxy.push(wrk(`${scheme}://${HAPROXY}:${p}/index.html`, seconds, [hap.pid]));
          runs.nginx.push(wrk(`${scheme}://${NGINX}:${p}/index.html`, seconds, ngPids));
        }
        const [k, h, n] = [median(runs.k3rs), median(runs.haproxy), median(runs.nginx)];
        const label = `${kind} backends, ${scheme}`;
        console.log(
          `${label.padEnd(24)} k3rs ${fmt(k.rps, 0)} req/s p99 ${fmt(k.p99ms, 2)} ms | haproxy ${fmt(h.rps, 0)} req/s p99 ${fmt(h.p99ms, 2)} ms | nginx ${fmt(n.rps, 0)} req/s p99 ${fmt(n.p99ms, 2)} ms | k3rs/haproxy ${fmt(k.rps / h.rps, 2)}x k3rs/nginx ${fmt(k.rps / n.rps, 2)}x`,
        );
        console.log(`${"".padEnd(24)} runs: k3rs ${runs.k3rs.map((x) => fmt(x.rps, 0)).join("/")} haproxy ${runs.haproxy.map((x) => fmt(x.rps, 0)).join("/")} nginx ${runs.nginx.map((x) => fmt(x.rps, 0)).join("/")}; errors k3rs ${k.errors} haproxy ${h.errors} nginx ${n.errors}`);
        const cpu = (rs: Run[]) => rs.map((x) => fmt(x.cpuUsPerRequest, 0)).join("/");
        console.log(`${"".padEnd(24)} proxy CPU µs/request: k3rs ${cpu(runs.k3rs)} haproxy ${cpu(runs.haproxy)} nginx ${cpu(runs.nginx)}; load average ${sh(["cat", "/proc/loadavg"]).out.split(" ").slice(0, 3).join(" ")}`);
      }
      ing.kill("SIGKILL");
      hap.kill("SIGKILL");
      sh(["nginx", "-c", ngConf, "-s", "stop"]);
      await Promise.all([ing.exited, hap.exited]);
      await Bun.sleep(200);
    }
    // In a namespace of its own: the migration run turns a kernel knob on there, not here.
    for (const mode of ["overlap", "migrate"]) {
      const r = Bun.spawnSync(["unshare", "-n", "sh", "-c", `ip link set lo up && exec "$0" "$@"`, process.execPath, import.meta.path, "--swaps", mode], { stdout: "inherit", stderr: "inherit" });
      if (r.exitCode !== 0) console.log(`certificate rotation (${mode}): unshare -n failed (needs root)`);
    }
    console.log(`load average at the end: ${sh(["cat", "/proc/loadavg"]).out.trim()}`);
  } finally {
    cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Secret rotation under load, in a network namespace of its own (`unshare -n`, so the kernel
 * knob it may set stays there): 100 Secret updates 30 ms apart while 8 lanes open new TLS
 * connections and make one request each; the swap time, connections reset, and connections
 * that got a certificate older than the one current when they connected.
 */
async function certificateSwaps(migrateOnClose: boolean): Promise<void> {
  const client = (await import("prom-client")).default;
  const { X509Certificate } = await import("node:crypto");
  const { connect } = await import("node:tls");
  const { IngressController } = await import("../src/net/ingress/ingress-controller.ts");
  const { ingress, ingressClass, service, slice, tlsSecret } = await import("../src/net/ingress/test-objects.ts");
  const { createCa, issueServingCert } = await import("../src/pki/index.ts");
  const ca = await createCa("k3rs-bench-swap");
  const pairs = await Promise.all(Array.from({ length: 4 }, () => issueServingCert(ca, { commonName: HOST, dnsNames: [HOST], ips: [] })));
  const fingerprints = pairs.map((p) => new X509Certificate(p.certPem).fingerprint256);
  const be = Bun.serve({ hostname: K3RS, port: 0, fetch: () => new Response("ok") });
  const ctl = new IngressController({ registry: new client.Registry(), http: [], https: [{ hostname: K3RS, port: 0 }], migrateOnClose });
  ctl.applyIngressClass("ADDED", ingressClass("k3rs", "k3rs.io/ingress", true));
  ctl.applySecret("ADDED", tlsSecret("k3rs-ingress-default-cert", pairs[0]!.certPem, pairs[0]!.keyPem, "kube-system"));
  ctl.applySecret("ADDED", tlsSecret("s", pairs[1]!.certPem, pairs[1]!.keyPem));
  ctl.applyService("ADDED", service("web", [{ port: 80 }]));
  ctl.applyEndpointSlice("ADDED", slice("web", [{ port: be.port! }], [{ ip: K3RS }]));
  ctl.applyIngress("ADDED", ingress("i", { host: HOST, tls: [{ hosts: [HOST], secretName: "s" }], paths: [{ path: "/", service: "web" }] }));
  await Bun.sleep(20);
  const port = ctl.listeners.port("https")!;
  let current = fingerprints[1]!;
  let ok = 0;
  let failed = 0;
  let stale = 0;
  let running = true;
  const once = () =>
    new Promise<void>((resolve) => {
      const atConnect = current;
      const s = connect({ host: K3RS, port, servername: HOST, rejectUnauthorized: false }, () => {
        const got = s.getPeerCertificate().fingerprint256;
        let answer = "";
        s.on("data", (d: Buffer) => (answer += d.toString()));
        s.on("end", () => {
          if (answer.startsWith("HTTP/1.1 200")) ok++;
          else failed++;
          if (got !== atConnect && got !== current) stale++;
          resolve();
        });
        s.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
      });
      s.on("error", () => {
        failed++;
        resolve();
      });
    });
  const lanes = Array.from({ length: 8 }, async () => {
    while (running) await once();
  });
  const times: number[] = [];
  for (let i = 0; i < 100; i++) {
    await Bun.sleep(30);
    const k = 2 + (i % 2);
    const t0 = performance.now();
    ctl.applySecret("MODIFIED", tlsSecret("s", pairs[k]!.certPem, pairs[k]!.keyPem));
    await Promise.resolve(); // the swap runs in a microtask
    times.push(performance.now() - t0);
    current = fingerprints[k]!;
  }
  await Bun.sleep(1100); // a replaced server's drain, when there is one
  running = false;
  await Promise.all(lanes);
  const { summary } = await import("./lib/stats.ts");
  const t = summary(times);
  const knob = sh(["cat", "/proc/sys/net/ipv4/tcp_migrate_req"]).out.trim();
  const how = migrateOnClose ? `old listener closed at once, tcp_migrate_req=${knob}` : "old listener kept 1 s, tcp_migrate_req=0";
  console.log(`certificate rotation (${how}): 100 Secret updates 30 ms apart, swap p50 ${fmt(t.p50, 2)} ms p99 ${fmt(t.p99, 2)} ms; new TLS connections meanwhile: ${ok} ok, ${failed} failed, ${stale} got an older certificate than the one current at connect`);
  await ctl.stop();
  be.stop(true);
}
