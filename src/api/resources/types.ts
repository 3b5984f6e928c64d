/**
 * What the API knows about one served resource. Adding a resource is one entry of this shape
 * (see registry.ts); discovery, OpenAPI, routing, tables and validation all read it.
 */
import type { KubeObject } from "../../model/object.ts";
import type { StatusCause } from "../../model/errors.ts";

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
}
