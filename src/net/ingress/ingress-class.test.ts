import { expect, test } from "bun:test";
import type { KubeObject } from "../../model/object.ts";
import { type ClassView, INGRESS_CONTROLLER, anyOurClass, isOurIngress } from "./ingress-class.ts";
import { ingress, ingressClass } from "./test-objects.ts";

function view(...classes: KubeObject[]): ClassView {
  const m = new Map(classes.map((c) => [c.metadata.name!, c]));
  return { get: (n) => m.get(n), list: () => m.values() };
}

const ours = ingressClass("k3rs", INGRESS_CONTROLLER, true);
const oursNotDefault = ingressClass("k3rs", INGRESS_CONTROLLER, false);
const nginx = ingressClass("nginx", "k8s.io/ingress-nginx");

test.each([
  ["class k3rs", ingress("a", { className: "k3rs" }), view(ours, nginx), true],
  ["class nginx", ingress("a", { className: "nginx" }), view(ours, nginx), false],
  ["a class that does not exist", ingress("a", { className: "gone" }), view(ours), false],
  ["no class, k3rs is the default", ingress("a"), view(ours, nginx), true],
  ["no class, k3rs is not the default", ingress("a"), view(oursNotDefault, nginx), false],
  ["no class, no classes at all (--disable=ingress)", ingress("a"), view(), false],
])("%s", (_, ing, classes, want) => {
  expect(isOurIngress(ing, classes)).toBe(want);
});

test("the legacy kubernetes.io/ingress.class annotation names the class too", () => {
  const ing = ingress("a");
  ing.metadata.annotations = { "kubernetes.io/ingress.class": "nginx" };
  expect(isOurIngress(ing, view(ours, nginx))).toBe(false);
  ing.metadata.annotations = { "kubernetes.io/ingress.class": "k3rs" };
  expect(isOurIngress(ing, view(oursNotDefault))).toBe(true);
});

test("listeners open only while a class of ours exists", () => {
  expect(anyOurClass(view())).toBe(false);
  expect(anyOurClass(view(nginx))).toBe(false);
  expect(anyOurClass(view(nginx, oursNotDefault))).toBe(true);
});
