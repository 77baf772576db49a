import assert from 'node:assert/strict';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

type Family = ReturnType<typeof parsePrometheusTextFormat>[number];
type Sample = Family['metrics'][number];

/**
 * A scrape, parsed by a Prometheus text-format parser (not by Parley's own code). The parser keeps
 * a histogram's samples apart only when `le` is its sole label (it merges the series of labelled
 * ones into one), so the text is parsed twice: as it is (every line must parse, families and their
 * types), and with histograms declared untyped, which makes each `_bucket`, `_sum` and `_count`
 * series a family of its own with its labels.
 */
export class Scrape {
  private readonly families: Map<string, Family>;
  private readonly series: Map<string, Family>;

  constructor(readonly text: string) {
    this.families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
    // Each labelled series of a histogram writes its buckets, sum and count in turn: the untyped
    // parse makes a family of every run of lines, to be joined by name.
    const flat = text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped');
    this.series = new Map();
    for (const f of parsePrometheusTextFormat(flat)) {
      const known = this.series.get(f.name);
      if (known) known.metrics.push(...f.metrics);
      else this.series.set(f.name, f);
    }
  }

  static async of(url: string): Promise<Scrape> {
    const res = await fetch(url);
    assert.equal(res.status, 200, `${url}: ${res.status}`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return new Scrape(await res.text());
  }

  /** The metric families: a histogram's name without its suffixes. */
  get names(): string[] {
    return [...this.families.keys()];
  }

  type(name: string): Family['type'] | undefined {
    return this.families.get(name)?.type;
  }

  /** The sample of a series (`x`, or a histogram's `x_count`, `x_sum`, `x_bucket`) whose labels include these; at most one may. */
  sample(name: string, labels: Record<string, string> = {}): Sample | undefined {
    const family = this.series.get(name);
    if (!family) {
      // A labelled histogram shows no series before its first observation; an unknown name is a mistake.
      assert.ok(this.families.has(name.replace(/_(bucket|sum|count)$/, '')), `no metric ${name} in the scrape`);
      return undefined;
    }
    const found = family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} matches ${found.length} series`);
    return found[0];
  }

  /** The label names the series of a metric carry (a histogram's: those of its `_count` series). */
  labelNames(name: string): Set<string> {
    const series = this.series.get(this.type(name) === 'HISTOGRAM' ? `${name}_count` : name)?.metrics ?? [];
    return new Set(series.flatMap((m) => Object.keys(m.labels ?? {})));
  }

  /** A counter's or gauge's value (0 for a series not yet there). */
  value(name: string, labels: Record<string, string> = {}): number {
    const s = this.sample(name, labels);
    return s ? Number(s.value) : 0;
  }

  /** A histogram's observation count (0 for a series not yet there). */
  count(name: string, labels: Record<string, string> = {}): number {
    assert.equal(this.type(name), 'HISTOGRAM', name);
    return this.value(`${name}_count`, labels);
  }
}

/** Scrapes until `check` holds (the server handles a close a moment after the client saw it). */
export async function scrapeUntil(url: string, check: (s: Scrape) => boolean, timeoutMs = 3000): Promise<Scrape> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await Scrape.of(url);
    if (check(s) || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
}
