// Small SVG charts: a person reads a day's shape at a glance, and a chart library would outweigh
// the whole console.

export interface Point {
  at: Date;
  value: number;
}

// Drawn at about the size shown, so that the axis text reads at the page's size.
const W = 360;
const H = 150;
const PAD = { top: 10, right: 6, bottom: 20, left: 28 };

/** A round maximum for the axis: 1, 2, 5, 10, 20, 50... at or above the data's. */
function niceMax(max: number): number {
  if (max <= 1) return 1;
  const step = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * step).find((v) => v >= max)!;
}

// Hours are counted from UTC boundaries, which are not whole local hours everywhere (+5:30): the
// label shows the local minutes too.
const timeLabel = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;

/** Grid lines at 0, half and the top, and the span's first and last times under the plot. */
function Axes({ top, start, end }: { top: number; start: string; end: string }) {
  const y = (v: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - v / top);
  return (
    <g className="axis" aria-hidden="true">
      {[0, top / 2, top].map((v) => (
        <g key={v}>
          <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
          <text x={PAD.left - 4} y={y(v) + 4} textAnchor="end">
            {Number.isInteger(v) ? v : v.toFixed(1)}
          </text>
        </g>
      ))}
      <text className="caption" x={PAD.left} y={H - 4}>
        {start}
      </text>
      <text className="caption" x={W - PAD.right} y={H - 4} textAnchor="end">
        {end}
      </text>
    </g>
  );
}

/** A bar per hour; the summary names the total and the busiest hour for screen readers. */
export function HourlyBars({ points, title, empty }: { points: Point[]; title: string; empty: string }) {
  const total = points.reduce((s, p) => s + p.value, 0);
  const busiest = points.reduce<Point | undefined>((b, p) => (!b || p.value > b.value ? p : b), undefined);
  const top = niceMax(Math.max(0, ...points.map((p) => p.value)));
  const inner = W - PAD.left - PAD.right;
  const slot = inner / Math.max(1, points.length);
  const summary = busiest && total > 0 ? `${title}: ${total}; peak ${busiest.value} at ${timeLabel(busiest.at)}` : `${title}: ${empty}`;
  return (
    <figure className="chart">
      <figcaption>
        {title} <span className="total">Σ {total}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary}>
        <Axes top={top} start={points[0] ? timeLabel(points[0].at) : ''} end={points.at(-1) ? timeLabel(points.at(-1)!.at) : ''} />
        {points.map((p, i) => {
          const h = ((H - PAD.top - PAD.bottom) * p.value) / top;
          return (
            <rect key={p.at.getTime()} className="bar" x={PAD.left + i * slot + 1} y={H - PAD.bottom - h} width={Math.max(1, slot - 2)} height={h}>
              <title>{`${timeLabel(p.at)}: ${p.value}`}</title>
            </rect>
          );
        })}
      </svg>
    </figure>
  );
}

/** A stepped line of readings over time; gaps in the readings are drawn as straight spans. */
export function ReadingsLine({ points, title, empty, from, to }: { points: Point[]; title: string; empty: string; from: Date; to: Date }) {
  const top = niceMax(Math.max(0, ...points.map((p) => p.value)));
  const span = Math.max(1, to.getTime() - from.getTime());
  const x = (d: Date) => PAD.left + ((W - PAD.left - PAD.right) * (d.getTime() - from.getTime())) / span;
  const y = (v: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - v / top);
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'H'}${x(p.at).toFixed(1)}${i === 0 ? ` ${y(p.value).toFixed(1)}` : ` V${y(p.value).toFixed(1)}`}`).join(' ');
  const last = points.at(-1);
  const summary = last ? `${title}: ${last.value} now, at most ${Math.max(...points.map((p) => p.value))}` : `${title}: ${empty}`;
  return (
    <figure className="chart">
      <figcaption>
        {title} {last && <span className="total">{last.value}</span>}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary}>
        <Axes top={top} start={timeLabel(from)} end={timeLabel(to)} />
        {points.length > 0 ? (
          <path className="line" d={`${path} H${x(to).toFixed(1)}`} />
        ) : (
          <text className="caption" x={W / 2} y={H / 2} textAnchor="middle">
            {empty}
          </text>
        )}
      </svg>
    </figure>
  );
}
