/**
 * Every flag of `k3rs server` and `k3rs agent`, declared once: its config key, its K3s name
 * (also the config-file key and, upper-cased, the K3RS_* variable), its value placeholder and
 * its help. The CLI builds its options from these lists and the resolvers read the same names,
 * so a flag cannot exist in one place and be missing in another.
 */

export interface Flag<K extends string = string> {
  /** The key in the resolved config. */
  key: K;
  /** The flag's name without dashes, as K3s spells it. */
  name: string;
  /** A one-letter alias. */
  short?: string;
  /** Placeholder of the value (`<port>`); absent for a switch. A trailing `...` makes it repeatable. */
  arg?: string;
  help: string;
}

const dataDir = { key: "dataDir", name: "data-dir", short: "d", arg: "<dir>", help: "data directory (default /var/lib/k3rs as root, ~/.k3rs otherwise)" } as const;
const nodeName = { key: "nodeName", name: "node-name", arg: "<name>" } as const;
const nodeIp = { key: "nodeIp", name: "node-ip", arg: "<ip>" } as const;
const nodeExternalIp = { key: "nodeExternalIp", name: "node-external-ip", arg: "<ip...>", help: "external IP addresses to advertise for this node (repeatable or comma separated): the Node's ExternalIP; NodePort and ServiceLB answer on those held here, and ServiceLB lists external IPs instead of internal ones" } as const;
const nodeLabel = { key: "nodeLabel", name: "node-label", arg: "<key=value...>" } as const;
const nodeTaint = { key: "nodeTaint", name: "node-taint", arg: "<key=value:Effect...>" } as const;
const runtime = { key: "runtime", name: "runtime", arg: "<kind>" } as const;
const kubeletArg = { key: "kubeletArg", name: "kubelet-arg", arg: "<key=value...>" } as const;
const criEndpoint = { key: "containerRuntimeEndpoint", name: "container-runtime-endpoint", arg: "<socket>" } as const;
const debug = { key: "debug", name: "debug", help: "debug logging" } as const;
const resolvConf = { key: "resolvConf", name: "resolv-conf", arg: "<file>", help: "resolv.conf whose nameservers the cluster DNS forwards to and pods with dnsPolicy Default get (default /etc/resolv.conf, or systemd-resolved's upstream file when it names only loopback)" } as const;
const flannelIface = { key: "flannelIface", name: "flannel-iface", arg: "<iface>", help: "interface whose IPv4 address carries pod traffic between nodes (the VXLAN local address; default: --node-ip)" } as const;

export const SERVER_FLAG_LIST = [
  dataDir,
  { key: "httpsListenPort", name: "https-listen-port", arg: "<port>", help: "HTTPS port of the API (default 6443)" },
  { key: "bindAddress", name: "bind-address", arg: "<ip>", help: "address to listen on (default 0.0.0.0)" },
  { key: "token", name: "token", short: "t", arg: "<secret>", help: "shared secret agents use to join" },
  { key: "encryptResources", name: "encrypt-resources", arg: "<resource...>", help: "resources whose stored values are encrypted at rest (repeatable or comma separated; default secrets): plural names, with the group outside the core group (deployments.apps); a change re-encrypts (or decrypts) the stored values at start" },
  { key: "agentToken", name: "agent-token", arg: "<secret>", help: "a second secret agents (only) may join with, kept apart from --token (K3s' agent token; written to <data-dir>/server/agent-token)" },
  { ...nodeName, help: "this node's name (default: hostname)" },
  { ...nodeIp, help: "this node's IP address" },
  nodeExternalIp,
  { key: "tlsSan", name: "tls-san", arg: "<names>", help: "extra hostnames or IPs for the serving certificate (comma separated)" },
  { key: "clusterCidr", name: "cluster-cidr", arg: "<cidr>", help: "pod network (default 10.42.0.0/16)" },
  { key: "serviceCidr", name: "service-cidr", arg: "<cidr>", help: "service network (default 10.43.0.0/16)" },
  { key: "disableAgent", name: "disable-agent", help: "do not run the node agent in this process" },
  { key: "disable", name: "disable", arg: "<name...>", help: "do not run a packaged component (repeatable or comma separated): servicelb, ingress (also traefik), coredns, local-storage, metrics-server, or a manifest's file name" },
  { key: "clusterDns", name: "cluster-dns", arg: "<ip>", help: "cluster DNS address pods are given, inside the service CIDR (default 10.43.0.10)" },
  { key: "clusterDomain", name: "cluster-domain", arg: "<domain>", help: "cluster domain (default cluster.local)" },
  { key: "flannelBackend", name: "flannel-backend", arg: "<backend>", help: "pod network between nodes: vxlan (default) or host-gw (nodes on one L2 segment)" },
  flannelIface,
  resolvConf,
  { ...nodeLabel, help: "labels for this node (repeatable)" },
  { ...nodeTaint, help: "taints for this node (repeatable)" },
  { ...runtime, help: "the embedded agent's container runtime: containerd (default) or fake (hollow pods, for tests)" },
  { ...kubeletArg, help: "the embedded agent's kubelet flag (repeatable): container-log-max-size, container-log-max-files" },
  { ...criEndpoint, help: "the embedded agent uses this CRI socket instead of its own containerd" },
  { key: "schedulerProfile", name: "scheduler-profile", arg: "<name>", help: "scheduler profile: default (spread by least-allocated) or binpack (most-allocated)" },
  { key: "kubeControllerManagerArg", name: "kube-controller-manager-arg", arg: "<key=value...>", help: "controller flag (repeatable): node-monitor-grace-period, node-cidr-mask-size, terminated-pod-gc-threshold" },
  { key: "kubeApiserverArg", name: "kube-apiserver-arg", arg: "<key=value...>", help: "API server flag (repeatable): default-not-ready-toleration-seconds, default-unreachable-toleration-seconds, event-ttl, etcd-compaction-interval, audit-log-path, audit-policy-file, audit-log-maxsize, audit-log-maxbackup, audit-log-maxage" },
  { key: "auditLogPath", name: "audit-log-path", arg: "<file>", help: "write the API audit log (audit.k8s.io/v1 Events, JSON lines) here; - for standard output (wins over --kube-apiserver-arg audit-log-path)" },
  { key: "auditPolicyFile", name: "audit-policy-file", arg: "<file>", help: "audit policy (audit.k8s.io/v1 Policy); without it every request is logged at Metadata" },
  { key: "auditLogMaxsize", name: "audit-log-maxsize", arg: "<MB>", help: "rotate the audit log past this many megabytes (default 100)" },
  { key: "auditLogMaxbackup", name: "audit-log-maxbackup", arg: "<n>", help: "rotated audit logs to keep (default 0: all)" },
  { key: "auditLogMaxage", name: "audit-log-maxage", arg: "<days>", help: "remove rotated audit logs older than this many days (default 0: never)" },
  { key: "clusterReset", name: "cluster-reset", help: "with --cluster-reset-restore-path: restore the store from a snapshot, keep the old one aside, and exit" },
  { key: "clusterResetRestorePath", name: "cluster-reset-restore-path", arg: "<file>", help: "the snapshot --cluster-reset restores" },
  { key: "snapshotScheduleCron", name: "snapshot-schedule-cron", arg: "<spec>", help: "when to save store snapshots, in cron form (default \"0 */12 * * *\")" },
  { key: "snapshotRetention", name: "snapshot-retention", arg: "<n>", help: "scheduled snapshots to keep (default 5)" },
  { key: "disableSnapshots", name: "disable-snapshots", help: "save no scheduled snapshots" },
  { key: "datastoreQuota", name: "datastore-quota", arg: "<size>", help: "refuse writes that would grow the stored objects past this size, like etcd's quota-backend-bytes (512Mi, 2Gi; default a quarter of the memory, at most 2Gi; 0: no limit)" },
  { key: "datastoreReplica", name: "datastore-replica", arg: "<url>", help: "replicate the store continuously with Litestream to s3://BUCKET/PREFIX or file:///DIR; an empty data dir restores from it" },
  { key: "datastoreReplicaEndpoint", name: "datastore-replica-endpoint", arg: "<url>", help: "S3 endpoint of the replica (for S3-compatible stores: MinIO, Swift, …)" },
  { key: "datastoreReplicaAccessKey", name: "datastore-replica-access-key", arg: "<key>", help: "S3 access key of the replica" },
  { key: "datastoreReplicaSecretKey", name: "datastore-replica-secret-key", arg: "<secret>", help: "S3 secret key of the replica (never printed)" },
  { key: "datastoreReplicaRegion", name: "datastore-replica-region", arg: "<region>", help: "S3 region of the replica (default us-east-1)" },
  { key: "writeKubeconfig", name: "write-kubeconfig", short: "o", arg: "<file>", help: "also write the admin kubeconfig here (default /etc/k3rs/k3rs.yaml as root)" },
  { key: "writeKubeconfigMode", name: "write-kubeconfig-mode", arg: "<mode>", help: "file mode of the written kubeconfig (default 0600)" },
  debug,
] as const satisfies readonly Flag[];

export const AGENT_FLAG_LIST = [
  { key: "server", name: "server", short: "s", arg: "<url>", help: "server to join, e.g. https://10.0.0.1:6443 (env K3RS_URL)" },
  { key: "token", name: "token", short: "t", arg: "<token>", help: "join token from the server's <data-dir>/server/token (env K3RS_TOKEN)" },
  dataDir,
  { ...nodeName, help: "this node's name (default: hostname)" },
  { ...nodeIp, help: "this node's IP address" },
  nodeExternalIp,
  { ...nodeLabel, help: "labels for the node (repeatable)" },
  { ...nodeTaint, help: "taints for the node (repeatable)" },
  { ...runtime, help: "container runtime: containerd (default) or fake (hollow pods, for tests)" },
  { ...kubeletArg, help: "kubelet flag (repeatable): container-log-max-size, container-log-max-files" },
  { ...criEndpoint, help: "use this CRI socket instead of starting the agent's own containerd" },
  { key: "simulate", name: "simulate", arg: "<n>", help: "run N hollow nodes (fake runtime) in this process, for scale tests" },
  flannelIface,
  resolvConf,
  debug,
] as const satisfies readonly Flag[];

/**
 * Compiles only when a config type and its flag list name the same keys: a key added to a
 * config without a flag (or a flag without a key) fails where the config uses this.
 */
export type SameKeys<C, L extends readonly Flag[]> = [Exclude<keyof C, L[number]["key"]> | Exclude<L[number]["key"], keyof C>] extends [never] ? true : never;

/** Config key → flag name, for the file and environment readers. */
export function flagNames<K extends string>(flags: readonly Flag<K>[]): Record<K, string> {
  return Object.fromEntries(flags.map((f) => [f.key, f.name])) as Record<K, string>;
}

/** Names the other role declares and this one does not: a shared config file may hold them. */
export function otherRoleNames(mine: readonly Flag[], other: readonly Flag[]): string[] {
  const own = new Set(mine.map((f) => f.name));
  return other.map((f) => f.name).filter((n) => !own.has(n));
}
