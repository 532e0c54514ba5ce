// Collects the anomalies a checker finds: a count per anomaly name, the first few examples of
// each (with the op indexes involved), and the first few counterexample op indexes overall,
// so a result stays small however broken a long history is.

const EXAMPLES_MAX = 10;

export interface AnomalyExample {
  ops: number[];
  [detail: string]: unknown;
}

export class AnomalyReport {
  readonly counts: Record<string, number> = {};
  readonly examples: Record<string, AnomalyExample[]> = {};
  readonly counterexamples: number[] = [];

  /** Records one anomaly; `counterexample: false` keeps a merely reported one (e.g. a stale read
   * the test allows) out of the counterexamples, which are for what makes the verdict. */
  note(name: string, example: AnomalyExample, counterexample = true): void {
    this.counts[name] = (this.counts[name] ?? 0) + 1;
    const list = this.examples[name] ?? [];
    this.examples[name] = list;
    if (list.length < EXAMPLES_MAX) list.push(example);
    if (!counterexample) return;
    for (const index of example.ops) {
      if (this.counterexamples.length >= EXAMPLES_MAX) break;
      if (!this.counterexamples.includes(index)) this.counterexamples.push(index);
    }
  }

  /** Whether the next `note(name, …)` would keep its example (or any of its ops), so a checker
   * can skip working out the details of one that only counts. */
  keeps(name: string): boolean {
    return (
      (this.examples[name]?.length ?? 0) < EXAMPLES_MAX ||
      this.counterexamples.length < EXAMPLES_MAX
    );
  }

  /** The names of the anomalies found, in the order first seen. */
  get anomalies(): string[] {
    return Object.keys(this.counts);
  }

  has(name: string): boolean {
    return (this.counts[name] ?? 0) > 0;
  }
}
