/**
 * A node cannot be set up as configured — another interface already holds its pod network, a
 * named file or interface does not exist — and retrying will not change that: the agent stops
 * and says so (with the fix) instead of registering a node whose pods could not be reached.
 */
export class NodeSetupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NodeSetupError";
  }
}
