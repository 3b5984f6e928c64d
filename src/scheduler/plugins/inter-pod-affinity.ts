/**
 * InterPodAffinity, the Filter half. PreFilter counts, once per pod, per topology pair
 * (`key=value` of a node label):
 *   - existing pods whose required anti-affinity matches the incoming pod (symmetry),
 *   - existing pods matching all of the incoming pod's required affinity terms,
 *   - existing pods matching each of its required anti-affinity terms;
 * Filter then only looks the node's labels up in those counts. A pod whose affinity matches
 * no pod anywhere may still go where its topology keys exist if it matches its own terms —
 * the first pod of a group with affinity to itself.
 */
import { fail, SKIP, type AffinityTerm, type CycleState, type NodeInfo, type Plugin, type PodInfo } from "../types.ts";
import { matchesAllTerms, termMatches } from "../affinity-term.ts";

export const NAME = "InterPodAffinity";
export const ERR_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

/** Counts per topology pair, keyed `key\0value`. */
type Counts = Map<string, number>;

interface State {
  existingAntiAffinity: Counts;
  affinity: Counts;
  antiAffinity: Counts;
}

const pair = (key: string, value: string) => `${key}\0${value}`;

function bump(counts: Counts, info: NodeInfo, key: string): void {
  const v = info.labels[key];
  if (v === undefined) return;
  const p = pair(key, v);
  counts.set(p, (counts.get(p) ?? 0) + 1);
}

export function preFilterState(cycle: CycleState): State {
  const pod = cycle.pod;
  const snap = cycle.snapshot;
  const state: State = { existingAntiAffinity: new Map(), affinity: new Map(), antiAffinity: new Map() };
  const ownNsLabels = snap.namespaceLabels(pod.namespace);
  for (const info of snap.nodesWithRequiredAntiAffinityPods()) {
    for (const existing of info.podsWithRequiredAntiAffinity) {
      for (const t of existing.requiredAntiAffinity) if (termMatches(t, pod, ownNsLabels)) bump(state.existingAntiAffinity, info, t.topologyKey);
    }
  }
  if (pod.requiredAffinity.length || pod.requiredAntiAffinity.length) {
    const nsLabels = new Map<string, Record<string, string> | undefined>();
    const labelsOf = (p: PodInfo) => {
      if (!nsLabels.has(p.namespace)) nsLabels.set(p.namespace, snap.namespaceLabels(p.namespace));
      return nsLabels.get(p.namespace);
    };
    for (const info of snap.nodes) {
      for (const existing of info.pods) {
        const l = labelsOf(existing);
        if (matchesAllTerms(pod.requiredAffinity, existing, l)) for (const t of pod.requiredAffinity) bump(state.affinity, info, t.topologyKey);
        for (const t of pod.requiredAntiAffinity) if (termMatches(t, existing, l)) bump(state.antiAffinity, info, t.topologyKey);
      }
    }
  }
  return state;
}

function satisfiesAffinity(terms: AffinityTerm[], pod: PodInfo, state: State, info: NodeInfo, ownNsLabels: Record<string, string> | undefined): boolean {
  let podsExist = true;
  for (const t of terms) {
    const v = info.labels[t.topologyKey];
    if (v === undefined) return false;
    if (!((state.affinity.get(pair(t.topologyKey, v)) ?? 0) > 0)) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group that has affinity to itself: nothing matches anywhere yet.
  return state.affinity.size === 0 && matchesAllTerms(terms, pod, ownNsLabels);
}

export const interPodAffinity: Plugin = {
  name: NAME,
  preFilter(cycle) {
    const pod = cycle.pod;
    const state = preFilterState(cycle);
    if (state.existingAntiAffinity.size === 0 && !pod.requiredAffinity.length && !pod.requiredAntiAffinity.length) return SKIP;
    cycle.data.set(NAME, state);
    return undefined;
  },
  filter(cycle, info) {
    const state = cycle.data.get(NAME) as State;
    const pod = cycle.pod;
    if (pod.requiredAffinity.length && !satisfiesAffinity(pod.requiredAffinity, pod, state, info, cycle.snapshot.namespaceLabels(pod.namespace))) {
      return fail(ERR_AFFINITY, true);
    }
    for (const t of pod.requiredAntiAffinity) {
      const v = info.labels[t.topologyKey];
      if (v !== undefined && (state.antiAffinity.get(pair(t.topologyKey, v)) ?? 0) > 0) return fail(ERR_ANTI_AFFINITY);
    }
    if (state.existingAntiAffinity.size) {
      for (const k in info.labels) if ((state.existingAntiAffinity.get(pair(k, info.labels[k]!)) ?? 0) > 0) return fail(ERR_EXISTING_ANTI_AFFINITY);
    }
    return undefined;
  },
};
