/**
 * The JSON form of a @kubernetes/client-node model. Its generated classes declare timestamps
 * (`metadata.creationTimestamp`, `status.startTime`, conditions' `lastTransitionTime`, a
 * Lease's MicroTime …) as `Date`, because its serializer revives them; our objects are plain
 * JSON as the API sends them, where every one of those is an RFC 3339 string — or null, which
 * is how Go writes a zero metav1.Time (`lastProbeTime: null` in pod conditions).
 *
 * Import the models with `import type` only: they are then erased and add nothing to the bundle.
 *
 * @example
 *   import type { V1PodStatus } from "@kubernetes/client-node";
 *   type PodStatus = Wire<V1PodStatus>;   // startTime?: string | null
 */
export type Wire<T> = T extends Date
  ? string | null
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;
