/** `k3rs ctl version`: this build and the server's. */
import { version, KUBERNETES_MINOR } from "../../version.ts";
import type { CtlContext } from "./context.ts";

export async function runVersion(ctx: CtlContext): Promise<number> {
  ctx.out(`Client Version: v1.${KUBERNETES_MINOR}.0+k3rs-${version}\n`);
  const v = await ctx.client.request("/version");
  ctx.out(`Server Version: ${v.gitVersion}\n`);
  return 0;
}
