/**
 * What the API knows about one served resource. Adding a resource is one entry of this shape
 * (see registry.ts); discovery, OpenAPI, routing, tables and validation all read it.
 */
import type { KubeObject } from "../../model/object.ts";
import type { StatusCause } from "../../model/errors.ts";
import type { Schema } from "../openapi/defs-types.ts";
import type { Printer } from "../table/types.ts";

export interface ResourceInfo {
  group: string; // "" for core
  version: string; // "v1"
  kind: string; // "Deployment"
  plural: string; // "deployments"
  singular: string; // "deployment"
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[]; // "all"
  /** Subresources served, e.g. ["status", "scale"]. */
  subresources?: string[];
  /** Verbs for discovery; defaults to the full set. */
  verbs?: string[];
  /**
   * The version objects are stored in, when versions of this resource share one store (a custom
   * resource's): objects are written in it and read in the version asked for. Only apiVersion
   * differs between them (conversion None). Absent: stored as served.
   */
  storageVersion?: string;
  /** With storageVersion: the group the objects are stored under, when another (events.k8s.io Events are core Events). */
  storageGroup?: string;
  /** Served from a CustomResourceDefinition (api/crd/): what differs for custom resources. */
  custom?: CustomResourceInfo;
}

/** Between a version served and the storage version when more than apiVersion differs (autoscaling/v1 ⇄ v2). */
export interface Conversion {
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
}

export interface ResourceDef extends ResourceInfo {
  /** Fill in defaults, as the apiserver's defaulting does (mutates in place). */
  defaults?: (obj: KubeObject) => void;
  /** Field errors for a create or update (old is set on update). Empty = valid. */
  validate?: (obj: KubeObject, old?: KubeObject) => StatusCause[];
  /** Field selectors this kind supports beyond metadata.name / metadata.namespace. */
  fieldSelectors?: Record<string, (obj: KubeObject) => string | undefined>;
  /** True when spec changes bump metadata.generation (kinds with a spec). */
  hasGeneration?: boolean;
  /**
   * A create keeps the status it is sent, though the kind has a status subresource (the
   * kubelet registers its Node with one); other such kinds start from their defaults' status.
   */
  keepsStatusOnCreate?: boolean;
  /** How a delete treats this kind's objects beyond finalizers; absent = removed once no finalizer holds them. */
  deletion?: DeletionStrategy;
  /** With storageVersion: how objects convert; absent = only apiVersion differs (conversion None). */
  conversion?: Conversion;
}

/** A custom resource version as its CustomResourceDefinition declares it. */
export interface CustomResourceInfo {
  /** The version's structural schema (openAPIV3Schema, with apiVersion, kind and metadata typed). */
  schema: Schema;
  /** The version objects are stored in: reads of another version see their apiVersion rewritten (conversion None). */
  storageVersion: string;
  /** additionalPrinterColumns as a table printer. */
  printer: Printer;
  /** The scale subresource's JSON paths, when the version has one. */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** The CustomResourceDefinition's uid and generation: what the served documents depend on. */
  crdUid: string;
  generation: number;
  listKind: string;
}

/**
 * The kind-specific part of a delete, as the apiserver's RESTGracefulDeleteStrategy and the
 * namespace registry give it; the generic delete (api/storage/object-storage.ts) asks these.
 */
export interface DeletionStrategy {
  /**
   * Seconds a deleted object stays for whoever runs it to stop it (a pod on a node: its
   * kubelet, which then deletes it with grace 0); 0 = no grace. `requested` is
   * DeleteOptions.gracePeriodSeconds.
   */
  gracePeriod?(obj: KubeObject, requested: number | undefined): number;
  /** True while something besides metadata.finalizers keeps the object (a namespace's spec.finalizers). */
  held?(obj: KubeObject): boolean;
  /** What marking the object for deletion changes besides metadata (a namespace's Terminating phase). */
  markDeleting?(obj: KubeObject): void;
}
