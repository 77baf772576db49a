/** ISO 8601 in UTC to the second ("2024-12-19T10:30:00Z"), the form the documents show. */
export function isoSeconds(ms: number): string {
  const second = Math.floor(ms / 1000);
  // The frames of one burst of messages mostly show the same second: it is formatted once.
  if (second !== lastSecond) {
    lastSecond = second;
    lastText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
  }
  return lastText;
}

let lastSecond = Number.NaN;
let lastText = '';

export function isoSecondsOrNull(ms: number | null | undefined): string | null {
  return ms == null ? null : isoSeconds(ms);
}

/** ISO 8601 in UTC with milliseconds ("2024-12-19T10:30:00.123Z"), for documents where a change within a second must show. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}
