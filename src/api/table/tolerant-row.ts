/**
 * One row of a Table for an object that may carry bad shapes from before write validation
 * (see ../openapi/stored-shape.ts): the printers read well-typed objects, and one object they
 * cannot read must cost its own row's cells, never the whole list (`kubectl get pods` for the
 * entire cluster). The good path pays nothing: the printer runs on the object as it is, and
 * only when it throws is the row printed again from a copy without the wrong-typed values,
 * then, as a last resort, as its name and age with `<unknown>` elsewhere.
 */
import type { KubeObject } from "../../model/object.ts";
import type { Printer } from "./types.ts";
import { shapeProblems, trustedObjectMeta, withoutBadShapes } from "../openapi/stored-shape.ts";
import { since } from "./human-duration.ts";
import { log } from "../../log.ts";

function metadataOf(obj: unknown): Record<string, unknown> {
  const meta = (obj as { metadata?: unknown } | null)?.metadata;
  return meta !== null && typeof meta === "object" && !Array.isArray(meta) ? (meta as Record<string, unknown>) : {};
}

/** The row kubectl would print if it could read only the name and age. */
function lastResortCells(obj: KubeObject, printer: Printer, now: Date): unknown[] {
  const meta = metadataOf(obj);
  return printer.columns.map((c) => {
    if (c.format === "name") return typeof meta.name === "string" ? meta.name : "";
    if (c.name === "Age") return since(typeof meta.creationTimestamp === "string" ? meta.creationTimestamp : undefined, now);
    return "<unknown>";
  });
}

export function tolerantCells(obj: KubeObject, printer: Printer, now: Date): unknown[] {
  try {
    return printer.cells(obj, now);
  } catch (first) {
    const meta = metadataOf(obj);
    log.warn("table: a stored object has fields of the wrong type", {
      object: `${meta.namespace ?? ""}/${meta.name ?? ""}`,
      problems: shapeProblems(obj, { limit: 5 }).map((p) => `${p.path}: ${p.got}, not ${p.expected}`).join("; ") || String(first),
    });
    try {
      return printer.cells(withoutBadShapes(obj), now);
    } catch {
      return lastResortCells(obj, printer, now);
    }
  }
}

/**
 * The metadata a row carries for includeObject=Metadata, with wrong-typed fields left out:
 * kubectl decodes it into a typed ObjectMeta, and one `labels: "x"` would fail the whole list
 * on the client instead.
 */
export function tolerantMetadata(obj: KubeObject): KubeObject["metadata"] {
  return trustedObjectMeta((obj as { metadata?: unknown } | null)?.metadata) as KubeObject["metadata"];
}
