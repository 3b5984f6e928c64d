/** Limits of the HTTP layer, shared by the API server and the agent's own server. */

/** The apiserver's request body limit (3 MiB, like etcd's request limit plus overhead). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
