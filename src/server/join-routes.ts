/**
 * `/cacerts` and `/v1-k3rs/join`: how an agent without credentials gets them. Both paths are
 * public (the join token in the request is the credential); the body is read with the API's
 * own limits, like any other request body.
 */
import type { Hono } from "hono";
import { decodeBody, readBody } from "../api/request.ts";
import type { JoinService } from "./join.ts";

export function registerJoinRoutes(app: Hono<any>, join: JoinService): void {
  app.get("/cacerts", (c) => c.text(join.caPem));
  app.post("/v1-k3rs/join", async (c) => {
    // JSON whatever the content type says (agents of every version send JSON), within the API's size and depth limits.
    const body = decodeBody("application/json", await readBody(c.req.raw), ["application/json"]);
    return c.json(await join.join(c.req.header("authorization"), body));
  });
}
