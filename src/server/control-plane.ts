/**
 * The control plane without its transport: registry, the single write path with its admission
 * chain, the hono app, and the in-server controllers. `k3rs server` puts TLS in front of it;
 * integration tests call `app.fetch` directly — both run exactly this wiring.
 */
import type { Store } from "../store/types.ts";
import { ResourceRegistry } from "../api/resources/registry.ts";
import { ObjectStorage } from "../api/storage/object-storage.ts";
import { namespaceLifecycle } from "../api/admission/namespace-lifecycle.ts";
import { defaultTolerationSeconds } from "../api/admission/default-toleration-seconds.ts";
import { ServiceAllocator, parseCidr } from "../api/admission/service-allocator.ts";
import { ResourceQuotaAdmission } from "../api/admission/resource-quota.ts";
import { defaultStorageClass } from "../api/admission/default-storage-class.ts";
import { storageObjectInUseProtection } from "../api/admission/storage-object-in-use-protection.ts";
import { createApi } from "../api/app.ts";
import { CrdServing } from "../api/crd/crd-serving.ts";
import { clientCertAuthenticator } from "../api/auth/authenticate.ts";
import { earlyAuthenticator, type EarlyAuthenticator } from "../api/auth/early-authenticator.ts";
import { AuthFailureLimiter, type FailureLimiterOptions } from "../api/auth/failure-limiter.ts";
import { privilegedGroupAuthorizer, unionAuthorizer } from "../api/auth/authorize.ts";
import { PolicyCache } from "../api/auth/rbac/policy-cache.ts";
import { RbacAuthorizer } from "../api/auth/rbac/rbac-authorizer.ts";
import { NodeAuthorizer } from "../api/auth/node/node-authorizer.ts";
import { rbacEscalation, type RbacEscalationDeps } from "../api/admission/rbac-escalation.ts";
import { reconcileDefaultPolicy } from "./policy/reconcile-policy.ts";
import { rulesReview } from "../api/auth/rules-review.ts";
import { serviceAccountAdmission } from "../api/admission/service-account.ts";
import { nodeRestriction } from "../api/admission/node-restriction.ts";
import { NodeGraph } from "../api/auth/node/node-graph.ts";
import { AuditLog, type AuditOptions } from "../api/audit/audit-log.ts";
import { ServiceAccountTokens } from "../api/auth/serviceaccount/tokens.ts";
import { generateServiceAccountKey, type ServiceAccountKey } from "../pki/service-account-key.ts";
import type { CertPair } from "../pki/ca.ts";
import { JoinService } from "./join.ts";
import { ImageStore } from "./images/image-store.ts";
import { registerImageRoutes } from "./images/image-routes.ts";
import { registerJoinRoutes } from "./join-routes.ts";
import { registerEncryptRoutes } from "./encrypt-routes.ts";
import type { KeyRotation } from "./key-rotation.ts";
import type { Hono } from "hono";
import { AgentDialer } from "../tunnel/server.ts";
import { bootstrapObjects } from "./bootstrap.ts";
import { priorityAdmission } from "../api/admission/priority.ts";
import { bootstrapIngress } from "./ingress-bootstrap.ts";
import { IngressStatusController } from "../controllers/ingress-status/controller.ts";
import { kubernetesVersion } from "../version.ts";
import { startControllerManager } from "../controllers/manager.ts";
import { allControllers } from "../controllers/index.ts";
import { DEFAULT_CONTROLLER_SETTINGS, type ControllerSettings } from "../controllers/framework/context.ts";
import { startScheduler } from "../scheduler/scheduler.ts";
import { registerClusterConfigRoutes } from "./cluster-config-routes.ts";
import { apiServiceIP, type ClusterNetwork, DEFAULT_CLUSTER_NETWORK } from "../model/cluster-network.ts";
import { MetricsStore } from "./usage/usage-store.ts";
import { DEFAULT_METRIC_RESOLUTION_MS, MetricsScraper } from "./usage/usage-scraper.ts";

export interface ControlPlaneOptions {
  store: Store;
  serviceCidr: string;
  /** host:port clients should use (discovery's serverAddressByClientCIDRs). */
  advertiseAddress: string;
  /** The node IP the `kubernetes` Service's endpoints point at. */
  nodeIp: string;
  ready: () => boolean;
  /** "default" (least-allocated) or "binpack" (most-allocated). */
  schedulerProfile?: string;
  /** The CA and join secret, when agents may join this server. */
  join?: { ca: CertPair; secret: string; agentSecret?: string; nodeCertLifetimeMs?: number };
  /** The key that signs service-account tokens (`<data-dir>/server/tls/service.key`); tests get a fresh one. */
  serviceAccountKey?: ServiceAccountKey;
  /**
   * The cluster CA (PEM) published in every namespace as `kube-root-ca.crt`; with it pods get
   * their service-account token volume (ServiceAccount admission). Tests without a CA get neither.
   */
  rootCaPem?: string;
  /** The audit log (`--audit-log-path`, or `--kube-apiserver-arg audit-log-path=…`); absent: none. */
  audit?: AuditOptions;
  /** The per-source budget of failed authentications (tests shrink it); default AuthFailureLimiter's. */
  authFailures?: FailureLimiterOptions;
  /** Where the cluster image store keeps its archives (`<data-dir>/server/images`); none without it. */
  imagesDir?: string;
  /** The encryption-at-rest key rotation served at `/v1-k3rs/encrypt/*`; none without it. */
  encryption?: KeyRotation;
  /** Timings of the controllers (tests shorten them). */
  controllerSettings?: Partial<ControllerSettings>;
  /** Leader election: lease duration and retry period (tests shorten them). */
  leaseDurationSeconds?: number;
  leaderRetryMs?: number;
  /** How often nodes' usage is read for metrics.k8s.io (metrics-server's --metric-resolution; tests shorten it). */
  metricResolutionMs?: number;
  /** The cluster network agents read at `/v1-k3rs/config`; default K3s's. Its `disable` "ingress" drops the IngressClass, default certificate and status controller. */
  network?: ClusterNetwork;
}

export interface ControlPlane {
  registry: ResourceRegistry;
  storage: ObjectStorage;
  app: ReturnType<typeof createApi>;
  /** The app's authentication chain asked from a request head, for the transport (before bodies are read). */
  authenticate: EarlyAuthenticator;
  /** Node join (absent without a CA): the server claims its own node's name through it too. */
  join?: JoinService;
  /** The agents' tunnels: how the API reaches nodes (logs); the transport hands it `/v1-k3rs/connect` upgrades. */
  tunnels: AgentDialer;
  /** Creates the bootstrap objects (endpoints at `apiPort`, the port actually bound) and starts the controllers. */
  start(apiPort: number): Promise<void>;
  /** Stops the controllers and tunnels; resolves once the controller lease is given up (at most 2 s). */
  stop(): Promise<void>;
}

export async function createControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  const registry = new ResourceRegistry();
  const nsDef = registry.find("", "v1", "namespaces")!;
  const allocator = new ServiceAllocator(parseCidr(o.serviceCidr));
  // The escalation check needs the authorizer, which reads roles through this very storage.
  let authz: RbacEscalationDeps | undefined;
  const storage: ObjectStorage = new ObjectStorage({
    store: o.store,
    admission: [
      namespaceLifecycle((name) => storage.tryGet(nsDef, undefined, name)),
      allocator,
      defaultTolerationSeconds({ ...DEFAULT_CONTROLLER_SETTINGS, ...o.controllerSettings }),
      defaultStorageClass(async () => (await storage.list(registry.find("storage.k8s.io", "v1", "storageclasses")!, undefined)).items),
      priorityAdmission({
        get: (name) => storage.tryGet(registry.find("scheduling.k8s.io", "v1", "priorityclasses")!, undefined, name),
        list: async () => (await storage.list(registry.find("scheduling.k8s.io", "v1", "priorityclasses")!, undefined)).items,
      }),
      storageObjectInUseProtection,
      new ResourceQuotaAdmission({ list: async (def, ns) => (await storage.list(def, ns)).items, quotaDef: registry.find("", "v1", "resourcequotas")! }),
      rbacEscalation(() => authz!),
      nodeRestriction,
      ...(o.rootCaPem ? [serviceAccountAdmission({ serviceAccount: (ns, name) => storage.tryGet(registry.find("", "v1", "serviceaccounts")!, ns, name) })] : []),
    ],
  });
  const policy = new PolicyCache(storage, registry);
  const rbac = new RbacAuthorizer(policy);
  const graph = new NodeGraph(storage, registry);
  const authorizer = unionAuthorizer(privilegedGroupAuthorizer, new NodeAuthorizer(graph), rbac);
  authz = { authorizer, rbac, policy };
  allocator.load((await storage.list(registry.find("", "v1", "services")!, undefined)).items);
  const tunnels = new AgentDialer();
  const metricResolutionMs = o.metricResolutionMs ?? DEFAULT_METRIC_RESOLUTION_MS;
  const metrics = new MetricsStore(metricResolutionMs);
  const join = o.join ? new JoinService({ ...o.join, storage, registry }) : undefined;
  const tokens = new ServiceAccountTokens({ key: o.serviceAccountKey ?? generateServiceAccountKey(), storage, registry });
  const authenticators = [clientCertAuthenticator, tokens.authenticator];
  // One budget for both doors: the transport's early authentication and the app's (upgrades, tests).
  const authFailures = new AuthFailureLimiter(o.authFailures);
  const audit = o.audit ? new AuditLog(o.audit) : undefined;
  const app = createApi({
    registry,
    storage,
    authenticators,
    authorizer,
    version: kubernetesVersion(),
    advertiseAddress: o.advertiseAddress,
    ready: o.ready,
    extraRoutes: [
      ...(join ? [(a: Hono<any>) => registerJoinRoutes(a, join)] : []),
      ...(o.imagesDir ? [(a: Hono<any>) => registerImageRoutes(a, new ImageStore({ dir: o.imagesDir! }))] : []),
      ...(o.encryption ? [(a: Hono<any>) => registerEncryptRoutes(a, o.encryption!)] : []),
      (a: Hono<any>) => registerClusterConfigRoutes(a, o.network ?? { ...DEFAULT_CLUSTER_NETWORK, serviceCidr: o.serviceCidr }),
    ],
    nodes: tunnels,
    metrics,
    audit,
    authFailures,
    reviews: { authorizer, rulesFor: rulesReview(rbac), authenticateToken: (t, aud) => tokens.authenticate(t, aud?.length ? aud : undefined) },
    tokens,
  });
  const controllers = new AbortController();
  let election: Promise<void> = Promise.resolve();
  return {
    registry,
    storage,
    app,
    authenticate: earlyAuthenticator(authenticators, authFailures, audit),
    join,
    tunnels,
    async start(apiPort) {
      await Promise.all([policy.start(controllers.signal), graph.start(controllers.signal)]);
      const network = o.network ?? { ...DEFAULT_CLUSTER_NETWORK, serviceCidr: o.serviceCidr };
      await bootstrapObjects(storage, registry, { apiPort, nodeIp: o.nodeIp, apiServiceIp: apiServiceIP(network.serviceCidr), clusterDns: network.disable.includes("coredns") ? undefined : network.clusterDns });
      const ingress = !network.disable.includes("ingress");
      await bootstrapIngress(storage, registry, ingress);
      await reconcileDefaultPolicy(storage, registry);
      // Custom resources are served by every server, leader or not, before it answers for them.
      await new CrdServing({ storage, registry }).start(controllers.signal);
      election = startControllerManager({
        storage,
        registry,
        signal: controllers.signal,
        controllers: allControllers({ hpa: { metrics, syncPeriodMs: o.controllerSettings?.hpaSyncPeriodMs, downscaleStabilizationMs: o.controllerSettings?.hpaDownscaleStabilizationMs } }).filter((c) => ingress || c.name !== IngressStatusController.NAME),
        settings: { ...o.controllerSettings, rootCaPem: o.rootCaPem },
        leaseDurationSeconds: o.leaseDurationSeconds,
        retryMs: o.leaderRetryMs,
        alsoRun: (ctx) => void startScheduler({ ctx, profile: o.schedulerProfile }),
      });
      new MetricsScraper({ connector: tunnels, nodes: () => tunnels.connectedNodes(), store: metrics, resolutionMs: metricResolutionMs }).start(controllers.signal);
    },
    stop: () => {
      controllers.abort();
      tunnels.close();
      // Resolves once a leader has given its Lease up (it writes through the store, so the
      // store closes after); never later than 2 s.
      return Promise.race([election.catch(() => {}), new Promise<void>((r) => setTimeout(r, 2000).unref())]);
    },
  };
}
