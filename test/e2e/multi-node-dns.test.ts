/**
 * Cluster DNS across two real nodes (test/helpers/multi-node.ts), asked from a client pod on
 * each node with busybox `nslookup`: the pod's resolv.conf as the kubelet writes it; A records
 * for a Service; a headless Service answering with its pods' IPs and a StatefulSet's pods by
 * name; ExternalName as a CNAME; SRV for a named port; PTR for a Service IP and a StatefulSet
 * pod's IP; NXDOMAIN for an unknown cluster name; node names; and other names forwarded to
 * an upstream resolver (dnsmasq in a namespace of its own on the nodes' subnet) that the nodes
 * were given with `--resolv-conf`; dnsPolicy Default, None and ClusterFirstWithHostNet; and a UDP Service (selector-less,
 * its endpoint that resolver) from both nodes. Last, with the server stopped, the agent's node
 * still answers from memory and its proxy still serves.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { leftovers, startMultiNode, type ClusterNode, type MultiNodeCluster } from "../helpers/multi-node.ts";
import { clientPod, WEB_PORT, webPod } from "../helpers/multi-node-pods.ts";
import { CAN_RUN_PODS } from "../helpers/real-node.ts";

const CAN_RUN = CAN_RUN_PODS && existsSync("/usr/bin/nsenter") && existsSync("/usr/bin/kubectl") && existsSync("/usr/sbin/dnsmasq");
const PREFIX = "mndns";
const SUBNET = 234;
const UPSTREAM_IP = `172.31.${SUBNET}.200`;
/** A name only the upstream knows, and its answer (TEST-NET-2: never routed). */
const UPSTREAM_NAME = "upstream.example.test";
const UPSTREAM_ANSWER = "198.51.100.77";
const T = 120_000; // a ceiling against hangs, not a performance threshold

describe.skipIf(!CAN_RUN)("cluster DNS across two nodes", () => {
  let c: MultiNodeCluster;
  let a: ClusterNode;
  let b: ClusterNode;
  let svcIP = "";
  const dbIPs: Record<string, string> = {};
  /** client pod → the node it runs on */
  const clients = ["client-a", "client-b"];

  beforeAll(async () => {
    c = await startMultiNode({
      prefix: PREFIX,
      subnet: SUBNET,
      clusterCidr: "10.42.32.0/21",
      agents: 1,
      // The nodes' only upstream: a dnsmasq that knows one name, on the nodes' subnet. Local to
      // example.test, or dnsmasq without upstreams answers that name's AAAA (which busybox
      // nslookup asks too) REFUSED instead of empty.
      setup: async (cl) => {
        const ns = await cl.addNetns("upstream", 200);
        cl.spawnIn(ns, ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--user=root", `--pid-file=${join(cl.baseDir, "dnsmasq.pid")}`, `--listen-address=${UPSTREAM_IP}`, "--bind-interfaces", "--local=/example.test/", `--host-record=${UPSTREAM_NAME},${UPSTREAM_ANSWER}`]);
        writeFileSync(join(cl.baseDir, "resolv.conf"), `nameserver ${UPSTREAM_IP}\n`);
      },
      serverArgs: ["--resolv-conf", join("/tmp", `k3rs-${PREFIX}`, "resolv.conf")],
      agentArgs: ["--resolv-conf", join("/tmp", `k3rs-${PREFIX}`, "resolv.conf")],
    });
    [a, b] = c.nodes as [ClusterNode, ClusterNode];
    const ns = c.namespace;
    const db = { app: "db" };
    await c.apply(
      clientPod("client-a", { namespace: ns, node: a.name }),
      clientPod("client-b", { namespace: ns, node: b.name }),
      webPod("web-0", { namespace: ns, node: b.name, labels: { app: "web" } }),
      { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: ns }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: WEB_PORT }] } },
      { apiVersion: "v1", kind: "Service", metadata: { name: "db", namespace: ns }, spec: { clusterIP: "None", selector: db, ports: [{ name: "pg", port: 5432 }] } },
      { apiVersion: "v1", kind: "Service", metadata: { name: "ext", namespace: ns }, spec: { type: "ExternalName", externalName: UPSTREAM_NAME } },
      // A UDP Service without a selector, its one endpoint the upstream resolver: busybox has no
      // UDP server to run in a pod, but nslookup is a UDP client.
      { apiVersion: "v1", kind: "Service", metadata: { name: "udp-dns", namespace: ns }, spec: { ports: [{ name: "dns", protocol: "UDP", port: 53 }] } },
      {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: { name: "udp-dns-1", namespace: ns, labels: { "kubernetes.io/service-name": "udp-dns" } },
        addressType: "IPv4",
        endpoints: [{ addresses: [UPSTREAM_IP], conditions: { ready: true } }],
        ports: [{ name: "dns", protocol: "UDP", port: 53 }],
      },
      clientPod("default-policy", { namespace: ns, node: b.name, spec: { dnsPolicy: "Default" } }),
      clientPod("hostnet-cluster", { namespace: ns, node: b.name, spec: { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" } }),
      clientPod("none-policy", { namespace: ns, node: b.name, spec: { dnsPolicy: "None", dnsConfig: { nameservers: ["10.43.0.10"], searches: ["example.test"], options: [{ name: "ndots", value: "2" }] } } }),
      {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "db", namespace: ns },
        spec: {
          serviceName: "db",
          replicas: 2,
          podManagementPolicy: "Parallel",
          selector: { matchLabels: db },
          template: {
            metadata: { labels: db },
            spec: {
              terminationGracePeriodSeconds: 1,
              affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: db }, topologyKey: "kubernetes.io/hostname" }] } },
              containers: [{ name: "db", image: "busybox", command: ["sleep", "3600"], ports: [{ name: "pg", containerPort: 5432 }] }],
            },
          },
        },
      },
    );
    for (const p of [...clients, "default-policy", "none-policy", "hostnet-cluster"]) await c.podReady(p);
    for (const p of ["db-0", "db-1"]) dbIPs[p] = (await c.podReady(p)).status.podIP;
    await c.podReady("web-0");
    svcIP = await c.k("get", "service", "web", "-n", ns, "-o", "jsonpath={.spec.clusterIP}");
  }, T);

  afterAll(async () => {
    await c?.close();
    expect(await leftovers(PREFIX)).toEqual([]);
  }, T);

  const fqdn = (name: string) => `${name}.${c.namespace}.svc.cluster.local`;

  /** busybox nslookup in a client pod; exit code and output. */
  const lookup = (pod: string, ...args: string[]) => c.exec(pod, ["nslookup", ...args]);

  /** nslookup until it succeeds (the DNS server learns objects from its informers); the output. */
  const resolved = (pod: string, ...args: string[]) =>
    c.waitFor(`nslookup ${args.join(" ")} in ${pod}`, async () => {
      const r = await lookup(pod, ...args);
      if (r.code !== 0) throw new Error(r.out);
      return r.out;
    });

  test("each pod's resolv.conf names the cluster DNS, the search path and ndots:5, as the kubelet writes it", async () => {
    for (const p of clients) {
      const conf = await c.execInPod(p, ["cat", "/etc/resolv.conf"]);
      expect(conf).toContain("nameserver 10.43.0.10");
      expect(conf).toContain(`search ${c.namespace}.svc.cluster.local svc.cluster.local cluster.local`);
      expect(conf).toContain("options ndots:5");
    }
  }, T);

  test("dnsPolicy Default gives the node's resolv.conf (--resolv-conf); None gives the pod's dnsConfig", async () => {
    const def = await c.execInPod("default-policy", ["cat", "/etc/resolv.conf"]);
    expect(def).toContain(`nameserver ${UPSTREAM_IP}`);
    expect(def).not.toContain("10.43.0.10");
    const none = await c.execInPod("none-policy", ["cat", "/etc/resolv.conf"]);
    expect(none).toContain("nameserver 10.43.0.10");
    expect(none).toContain("search example.test");
    expect(none).toContain("options ndots:2");
    expect(none).not.toContain("svc.cluster.local");
  }, T);

  test("a hostNetwork pod with ClusterFirstWithHostNet runs in the node's network and uses the cluster DNS", async () => {
    const pod = await c.json("get", "pod", "hostnet-cluster", "-n", c.namespace);
    expect(pod.status.podIP).toBe(b.ip);
    const conf = await c.execInPod("hostnet-cluster", ["cat", "/etc/resolv.conf"]);
    expect(conf).toContain("nameserver 10.43.0.10");
    expect(conf).toContain(`search ${c.namespace}.svc.cluster.local svc.cluster.local cluster.local`);
    expect(await resolved("hostnet-cluster", fqdn("web"))).toContain(`Address: ${svcIP}`);
  }, T);

  test("a UDP Service relays queries to its endpoint from both nodes", async () => {
    const ip = await c.k("get", "service", "udp-dns", "-n", c.namespace, "-o", "jsonpath={.spec.clusterIP}");
    for (const p of clients) {
      const out = await resolved(p, UPSTREAM_NAME, ip);
      expect(out).toContain(`Server:\t\t${ip}`);
      expect(out).toContain(`Address: ${UPSTREAM_ANSWER}`);
    }
  }, T);

  test("a Service's name resolves to its ClusterIP on both nodes", async () => {
    for (const p of clients) expect(await resolved(p, fqdn("web"))).toContain(`Address: ${svcIP}`);
  }, T);

  test("a headless Service answers with its pods' IPs; each StatefulSet pod resolves by name", async () => {
    for (const p of clients) {
      const all = await c.waitFor(`both db pods in ${p}'s answer`, async () => {
        const r = await lookup(p, fqdn("db"));
        return Object.values(dbIPs).every((ip) => r.out.includes(`Address: ${ip}`)) ? r.out : undefined;
      });
      expect(all).not.toContain("Address: 10.43.");
      for (const [pod, ip] of Object.entries(dbIPs)) expect(await resolved(p, `${pod}.${fqdn("db")}`)).toContain(`Address: ${ip}`);
    }
  }, T);

  test("an ExternalName Service is a CNAME to its external name", async () => {
    const out = await resolved("client-a", "-type=CNAME", fqdn("ext"));
    expect(out).toContain(`canonical name = ${UPSTREAM_NAME}`);
  }, T);

  test("SRV for a named port: the Service's, and one per pod of a headless Service", async () => {
    expect(await resolved("client-a", "-type=SRV", `_http._tcp.${fqdn("web")}`)).toMatch(new RegExp(`\\b80 ${fqdn("web").replaceAll(".", "\\.")}`));
    const headless = await resolved("client-b", "-type=SRV", `_pg._tcp.${fqdn("db")}`);
    for (const pod of Object.keys(dbIPs)) expect(headless).toContain(`5432 ${pod}.${fqdn("db")}`);
  }, T);

  test("PTR: a Service IP names the Service; a StatefulSet pod's IP names the pod under its Service", async () => {
    expect(await resolved("client-b", svcIP)).toContain(`name = ${fqdn("web")}`);
    expect(await resolved("client-a", dbIPs["db-1"]!)).toContain(`name = db-1.${fqdn("db")}`);
  }, T);

  test("an unknown name in the cluster domain is NXDOMAIN", async () => {
    const r = await lookup("client-a", fqdn("nothere"));
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("NXDOMAIN");
  }, T);

  test("node names resolve to the nodes' IPs", async () => {
    // fully qualified: busybox nslookup tries the search path but never the bare name
    for (const n of c.nodes) expect(await resolved("client-a", `${n.name}.`)).toContain(`Address: ${n.ip}`);
  }, T);

  test("other names are forwarded to the node's upstream resolver from --resolv-conf", async () => {
    for (const p of clients) expect(await resolved(p, UPSTREAM_NAME)).toContain(`Address: ${UPSTREAM_ANSWER}`);
  }, T);

  // Last: it stops the server.
  test("with the server down, the agent's node still resolves names from memory and its proxy still serves", async () => {
    await c.stopProcess(a);
    // asked from the node itself: kubectl exec needs the server
    const r = await c.inNode(b, ["busybox", "nslookup", fqdn("web"), "10.43.0.10"]);
    expect(r.out).toContain(`Address: ${svcIP}`);
    expect((await c.inNode(b, ["timeout", "10", "busybox", "wget", "-qO-", `http://${svcIP}/`])).out.trim()).toBe("web-0");
  }, T);
});
