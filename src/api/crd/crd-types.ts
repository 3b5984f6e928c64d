/**
 * The parts of an apiextensions.k8s.io/v1 CustomResourceDefinition this server reads. Objects
 * arrive as JSON and pass the shape check (the generated OpenAPI of the kind) before any of
 * this is read, so the types below hold for stored definitions.
 */
import type { KubeObject } from "../../model/object.ts";
import type { Schema } from "../openapi/defs-types.ts";

export const CRD_GROUP = "apiextensions.k8s.io";
/** The finalizer under which a deleted definition's objects are deleted (the apiserver's name). */
export const CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

export interface CrdNames {
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

export interface PrinterColumnSpec {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: Schema };
  subresources?: { status?: object; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: PrinterColumnSpec[];
}

export interface CrdCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface CrdSpec {
  group: string;
  names: CrdNames;
  scope: "Namespaced" | "Cluster";
  versions: CrdVersion[];
  conversion?: { strategy: string };
  preserveUnknownFields?: boolean;
}

export interface CrdStatus {
  conditions?: CrdCondition[];
  acceptedNames?: CrdNames;
  storedVersions?: string[];
}

export type Crd = Omit<KubeObject, "spec" | "status"> & { spec: CrdSpec; status?: CrdStatus };
