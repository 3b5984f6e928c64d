export { BackendTable, type NoTarget } from "./backend-table.ts";
export { DEFAULT_CLASS_ANNOTATION, INGRESS_CLASS_NAME, INGRESS_CONTROLLER, type ClassView, isOurIngress } from "./ingress-class.ts";
export { DEFAULT_CERT_SECRET, IngressController, type IngressControllerOptions } from "./ingress-controller.ts";
export { IngressListeners, type ListenAddress } from "./listeners.ts";
export { IngressMetrics } from "./metrics.ts";
export { RouteTable } from "./route-table.ts";
export { type StartIngressOptions, startIngress } from "./start-ingress.ts";
export { TlsTable, type TlsEntry } from "./tls-table.ts";
