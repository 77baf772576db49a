/** Counts failures and keeps the first few, so a report can show what went wrong without a flood. */
export class ErrorLog {
  count = 0;
  readonly samples: string[] = [];

  note(text: string): void {
    this.count++;
    if (this.samples.length < 5) this.samples.push(text.slice(0, 300));
  }
}
