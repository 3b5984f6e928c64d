/**
 * The ClusterRole aggregation controller: a ClusterRole with an aggregationRule holds the
 * rules of the roles its selectors match (admin ⊇ edit ⊇ view, and any role labelled
 * `rbac.authorization.k8s.io/aggregate-to-view: "true"` joins view). Any ClusterRole change
 * re-checks every aggregated role. Keyed by role name.
 */
import type { Controller } from "../framework/controller.ts";
import type { ControllerContext } from "../framework/context.ts";
import type { SharedInformer } from "../framework/informer-factory.ts";
import type { RoleObject } from "../../api/auth/rbac/types.ts";
import { isStatusError } from "../../model/errors.ts";
import { aggregatedRules } from "./plan.ts";

export class ClusterRoleAggregationController implements Controller {
  readonly name = "clusterrole-aggregation";
  private ctx!: ControllerContext;
  private roles!: SharedInformer<RoleObject>;

  async setup(ctx: ControllerContext, queue: { add(key: string): void }): Promise<void> {
    this.ctx = ctx;
    this.roles = ctx.informer<RoleObject>("rbac.authorization.k8s.io", "clusterroles");
    const enqueueAggregated = () => {
      for (const r of this.roles.list()) if (r.aggregationRule?.clusterRoleSelectors?.length) queue.add(r.metadata.name!);
    };
    this.roles.addHandler({ onChange: enqueueAggregated, onDelete: enqueueAggregated });
    await this.roles.start(ctx.signal);
  }

  async reconcile(name: string): Promise<void> {
    const role = this.roles.get(name);
    if (!role) return;
    const rules = aggregatedRules(role, this.roles.list());
    if (rules === undefined || Bun.deepEquals(rules, role.rules ?? [])) return;
    try {
      await this.ctx.storage.update(this.roles.def, undefined, name, (cur) => ({ ...cur, rules: aggregatedRules(cur as RoleObject, this.roles.list()) ?? [] }));
    } catch (e) {
      if (!isStatusError(e, "NotFound")) throw e;
    }
  }
}
