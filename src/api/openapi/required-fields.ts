/**
 * Required fields the shape check enforces, by definition name. The OpenAPI `required` lists
 * come from Go struct tags and say more than Kubernetes enforces for built-in kinds (it decodes
 * into structs, where a missing field is its zero value, and leaves the rest to per-kind
 * validation: `NodeSystemInfo.kubeProxyVersion` is "required" and kubelets leave it empty).
 * So only the fields Kubernetes' validation refuses as `Required value` when absent or zero
 * (pkg/apis/core/validation) and that our per-kind validation does not already check are
 * listed; each is also in the definition's `required` list (required-fields.test.ts).
 */
const CORE = "io.k8s.api.core.v1";

export const ENFORCED_REQUIRED: Record<string, readonly string[]> = {
  [`${CORE}.ContainerPort`]: ["containerPort"],
  [`${CORE}.KeyToPath`]: ["key", "path"],
  [`${CORE}.ConfigMapKeySelector`]: ["key"],
  [`${CORE}.SecretKeySelector`]: ["key"],
  [`${CORE}.ObjectFieldSelector`]: ["fieldPath"],
  [`${CORE}.HostPathVolumeSource`]: ["path"],
  [`${CORE}.PersistentVolumeClaimVolumeSource`]: ["claimName"],
  [`${CORE}.NFSVolumeSource`]: ["path", "server"],
  [`${CORE}.Taint`]: ["effect"],
};
