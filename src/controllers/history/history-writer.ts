/**
 * The writes of a controller's history: create a revision (stepping the collision count when
 * its name is taken by different data), renumber one for a rollback, delete pruned ones.
 */
import type { KubeObject } from "../../model/object.ts";
import type { ControllerRevision } from "../../model/kinds.ts";
import { isStatusError } from "../../model/errors.ts";
import type { ControllerContext } from "../framework/context.ts";
import { controllerOf } from "../framework/pod-util.ts";
import { sameData } from "./revision.ts";

/** Enough for any real collision streak; the count is persisted, so a retry goes on from there. */
const MAX_COLLISIONS = 8;

export class HistoryWriter {
  constructor(private readonly ctx: ControllerContext) {}

  private get def() {
    return this.ctx.def("apps", "controllerrevisions");
  }

  /**
   * Creates `build(collisionCount)`; when that name already holds another owner's or other
   * data, counts a collision and tries the next name (CreateControllerRevision). An existing
   * revision with the same data and owner is reused.
   */
  async create(owner: KubeObject, build: (collisionCount: number) => ControllerRevision, collisionCount: number): Promise<{ revision: ControllerRevision; collisionCount: number }> {
    let count = collisionCount;
    for (let i = 0; i < MAX_COLLISIONS; i++) {
      const candidate = build(count);
      try {
        return { revision: await this.ctx.storage.create(this.def, owner.metadata.namespace, candidate), collisionCount: count };
      } catch (e) {
        if (!isStatusError(e, "AlreadyExists")) throw new Error(`creating ControllerRevision ${candidate.metadata.name}`, { cause: e });
        const existing = await this.ctx.storage.tryGet(this.def, owner.metadata.namespace, candidate.metadata.name!);
        if (existing && controllerOf(existing)?.uid === owner.metadata.uid && sameData(existing, candidate.data)) return { revision: existing, collisionCount: count };
        count++;
      }
    }
    throw new Error(`ControllerRevision names for ${owner.metadata.name} collided ${MAX_COLLISIONS} times`);
  }

  /** Gives an existing revision a new number (a rollback to it makes it the newest). */
  async renumber(rev: KubeObject, revision: number): Promise<KubeObject> {
    const { object } = await this.ctx.storage.update(this.def, rev.metadata.namespace, rev.metadata.name!, (cur) => {
      cur.revision = revision;
      return cur;
    });
    return object;
  }

  async delete(revs: KubeObject[]): Promise<void> {
    for (const r of revs) {
      try {
        await this.ctx.storage.delete(this.def, r.metadata.namespace, r.metadata.name!, { preconditions: { uid: r.metadata.uid } });
      } catch (e) {
        if (!isStatusError(e, "NotFound") && !isStatusError(e, "Conflict")) throw e;
      }
    }
  }
}
