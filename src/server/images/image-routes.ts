/**
 * `/v1-k3rs/images`: the cluster image store over HTTP, beside the Kubernetes API (like
 * `/v1-k3rs/join`), behind the same authentication.
 *
 *   POST   /v1-k3rs/images           admin   body = archive (streamed)  → 201 ClusterImage (200 if already stored)
 *   GET    /v1-k3rs/images           admin, nodes                        → { items: ClusterImage[] }
 *   GET    /v1-k3rs/images/<digest>  admin, nodes                        → the archive bytes
 *   DELETE /v1-k3rs/images/<digest>  admin                               → the removed ClusterImage
 *
 * "admin" is group system:masters (the admin kubeconfig's client cert), "nodes" group
 * system:nodes (an agent's node cert). Errors are Kubernetes Status bodies.
 */
import type { Hono } from "hono";
import { errors } from "../../model/errors.ts";
import type { UserInfo } from "../../http/identity.ts";
import { IMAGES_PATH } from "../../model/cluster-image.ts";
import { json } from "../../api/handlers/respond.ts";
import { imageNotFound, type ImageStore } from "./image-store.ts";

const isAdmin = (u: UserInfo) => u.groups.includes("system:masters");
const isNode = (u: UserInfo) => u.groups.includes("system:nodes") && u.user.startsWith("system:node:");

function allow(u: UserInfo | undefined, verb: string, who: "admin" | "admin-or-node"): void {
  if (u && (isAdmin(u) || (who === "admin-or-node" && isNode(u)))) return;
  const may = who === "admin" ? "only cluster admins (group system:masters) may" : "only cluster admins and nodes may";
  throw errors.forbidden(`images is forbidden: User "${u?.user ?? "system:anonymous"}" cannot ${verb} cluster images: ${may}`);
}

export function registerImageRoutes(app: Hono<any>, store: ImageStore): void {
  app.post(IMAGES_PATH, async (c) => {
    allow(c.get("user"), "create", "admin");
    const len = c.req.header("content-length");
    const declared = len !== undefined && /^\d+$/.test(len) ? Number(len) : undefined;
    const { image, existed } = await store.add(c.req.raw.body, declared);
    return json(image, existed ? 200 : 201);
  });

  app.get(IMAGES_PATH, (c) => {
    allow(c.get("user"), "list", "admin-or-node");
    return json({ items: store.list() });
  });

  app.get(`${IMAGES_PATH}/:digest`, (c) => {
    allow(c.get("user"), "get", "admin-or-node");
    const digest = c.req.param("digest");
    const found = store.get(digest);
    if (!found) throw imageNotFound(digest);
    return new Response(Bun.file(found.path), {
      headers: {
        "content-type": "application/x-tar",
        "content-length": String(found.image.sizeBytes),
        "k3rs-image-digest": found.image.digest,
      },
    });
  });

  app.delete(`${IMAGES_PATH}/:digest`, async (c) => {
    allow(c.get("user"), "delete", "admin");
    return json(await store.remove(c.req.param("digest")));
  });
}
