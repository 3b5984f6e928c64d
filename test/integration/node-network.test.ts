/**
 * The agent's network wiring fed by a real API server (in process, with its controllers): a
 * NodeNetwork on loopback — node IP 127.0.0.61, the cluster DNS on 127.0.0.1 (a free port), no
 * address device, iproute2 replaced by a recorder — sees Services, EndpointSlices, Nodes and
 * Pods through its informers and answers DNS, relays a NodePort and a LoadBalancer port, reports
 * ServiceLB ingress through its Node (written into the Service status by the servicelb
 * controller) and routes to a peer node's podCIDR. No traffic leaves loopback.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Packet } from "dns2";
import client from "prom-client";
import { startTestApi, type TestApi } from "../helpers/api-harness.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { NodeNetwork } from "../../src/agent/network/node-network.ts";
import { CLUSTER_CONFIG_PATH, DEFAULT_CLUSTER_NETWORK, LB_INGRESS_ANNOTATION } from "../../src/model/cluster-network.ts";
import { fetchClusterNetwork } from "../../src/agent/network/cluster-network-source.ts";
import type { NetRunner } from "../../src/net/routes/index.ts";

const NODE = "netagent-int";
const NODE_IP = "127.0.0.61";
const PEER_IP = "127.0.0.62";
const BACKEND_IP = "127.0.0.63";
const NS = "netagent-int";

function query(name: string, type: number = Packet.TYPE.A): Buffer {
  const p = new Packet();
  p.header.id = Packet.uuid();
  p.header.rd = 1;
  p.questions.push(new Packet.Question(name, type, Packet.CLASS.IN));
  return p.toBuffer();
}

async function ask(port: number, name: string, type: number = Packet.TYPE.A): Promise<Packet> {
  const { promise, resolve, reject } = Promise.withResolvers<Packet>();
  const sock = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0, socket: { data: (_s, buf) => resolve(Packet.parse(Buffer.from(buf))), error: () => {} } });
  const timer = setTimeout(() => reject(new Error(`no DNS answer for ${name}`)), 3000);
  sock.send(query(name, type), port, "127.0.0.1");
  try {
    return await promise;
  } finally {
    clearTimeout(timer);
    sock.close();
  }
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

describe("the node network fed from the API", () => {
  let api: TestApi;
  let net: NodeNetwork;
  let backend: ReturnType<typeof Bun.serve>;
  let nodeClient: RestClient;
  const stop = new AbortController();
  const commands: string[] = [];
  const registry = new client.Registry();
  // iproute2 as an empty kernel that accepts every change: enough to see what the routes decide.
  const run: NetRunner = async (tool, args) => {
    commands.push(`${tool} ${args.join(" ")}`);
    return { code: 0, stdout: args.includes("-j") ? "[]" : "", stderr: "" };
  };

  beforeAll(async () => {
    api = await startTestApi();
    backend = Bun.serve({ hostname: BACKEND_IP, port: 0, fetch: () => new Response("from-backend") });
    nodeClient = new RestClient({ server: "https://k3rs.test", path: "(node)" }, async (url, init) =>
      api.app.fetch(new Request(url, init), { peer: { authorized: true, subject: { CN: `system:node:${NODE}`, O: "system:nodes" } }, signal: init.signal ?? undefined }));
    expect((await api.json("POST", "/api/v1/namespaces", { metadata: { name: NS } })).status).toBe(201);
    for (const [name, ip, cidr] of [[NODE, NODE_IP, "10.42.0.0/24"], ["netagent-peer", PEER_IP, "10.42.1.0/24"]] as const) {
      const node = { apiVersion: "v1", kind: "Node", metadata: { name }, spec: { podCIDR: cidr, podCIDRs: [cidr] }, status: { addresses: [{ type: "InternalIP", address: ip }] } };
      expect((await api.json("POST", "/api/v1/nodes", node)).status).toBe(201);
      expect((await api.json("PATCH", `/api/v1/nodes/${name}/status`, { status: node.status }, { headers: { "content-type": "application/merge-patch+json" } })).status).toBe(200);
    }
    net = new NodeNetwork({
      client: nodeClient,
      nodeName: NODE,
      nodeIP: NODE_IP,
      dataDir: api.dir,
      network: { ...DEFAULT_CLUSTER_NETWORK, flannelBackend: "host-gw" },
      registry,
      patchNode: (patch) => nodeClient.request(`/api/v1/nodes/${NODE}`, { method: "PATCH", body: patch, contentType: "application/merge-patch+json" }),
      event: (obj, type, reason, message) =>
        void api.json("POST", `/api/v1/namespaces/${obj.metadata.namespace}/events`, {
          metadata: { generateName: "ev-" }, involvedObject: { kind: obj.kind ?? "Service", namespace: obj.metadata.namespace, name: obj.metadata.name, uid: obj.metadata.uid }, type, reason, message,
        }),
      signal: stop.signal,
      run,
      dnsHost: "127.0.0.1",
      dnsPort: 0,
      ownAddresses: false,
    });
    await net.start();
    await net.podCidrAssigned("10.42.0.0/24");
  });

  afterAll(async () => {
    stop.abort();
    await net?.stop();
    backend?.stop(true);
    await api?.close();
  });

  /** A selector-less Service with its own slice pointing at the loopback backend. */
  async function serviceWithBackend(name: string, spec: object): Promise<any> {
    const svc = await api.json("POST", `/api/v1/namespaces/${NS}/services`, { metadata: { name }, spec: { ports: [{ name: "http", port: 80, protocol: "TCP" }], ...spec } });
    expect(svc.status).toBe(201);
    const slice = {
      apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
      metadata: { name, labels: { "kubernetes.io/service-name": name } },
      addressType: "IPv4",
      endpoints: [{ addresses: [BACKEND_IP], conditions: { ready: true } }],
      ports: [{ name: "http", port: backend.port, protocol: "TCP" }],
    };
    expect((await api.json("POST", `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`, slice)).status).toBe(201);
    return svc.body;
  }

  test("a Service created through the API resolves in the cluster DNS, by name and SRV", async () => {
    const svc = await serviceWithBackend("web", {});
    const port = await until("DNS listening", () => net.dnsServer?.port);
    const a = await until("an A record", async () => {
      const r = await ask(port, `web.${NS}.svc.cluster.local`);
      return r.answers.length ? r : undefined;
    });
    expect(a.answers.map((x: any) => x.address)).toEqual([svc.spec.clusterIP]);
    const srv = await ask(port, `_http._tcp.web.${NS}.svc.cluster.local`, Packet.TYPE.SRV);
    expect(srv.answers.map((x: any) => x.port)).toEqual([80]);
    // unknown names in the zone: NXDOMAIN
    expect((await ask(port, `nope.${NS}.svc.cluster.local`)).header.rcode).toBe(3);
  });

  test("kube-system/kube-dns holds the cluster DNS address, which the DNS answers itself (the proxy leaves it alone)", async () => {
    const kubeDns = await api.json("GET", "/api/v1/namespaces/kube-system/services/kube-dns");
    expect(kubeDns.status).toBe(200);
    expect(kubeDns.body.spec.clusterIP).toBe("10.43.0.10");
    const port = await until("DNS listening", () => net.dnsServer?.port);
    const r = await until("kube-dns in the zone", async () => {
      const a = await ask(port, "kube-dns.kube-system.svc.cluster.local");
      return a.answers.length ? a : undefined;
    });
    expect(r.answers.map((x: any) => x.address)).toEqual(["10.43.0.10"]);
    expect(net.proxy.table.frontend("UDP/10.43.0.10:53")).toBeUndefined();
    // the kubernetes Service is the proxy's (its slice points at the API)
    expect(net.proxy.table.frontend("TCP/10.43.0.1:443")?.targets.map((t) => t.key)).toEqual(["127.0.0.1:6443"]);
  });

  test("node names resolve (K3s NodeHosts)", async () => {
    const port = await until("DNS listening", () => net.dnsServer?.port);
    const r = await ask(port, "netagent-peer");
    expect(r.answers.map((x: any) => x.address)).toEqual([PEER_IP]);
  });

  test("a NodePort Service relays on the node IP to its endpoint", async () => {
    const svc = await serviceWithBackend("np", { type: "NodePort" });
    const nodePort = svc.spec.ports[0].nodePort;
    const text = await until("NodePort answering", async () => {
      const r = await fetch(`http://${NODE_IP}:${nodePort}/`).catch(() => undefined);
      return r?.ok ? r.text() : undefined;
    });
    expect(text).toBe("from-backend");
    expect(await registry.getSingleMetricAsString("k3rs_proxy_connections_total")).toContain(`service="${NS}/np"`);
  });

  test("a LoadBalancer Service: the node reports its IP on its Node, the servicelb controller writes the status", async () => {
    const probe = Bun.listen({ hostname: NODE_IP, port: 0, socket: { data() {} } });
    const lbPort = probe.port;
    probe.stop(true);
    await serviceWithBackend("lb", { type: "LoadBalancer", ports: [{ name: "http", port: lbPort, protocol: "TCP" }] });
    const node = await until("the node's report", async () => {
      const n = (await api.json("GET", `/api/v1/nodes/${NODE}`)).body;
      return n.metadata.annotations?.[LB_INGRESS_ANNOTATION]?.includes(`${NS}/lb`) ? n : undefined;
    });
    expect(JSON.parse(node.metadata.annotations[LB_INGRESS_ANNOTATION])).toEqual({ [`${NS}/lb`]: [NODE_IP] });
    const ingress = await until("status.loadBalancer.ingress", async () => (await api.json("GET", `/api/v1/namespaces/${NS}/services/lb`)).body.status?.loadBalancer?.ingress);
    expect(ingress).toEqual([{ ip: NODE_IP }]);
    expect(await (await fetch(`http://${NODE_IP}:${lbPort}/`)).text()).toBe("from-backend");

    // Deleted: the node withdraws its report.
    expect((await api.json("DELETE", `/api/v1/namespaces/${NS}/services/lb`)).status).toBe(200);
    await until("the report withdrawn", async () => !(await api.json("GET", `/api/v1/nodes/${NODE}`)).body.metadata.annotations?.[LB_INGRESS_ANNOTATION]);
  });

  test("servicelb: several nodes' reports make one status; a deleted node's IPs leave it", async () => {
    // externalTrafficPolicy Local without endpoints: this test's own node offers nothing for it
    // (its proxy still binds), so only the two hand-written reports count.
    const spec = { type: "LoadBalancer", externalTrafficPolicy: "Local", ports: [{ port: 1, protocol: "TCP" }] };
    expect((await api.json("POST", `/api/v1/namespaces/${NS}/services`, { metadata: { name: "multi" }, spec })).status).toBe(201);
    const report = (ips: string[]) => ({ metadata: { annotations: { [LB_INGRESS_ANNOTATION]: JSON.stringify({ [`${NS}/multi`]: ips }) } } });
    for (const [name, ips] of [["lb-a", ["192.0.2.20"]], ["lb-b", ["192.0.2.3", "198.51.100.3"]]] as const) {
      expect((await api.json("POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name } })).status).toBe(201);
      expect((await api.json("PATCH", `/api/v1/nodes/${name}`, report([...ips]), { headers: { "content-type": "application/merge-patch+json" } })).status).toBe(200);
    }
    const status = async () => (await api.json("GET", `/api/v1/namespaces/${NS}/services/multi`)).body.status?.loadBalancer?.ingress;
    expect(await until("both nodes listed", async () => ((await status())?.length === 3 ? status() : undefined))).toEqual([{ ip: "192.0.2.3" }, { ip: "192.0.2.20" }, { ip: "198.51.100.3" }]);
    expect((await api.json("DELETE", "/api/v1/nodes/lb-b")).status).toBe(200);
    expect(await until("lb-b's IPs gone", async () => ((await status())?.length === 1 ? status() : undefined))).toEqual([{ ip: "192.0.2.20" }]);
    const mine = (await api.json("GET", `/api/v1/nodes/${NODE}`)).body.metadata.annotations?.[LB_INGRESS_ANNOTATION] ?? "{}";
    expect(JSON.parse(mine)[`${NS}/multi`]).toBeUndefined();
  });

  test("a LoadBalancer port taken on the node: left out of ingress, with a PortInUse Event", async () => {
    const squat = Bun.listen({ hostname: NODE_IP, port: 0, socket: { data() {} } });
    await serviceWithBackend("taken", { type: "LoadBalancer", ports: [{ name: "http", port: squat.port, protocol: "TCP" }] });
    const ev = await until("a PortInUse event", async () => {
      const list = (await api.json("GET", `/api/v1/namespaces/${NS}/events`)).body.items as any[];
      return list.find((e) => e.reason === "PortInUse" && e.involvedObject.name === "taken");
    });
    expect(ev.message).toBe(`Node ${NODE} is left out of the load balancer: port ${squat.port}/TCP on ${NODE_IP}: address already in use`);
    expect((await api.json("GET", `/api/v1/namespaces/${NS}/services/taken`)).body.status?.loadBalancer?.ingress).toBeUndefined();
    squat.stop(true);
  });

  test("a peer Node's podCIDR is routed (host-gw); a deleted peer's route is withdrawn", async () => {
    const add = `ip route replace 10.42.1.0/24 via ${PEER_IP} proto 151`;
    expect(commands).toContain(add);
    // the safety routes went in first of all
    expect(commands.indexOf("ip route replace unreachable 10.42.0.0/16 proto 151")).toBeLessThan(commands.indexOf(add));
    // The recorder's kernel stays empty, so the withdrawal shows as the route no longer being put back.
    const before = commands.length;
    expect((await api.json("DELETE", "/api/v1/nodes/netagent-peer")).status).toBe(200);
    await until("a sync after the delete", () => commands.slice(before).some((c) => c.startsWith("ip -N -j route show")));
    await net.syncRoutes();
    expect(commands.slice(before).filter((c) => c === add)).toEqual([]);
  });

  test("the node's informers hold no managedFields, and of Nodes only what routes and the DNS read", async () => {
    await serviceWithBackend("trimmed", {});
    await until("the Service and its slice in the caches", () => net.services.get(`${NS}/trimmed`) && net.slices.list().some((s) => s.metadata.name === "trimmed"));
    // The API recorded owners for each of them (the test's writes): the caches dropped them.
    expect((await api.json("GET", `/api/v1/namespaces/${NS}/services/trimmed`)).body.metadata.managedFields?.length).toBeGreaterThan(0);
    expect(net.services.get(`${NS}/trimmed`)!.metadata.managedFields).toBeUndefined();
    expect(net.slices.list().filter((s) => s.metadata.managedFields !== undefined).map((s) => s.metadata.name)).toEqual([]);
    expect(net.nodes.list().filter((n) => n.metadata.managedFields !== undefined).map((n) => n.metadata.name)).toEqual([]);
    const images = [{ names: ["docker.io/library/busybox:latest"], sizeBytes: 1000 }];
    const addresses = [{ type: "InternalIP", address: "127.0.0.64" }];
    expect((await api.json("POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "netagent-trim" }, spec: { podCIDR: "10.42.9.0/24" } })).status).toBe(201);
    const patched = await api.json("PATCH", "/api/v1/nodes/netagent-trim/status", { status: { addresses, images } }, { headers: { "content-type": "application/merge-patch+json" } });
    expect(patched.status).toBe(200);
    expect(patched.body.status.images).toEqual(images);
    const peer = await until("the peer's new status", () => {
      const n = net.nodes.get("netagent-trim");
      return n?.metadata.resourceVersion === patched.body.metadata.resourceVersion && n;
    });
    expect(Object.keys(peer.status ?? {})).toEqual(["addresses"]);
    expect(peer.status.addresses).toEqual(addresses);
    expect(peer.spec.podCIDR).toBe("10.42.9.0/24");
    expect((await api.json("DELETE", "/api/v1/nodes/netagent-trim")).status).toBe(200);
  });

  test("a node reads the cluster's network settings from /v1-k3rs/config; anonymous callers may not", async () => {
    expect(await fetchClusterNetwork(nodeClient)).toEqual(DEFAULT_CLUSTER_NETWORK);
    expect((await api.request("GET", CLUSTER_CONFIG_PATH, undefined, { anonymous: true })).status).toBe(401);
  });

  test("pods get resolv.conf by dnsPolicy", () => {
    const pod = (spec: object) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: NS }, spec: { containers: [], ...spec } });
    expect(net.podDns(pod({}))).toMatchObject({ servers: ["10.43.0.10"], options: ["ndots:5"] });
    expect(net.podDns(pod({}))!.searches.slice(0, 3)).toEqual([`${NS}.svc.cluster.local`, "svc.cluster.local", "cluster.local"]);
    // A host-network pod under ClusterFirst gets the node's --resolv-conf, as the kubelet gives it.
    expect(net.podDns(pod({ hostNetwork: true }))!.servers).toEqual(["10.255.255.53"]);
    expect(net.podDns(pod({ hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }))!.servers).toEqual(["10.43.0.10"]);
    expect(net.podDns(pod({ dnsPolicy: "None", dnsConfig: { nameservers: ["192.0.2.53"], searches: ["x.example"] } }))).toEqual({ servers: ["192.0.2.53"], searches: ["x.example"], options: [] });
  });
});

describe("--disable=coredns", () => {
  test("the node serves no DNS of its own and proxies the kube-dns ClusterIP like any other", () => {
    const net = new NodeNetwork({
      client: new RestClient({ server: "https://k3rs.test", path: "(unused)" }),
      nodeName: "n", nodeIP: NODE_IP, dataDir: "/tmp/netagent-coredns-off", registry: new client.Registry(),
      network: { ...DEFAULT_CLUSTER_NETWORK, disable: ["coredns"] },
      patchNode: async () => undefined, event: () => undefined, signal: new AbortController().signal, ownAddresses: false, routes: false,
    });
    net.proxy.applyService("ADDED", { apiVersion: "v1", kind: "Service", metadata: { name: "kube-dns", namespace: "kube-system" }, spec: { clusterIP: "10.43.0.10", ports: [{ name: "dns", port: 53, protocol: "UDP" }] } });
    expect(net.proxy.table.frontend("UDP/10.43.0.10:53")).toBeDefined();
    void net.stop();
  });
});

describe("the service device removed by hand", () => {
  test("comes back at the next resync with the node's ClusterIPs and the cluster DNS address", async () => {
    const api = await startTestApi();
    const stop = new AbortController();
    // iproute2 as a kernel holding one device: enough to delete it "by hand" and see it made again.
    let device: Set<string> | undefined;
    const run: NetRunner = async (tool, args) => {
      const cmd = args.join(" ");
      const ok = (stdout = "") => ({ code: 0, stdout, stderr: "" });
      if (tool !== "ip") return ok();
      if (cmd.startsWith("-d -j link show")) return device ? ok(JSON.stringify([{ linkinfo: { info_kind: "dummy" } }])) : { code: 1, stdout: "", stderr: "Device does not exist." };
      if (cmd.startsWith("link add")) device = new Set();
      if (cmd.startsWith("-j addr show")) return device ? ok(JSON.stringify([{ addr_info: [...device].map((local) => ({ local, scope: "global" })) }])) : { code: 1, stdout: "", stderr: "Device does not exist." };
      if (cmd.startsWith("addr replace")) {
        if (!device) return { code: 1, stdout: "", stderr: "Cannot find device" };
        device.add(args[2]!.split("/")[0]!);
      }
      return ok();
    };
    const nodeClient = new RestClient({ server: "https://k3rs.test", path: "(node)" }, async (url, init) =>
      api.app.fetch(new Request(url, init), { peer: { authorized: true, subject: { CN: `system:node:${NODE}`, O: "system:nodes" } }, signal: init.signal ?? undefined }));
    const net = new NodeNetwork({
      client: nodeClient, nodeName: NODE, nodeIP: NODE_IP, dataDir: api.dir, registry: new client.Registry(),
      network: DEFAULT_CLUSTER_NETWORK, patchNode: async () => undefined, event: () => undefined, signal: stop.signal,
      run, dnsHost: "127.0.0.1", dnsPort: 0, routes: false, resyncMs: 50,
    });
    try {
      await net.start();
      const svc = await api.json("POST", "/api/v1/namespaces/default/services", { metadata: { name: "dev" }, spec: { ports: [{ port: 80 }] } });
      expect(svc.status).toBe(201);
      const clusterIP: string = svc.body.spec.clusterIP;
      await until("the ClusterIP on the device", () => device?.has(clusterIP));
      expect(device!.has("10.43.0.10")).toBe(true);
      device = undefined; // ip link del, by hand
      const back = await until("the device made again", () => device?.has(clusterIP) && device);
      // the kubernetes Service's 10.43.0.1 too
      expect([...back].sort()).toEqual([clusterIP, "10.43.0.1", "10.43.0.10"].sort());
    } finally {
      stop.abort();
      await net.stop();
      await api.close();
    }
  }, 20_000);
});
