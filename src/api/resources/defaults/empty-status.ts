/**
 * Kinds whose Go status struct has only omitempty fields answer a create with `status: {}`
 * (an empty struct is still encoded), and clients' models expect it there (the Python client's
 * `deployment.status` is None otherwise). A stored object without status reads the same way.
 */
import type { KubeObject } from "../../../model/object.ts";

export function withEmptyStatus(defaults: (obj: KubeObject) => void): (obj: KubeObject) => void {
  return (obj) => {
    defaults(obj);
    if (obj.status === undefined || obj.status === null) obj.status = {};
  };
}
