/**
 * Latency arithmetic for the harness: exact nearest-rank percentiles for small samples, and a
 * mergeable log-bucket histogram for the millions of delivery samples a fan-out run produces
 * (generator processes each keep one and the orchestrator merges them).
 */

/**
 * Nearest-rank percentile of an ascending array: the smallest sample such that at least p% of
 * the samples are at or below it. NaN for an empty array.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  if (p <= 0) return sorted[0]!;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** Buckets grow by 1% each: a reported percentile is within 1% of the true sample. */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Smallest resolved value (ms): 1 µs. Anything below shares the first bucket. */
const FLOOR = 0.001;
/** 1 µs × 1.01^2200 ≈ 3.2 million ms: every latency a run can produce. */
const BUCKETS = 2200;

export interface HistogramJSON {
  count: number;
  min: number;
  max: number;
  sum: number;
  /** Non-empty buckets as [index, count] pairs. */
  buckets: [number, number][];
}

export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  min = Infinity;
  max = -Infinity;
  sum = 0;

  static bucketOf(value: number): number {
    if (!(value > FLOOR)) return 0;
    return Math.min(BUCKETS - 1, Math.ceil(Math.log(value / FLOOR) / LOG_GROWTH));
  }

  /** The upper bound of a bucket: every value counted in it is at most this. */
  static upperBound(bucket: number): number {
    return FLOOR * GROWTH ** bucket;
  }

  record(value: number): void {
    // A negative latency can only be clock jitter between processes; count it as zero.
    const v = value < 0 ? 0 : value;
    this.counts[Histogram.bucketOf(v)]!++;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  merge(other: Histogram | HistogramJSON): this {
    const o = other instanceof Histogram ? other.toJSON() : other;
    for (const [i, c] of o.buckets) this.counts[i]! += c;
    this.count += o.count;
    this.sum += o.sum;
    if (o.count > 0) {
      this.min = Math.min(this.min, o.min);
      this.max = Math.max(this.max, o.max);
    }
    return this;
  }

  /** Nearest rank, as `percentile`, reported as the bucket's upper bound but never above max. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    if (p <= 0) return this.min;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.max(this.min, Math.min(this.max, Histogram.upperBound(i)));
    }
    return this.max;
  }

  summary(): LatencySummary {
    return {
      n: this.count,
      p50: this.percentile(50),
      p95: this.percentile(95),
      p99: this.percentile(99),
      max: this.count === 0 ? NaN : this.max,
      mean: this.count === 0 ? NaN : this.sum / this.count,
    };
  }

  toJSON(): HistogramJSON {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) buckets.push([i, this.counts[i]!]);
    return { count: this.count, min: this.min, max: this.max, sum: this.sum, buckets };
  }

  static from(json: HistogramJSON): Histogram {
    return new Histogram().merge(json);
  }
}

/** Least-squares slope of y over x (e.g. bytes of RSS per connection across several steps). */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/** Median, min and max of repeated figures (runs of one command). */
export function spread(values: readonly number[]): { median: number; min: number; max: number; n: number } {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, n: sorted.length };
}
