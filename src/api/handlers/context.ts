/** What every handler of a resource request is given. */
import type { ObjectStorage } from "../storage/object-storage.ts";
import type { ResourceDef } from "../resources/types.ts";
import type { ResourceRegistry } from "../resources/registry.ts";
import type { ResourcePath } from "../path.ts";
import type { NodeConnector } from "../../tunnel/types.ts";
import type { MetricsSource } from "../../resource-metrics/types.ts";
import type { UpgradeConnection } from "../transport/upgrade.ts";
import type { UserInfo } from "../../http/identity.ts";
import type { ReviewDeps } from "../auth/types.ts";
import type { ServiceAccountTokens } from "../auth/serviceaccount/tokens.ts";

export interface ResourceContext {
  storage: ObjectStorage;
  def: ResourceDef;
  /** Every served resource, for handlers that touch a second kind (eviction reads budgets). */
  registry: ResourceRegistry;
  path: ResourcePath;
  req: Request;
  url: URL;
  signal: AbortSignal;
  /** How nodes are reached (pods/log). */
  nodes?: NodeConnector;
  /** Nodes' and pods' usage (metrics.k8s.io); absent: none is known. */
  metrics?: MetricsSource;
  /** The raw connection of an upgrade request (pods/exec, attach, portforward). */
  upgrade?: UpgradeConnection;
  /** Who asks (admission reads it); absent only for the server's own calls. */
  user?: UserInfo;
  /** Authentication and authorization, for the review resources. */
  reviews?: ReviewDeps;
  /** Issues service-account tokens (serviceaccounts/token); absent: TokenRequest is not served. */
  tokens?: ServiceAccountTokens;
}
