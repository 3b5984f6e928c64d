/**
 * Which Ingresses k3rs serves. An Ingress names its class in `spec.ingressClassName` (or, the
 * pre-1.18 way, the `kubernetes.io/ingress.class` annotation); it is ours when that class's
 * `spec.controller` is ours. An Ingress naming no class is ours only while one of our classes
 * carries the default-class annotation (Kubernetes' DefaultIngressClass admission would have
 * filled the name in; k3rs reads the default at routing time instead).
 */
import type { KubeObject } from "../../model/object.ts";

export const INGRESS_CONTROLLER = "k3rs.io/ingress";
export const INGRESS_CLASS_NAME = "k3rs";
export const DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";
export const LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class";

/** What routing needs to know of the IngressClasses: a lookup by name. */
export interface ClassView {
  get(name: string): KubeObject | undefined;
  list(): Iterable<KubeObject>;
}

export function isOurClass(cls: KubeObject | undefined): boolean {
  return cls?.spec?.controller === INGRESS_CONTROLLER;
}

/** Some class of ours exists: the ingress listeners open only then (`--disable=ingress` leaves none). */
export function anyOurClass(classes: ClassView): boolean {
  for (const c of classes.list()) if (isOurClass(c)) return true;
  return false;
}

export function defaultsToUs(classes: ClassView): boolean {
  for (const c of classes.list()) if (isOurClass(c) && c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true") return true;
  return false;
}

export function classNameOf(ing: KubeObject): string | undefined {
  const n = ing.spec?.ingressClassName ?? ing.metadata.annotations?.[LEGACY_CLASS_ANNOTATION];
  return typeof n === "string" && n !== "" ? n : undefined;
}

export function isOurIngress(ing: KubeObject, classes: ClassView): boolean {
  const name = classNameOf(ing);
  return name === undefined ? defaultsToUs(classes) : isOurClass(classes.get(name));
}
