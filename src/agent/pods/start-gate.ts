/**
 * How many pod starts a node's runtime works on at once. Thirty sandboxes asked of containerd
 * together all finish late — each waits its share of the CPU behind the others (runc, the
 * shims, four CNI plugin runs per sandbox) — whereas a few at a time finish one after another,
 * so most pods run sooner and the last no later. Containers of pods whose sandbox is made go
 * before new sandboxes: a started pod is worth more than a half-made one.
 *
 * The kubelet has no such bound; a hung call (a CNI plugin that never returns) holds one slot
 * until the CRI call's deadline, so the bound leaves room for the others.
 *
 * @example
 *   const gate = new StartGate(4);
 *   const sandbox = await gate.run("sandbox", () => runtime.runPodSandbox(config, cidr));
 *   await gate.run("container", async () => runtime.startContainer(await runtime.createContainer(…)));
 */
export type StartWork = "sandbox" | "container";

/**
 * A real node's bound: five per core, at least ten. Measured on a 2-core VM (bench/pods.ts,
 * 30 sandboxes + containers straight through the CRI): ten at a time brought p50 to 0.64–0.78×
 * of all thirty at once with p99 unchanged; four at a time halved the throughput instead (a
 * sandbox waits on more than the CPU: forks, mounts, the netns).
 */
export function startConcurrencyFor(cores: number): number {
  return Math.max(10, 5 * (Number.isFinite(cores) ? Math.floor(cores) : 0));
}

export class StartGate {
  private active = 0;
  private readonly waiting: Record<StartWork, (() => void)[]> = { container: [], sandbox: [] };

  /** `limit`: the most at once; Infinity lets everything through at once. */
  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new Error(`a start gate needs a limit of at least 1, not ${limit}`);
  }

  /** Work now running, and work waiting for a slot. */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.container.length + this.waiting.sandbox.length };
  }

  async run<T>(work: StartWork, fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting[work].push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** The slot passes straight to the next waiter (containers first), so none is taken twice. */
  private release(): void {
    const next = this.waiting.container.shift() ?? this.waiting.sandbox.shift();
    if (next) next();
    else this.active--;
  }
}
