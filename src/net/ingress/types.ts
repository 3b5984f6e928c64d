/** Shapes shared by the Ingress routing table, the backends and the server. */
import type { PathRule } from "./path-match.ts";

/** A Service backend of an Ingress path (or its defaultBackend): the port by number or by name. */
export interface BackendRef {
  namespace: string;
  service: string;
  port: number | string;
}

/** One path of one Ingress rule, compiled. */
export interface Route {
  /** `namespace/name` of the Ingress */
  ingress: string;
  host: string;
  rule: PathRule;
  /** undefined for a `resource` backend, which k3rs does not serve (503) */
  backend?: BackendRef;
  /** the Ingress's creationTimestamp: on a conflict the oldest Ingress wins, as ingress-nginx does */
  created: string;
}

/** A route chosen for a request. */
export interface RouteMatch {
  route: Route;
  /** true when no rule matched and an Ingress's defaultBackend took the request */
  isDefault: boolean;
}
