/**
 * OpenAPI definitions of metrics.k8s.io/v1beta1 (k8s.io/metrics pkg/apis/metrics/v1beta1
 * types.go), which @kubernetes/client-node ships no models for; scripts/gen-openapi.ts adds
 * them beside the generated ones so that `kubectl explain nodes.metrics.k8s.io` and the
 * documents' paths have a schema, as metrics-server publishes one.
 */
import type { Schema } from "./defs-types.ts";
import { META_PREFIX, QUANTITY, TIME } from "./model-names.ts";

const PKG = "io.k8s.metrics.pkg.apis.metrics.v1beta1";
const GROUP = "metrics.k8s.io";
const VERSION = "v1beta1";

const API_VERSION: Schema = {
  type: "string",
  description: "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
};
const KIND: Schema = {
  type: "string",
  description: "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
};
const OBJECT_META: Schema = {
  description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  $ref: `${META_PREFIX}.ObjectMeta`,
};
const LIST_META: Schema = {
  description: "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
  $ref: `${META_PREFIX}.ListMeta`,
};
const TIMESTAMP: Schema = {
  description: "The following fields define time interval from which metrics were collected from the interval [Timestamp-Window, Timestamp].",
  $ref: TIME,
};
const WINDOW: Schema = { type: "string" };
const USAGE: Schema = { type: "object", description: "The memory usage is the memory working set.", additionalProperties: { $ref: QUANTITY } };

const gvk = (kind: string) => [{ group: GROUP, kind, version: VERSION }];

/** Definition name → schema. */
export const METRICS_DEFINITIONS: Record<string, Schema> = {
  [`${PKG}.ContainerMetrics`]: {
    type: "object",
    description: "ContainerMetrics sets resource usage metrics of a container.",
    required: ["name", "usage"],
    properties: {
      name: { type: "string", description: "Container name corresponding to the one from pod.spec.containers." },
      usage: USAGE,
    },
  },
  [`${PKG}.NodeMetrics`]: {
    type: "object",
    description: "NodeMetrics sets resource usage metrics of a node.",
    required: ["timestamp", "window", "usage"],
    properties: { apiVersion: API_VERSION, kind: KIND, metadata: OBJECT_META, timestamp: TIMESTAMP, window: WINDOW, usage: USAGE },
    "x-kubernetes-group-version-kind": gvk("NodeMetrics"),
  },
  [`${PKG}.NodeMetricsList`]: {
    type: "object",
    description: "NodeMetricsList is a list of NodeMetrics.",
    required: ["items"],
    properties: {
      apiVersion: API_VERSION, kind: KIND, metadata: LIST_META,
      items: { type: "array", description: "List of node metrics.", items: { $ref: `${PKG}.NodeMetrics` } },
    },
    "x-kubernetes-group-version-kind": gvk("NodeMetricsList"),
  },
  [`${PKG}.PodMetrics`]: {
    type: "object",
    description: "PodMetrics sets resource usage metrics of a pod.",
    required: ["timestamp", "window", "containers"],
    properties: {
      apiVersion: API_VERSION, kind: KIND, metadata: OBJECT_META, timestamp: TIMESTAMP, window: WINDOW,
      containers: { type: "array", description: "Metrics for all containers are collected within the same time window.", items: { $ref: `${PKG}.ContainerMetrics` } },
    },
    "x-kubernetes-group-version-kind": gvk("PodMetrics"),
  },
  [`${PKG}.PodMetricsList`]: {
    type: "object",
    description: "PodMetricsList is a list of PodMetrics.",
    required: ["items"],
    properties: {
      apiVersion: API_VERSION, kind: KIND, metadata: LIST_META,
      items: { type: "array", description: "List of pod metrics.", items: { $ref: `${PKG}.PodMetrics` } },
    },
    "x-kubernetes-group-version-kind": gvk("PodMetricsList"),
  },
};

/** "group/version/Kind" → definition name, for the kinds above. */
export const METRICS_KINDS: Record<string, string> = Object.fromEntries(
  ["NodeMetrics", "NodeMetricsList", "PodMetrics", "PodMetricsList"].map((k) => [`${GROUP}/${VERSION}/${k}`, `${PKG}.${k}`]),
);
