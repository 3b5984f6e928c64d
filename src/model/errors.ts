/**
 * Errors as values that render as a Kubernetes `Status`. Everything below the HTTP boundary
 * throws a StatusError (or something translated into one); the API layer renders it once.
 * Reasons and codes follow apimachinery's `metav1.StatusReason` table.
 */

export type StatusReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "MethodNotAllowed"
  | "AlreadyExists"
  | "Conflict"
  | "Gone"
  | "Expired"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "NotAcceptable"
  | "Invalid"
  | "Timeout"
  | "TooManyRequests"
  | "InternalError"
  | "ServiceUnavailable";

export interface StatusCause {
  reason?: string; // e.g. FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueDuplicate
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StatusError";
  }

  toStatus(): Record<string, unknown> {
    const status: Record<string, unknown> = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

export function isStatusError(e: unknown, reason?: StatusReason): e is StatusError {
  return e instanceof StatusError && (reason === undefined || e.reason === reason);
}

/** `resource` is the plural resource name qualified by group (`deployments.apps`), as Kubernetes prints it. */
function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const errors = {
  badRequest: (message: string, causes?: StatusCause[]) =>
    new StatusError(400, "BadRequest", message, causes ? { causes } : undefined),
  unauthorized: (message = "Unauthorized") => new StatusError(401, "Unauthorized", message),
  forbidden: (message: string) => new StatusError(403, "Forbidden", message),
  notFound: (group: string, resource: string, name: string) =>
    new StatusError(404, "NotFound", `${qualified(resource, group)} "${name}" not found`, {
      name,
      group: group || undefined,
      kind: resource,
    }),
  alreadyExists: (group: string, resource: string, name: string) =>
    new StatusError(409, "AlreadyExists", `${qualified(resource, group)} "${name}" already exists`, {
      name,
      group: group || undefined,
      kind: resource,
    }),
  conflict: (group: string, resource: string, name: string, why: string) =>
    new StatusError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${why}`,
      { name, group: group || undefined, kind: resource },
    ),
  gone: (message: string) => new StatusError(410, "Expired", message),
  methodNotAllowed: (message: string) => new StatusError(405, "MethodNotAllowed", message),
  tooLarge: (message: string) => new StatusError(413, "RequestEntityTooLarge", message),
  unsupportedMediaType: (contentType: string) =>
    new StatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/apply-patch+yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${JSON.stringify(contentType)})`),
  notAcceptable: (message: string) => new StatusError(406, "NotAcceptable", message),
  /** 422 with field causes; `kind` is the Kind (`Deployment`), as apimachinery's NewInvalid formats it. */
  invalid: (group: string, kind: string, name: string, causes: StatusCause[]) =>
    new StatusError(
      422,
      "Invalid",
      `${kind}${group ? "." + group : ""} "${name}" is invalid: ${causes
        .map((c) => (c.field ? `${c.field}: ${c.message}` : c.message))
        .join(", ")}`,
      { name, group: group || undefined, kind, causes },
    ),
  internal: (message: string, cause?: unknown) =>
    new StatusError(500, "InternalError", `Internal error occurred: ${message}`, undefined, { cause }),
  unavailable: (message: string) => new StatusError(503, "ServiceUnavailable", message),
};
