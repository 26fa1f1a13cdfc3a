/**
 * A small Prometheus registry for `/metrics`: counters and histograms with
 * labels, rendered in the text exposition format. The names follow
 * kube-apiserver's (apiserver_request_total, apiserver_request_duration_seconds,
 * apiserver_current_inflight_requests…) so that dashboards built for a real
 * cluster read lk too.
 */
type Labels = Readonly<Record<string, string>>;

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${name}="${String(labels[name]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  abstract render(): string[];
}

export class Counter extends Metric {
  private readonly values = new Map<string, number>();

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of this.values) lines.push(`${this.name}${key === '' ? '' : `{${key}}`} ${value}`);
    return lines;
  }
}

export class Gauge extends Metric {
  private readonly values = new Map<string, number>();

  set(labels: Labels, value: number): void {
    this.values.set(labelKey(labels), value);
  }

  add(labels: Labels, by: number): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [key, value] of this.values) lines.push(`${this.name}${key === '' ? '' : `{${key}}`} ${value}`);
    return lines;
  }
}

export class Histogram extends Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();

  constructor(
    name: string,
    help: string,
    private readonly buckets: readonly number[],
  ) {
    super(name, help);
  }

  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let entry = this.series.get(key);
    if (entry === undefined) this.series.set(key, (entry = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) entry.counts[i]!++;
    entry.sum += value;
    entry.count++;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, entry] of this.series) {
      const prefix = key === '' ? '' : `${key},`;
      this.buckets.forEach((bucket, i) => lines.push(`${this.name}_bucket{${prefix}le="${bucket}"} ${entry.counts[i]}`));
      lines.push(`${this.name}_bucket{${prefix}le="+Inf"} ${entry.count}`);
      lines.push(`${this.name}_sum${key === '' ? '' : `{${key}}`} ${entry.sum}`);
      lines.push(`${this.name}_count${key === '' ? '' : `{${key}}`} ${entry.count}`);
    }
    return lines;
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  private add<T extends Metric>(metric: T): T {
    this.metrics.push(metric);
    return metric;
  }

  render(): string {
    const memory = process.memoryUsage();
    const lines = this.metrics.flatMap((metric) => metric.render());
    lines.push('# HELP process_resident_memory_bytes Resident memory size in bytes.', '# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${memory.rss}`);
    lines.push('# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.', '# TYPE process_start_time_seconds gauge', `process_start_time_seconds ${Math.floor(Date.now() / 1000 - process.uptime())}`);
    return `${lines.join('\n')}\n`;
  }
}

/** The API server's own metrics. */
export function apiServerMetrics(registry: MetricsRegistry) {
  return {
    requests: registry.counter('apiserver_request_total', 'Counter of apiserver requests broken out for each verb, group, version, resource and HTTP response code.'),
    duration: registry.histogram(
      'apiserver_request_duration_seconds',
      'Response latency distribution in seconds for each verb, group, version and resource.',
      [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 10, 30, 60],
    ),
    inflight: registry.gauge('apiserver_current_inflight_requests', 'Maximal number of currently used inflight request limit of this apiserver per request kind.'),
    watchers: registry.gauge('apiserver_registered_watchers', 'Number of currently registered watchers for a given resource.'),
  };
}
