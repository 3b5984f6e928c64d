/**
 * Roles and bindings as the authorizer reads them: informers over the server's own storage,
 * kept in memory (a request is authorized without a store read). A write reaches them before
 * its promise resolves (api/storage/list-watch.ts), so a binding just created holds for the
 * very next request.
 */
import { Informer } from "../../../client/informer.ts";
import { StorageListWatch } from "../../storage/list-watch.ts";
import type { ObjectStorage } from "../../storage/object-storage.ts";
import type { ResourceRegistry } from "../../resources/registry.ts";
import { RBAC_GROUP, type BindingObject, type PolicySource, type RoleObject } from "./types.ts";

export class PolicyCache implements PolicySource {
  private readonly roles: Informer<RoleObject>;
  private readonly clusterRoles: Informer<RoleObject>;
  private readonly bindings: Informer<BindingObject>;
  private readonly clusterBindings: Informer<BindingObject>;

  constructor(storage: ObjectStorage, registry: ResourceRegistry) {
    const informer = <T extends RoleObject | BindingObject>(plural: string) =>
      new Informer<T>(new StorageListWatch(storage, registry.find(RBAC_GROUP, "v1", plural)!));
    this.roles = informer("roles");
    this.clusterRoles = informer("clusterroles");
    this.bindings = informer("rolebindings");
    this.clusterBindings = informer("clusterrolebindings");
  }

  /** Resolves once every cache holds its first list. */
  async start(signal: AbortSignal): Promise<void> {
    await Promise.all([this.roles, this.clusterRoles, this.bindings, this.clusterBindings].map((i) => i.start(signal)));
  }

  clusterRoleBindings(): BindingObject[] {
    return this.clusterBindings.list();
  }

  roleBindings(namespace: string): BindingObject[] {
    return this.bindings.list(namespace);
  }

  clusterRole(name: string): RoleObject | undefined {
    return this.clusterRoles.get(name);
  }

  role(namespace: string, name: string): RoleObject | undefined {
    return this.roles.get(`${namespace}/${name}`);
  }
}
