/**
 * Admission: the step between validation and the store where cluster-wide rules apply
 * (namespace lifecycle, IP and port allocation, quotas later). Plugins run in order; a
 * plugin throws a StatusError to reject. `release` undoes a plugin's side effects when the
 * write does not happen (conflict, dry run, later rejection) or when an object is deleted.
 */
import type { KubeObject } from "../../model/object.ts";
import type { ResourceDef } from "../resources/types.ts";
import type { UserInfo } from "../../http/identity.ts";

export type Operation = "CREATE" | "UPDATE" | "DELETE";

export interface AdmissionRequest {
  operation: Operation;
  def: ResourceDef;
  object: KubeObject;
  old?: KubeObject;
  subresource?: string;
  dryRun: boolean;
  /** Who asked; absent for the server's own writes (controllers, bootstrap), which are trusted. */
  user?: UserInfo;
}

export interface AdmissionPlugin {
  readonly name: string;
  admit(req: AdmissionRequest): Promise<void> | void;
  /** Undo side effects of admit (allocations) for an object that will not be stored / was deleted. */
  release?(req: AdmissionRequest): void;
  /**
   * The create or update admit let through is stored: let go of what the replaced object
   * (req.old) held and the stored one does not (a Service's old ClusterIP and NodePorts).
   */
  committed?(req: AdmissionRequest): void;
}
