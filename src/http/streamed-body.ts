/** Bodies no API object is sent as: handed over as a stream (a JSON handler's readBody still caps them). */
const STREAMED_TYPES = new Set(["application/octet-stream", "application/x-tar", "application/gzip", "application/x-gzip"]);

/** Whether a request body of this Content-Type reaches the handler as a stream (image archives, hundreds of MiB) rather than whole. */
export function isStreamedBody(contentType: string | undefined): boolean {
  return STREAMED_TYPES.has((contentType ?? "").split(";")[0]!.trim().toLowerCase());
}
