/**
 * Where a node keeps its local-path volumes: `<data dir>/storage`, as K3s keeps them under
 * `/var/lib/rancher/k3s/storage`. The agent announces it on its Node
 * (`k3rs.io/local-storage-path`) so the provisioner puts volumes there.
 */
import { join } from "node:path";

export function localStorageRoot(dataDir: string): string {
  return join(dataDir, "storage");
}
