export { parseFdb, parseNeighbours, parseRoutes, readActualState } from "./actual-state.ts";
export { ownNodeAnnotations, peersFromNodes, type Peers, type SkippedNode, VTEP_MAC_ANNOTATION } from "./peers.ts";
export { commandFor, desiredState, planChanges } from "./plan.ts";
export { PodRoutes, type PodRoutesOptions, routesConfig, type SyncResult } from "./pod-routes.ts";
export { NetCommandError, type NetResult, type NetRunner, netRunner } from "../net-runner.ts";
export { findStaleInterface, StaleInterfaceError } from "./stale-interface.ts";
export { type Backend, BACKENDS, DEFAULT_BACKEND, DEFAULT_VXLAN, type NetChange, type NetState, type Peer, ROUTE_PROTO, type RoutesConfig } from "./types.ts";
export { vtepMacFor } from "./vxlan-device.ts";
