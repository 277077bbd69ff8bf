/** Metric families rendered in the Prometheus text exposition format. */

type Labels = Record<string, string>;

type Family =
  | { name: string; help: string; type: 'counter' | 'gauge'; samples: [Labels, number][] }
  | { name: string; help: string; type: 'histogram'; histogram: HistogramValues };

/** Cumulative bucket counts, as kept by ops/histogram.ts. */
export interface HistogramValues {
  buckets: readonly number[];
  counts: number[];
  count: number;
  sum: number;
}

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels): string {
  const pairs = Object.entries(labels);
  return pairs.length === 0 ? '' : `{${pairs.map(([key, value]) => `${key}="${escape(value)}"`).join(',')}}`;
}

/** Collects metric families and renders them in the Prometheus text format (`text/plain; version=0.0.4`). */
export class MetricsText {
  private readonly families: Family[] = [];

  add(name: string, type: 'counter' | 'gauge', help: string, samples: [Labels, number][]): this {
    this.families.push({ name: `zpa_relay_${name}`, help, type, samples });
    return this;
  }

  /** A single unlabelled value. */
  value(name: string, type: 'counter' | 'gauge', help: string, value: number): this {
    return this.add(name, type, help, [[{}, value]]);
  }

  histogram(name: string, help: string, histogram: HistogramValues): this {
    this.families.push({ name: `zpa_relay_${name}`, help, type: 'histogram', histogram });
    return this;
  }

  render(): string {
    const lines: string[] = [];
    for (const family of this.families) {
      lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
      if (family.type === 'histogram') {
        const { buckets, counts, count, sum } = family.histogram;
        buckets.forEach((bound, i) => lines.push(`${family.name}_bucket{le="${bound}"} ${counts[i]}`));
        lines.push(`${family.name}_bucket{le="+Inf"} ${count}`, `${family.name}_sum ${sum}`, `${family.name}_count ${count}`);
      } else {
        for (const [labels, value] of family.samples) lines.push(`${family.name}${labelText(labels)} ${value}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}
