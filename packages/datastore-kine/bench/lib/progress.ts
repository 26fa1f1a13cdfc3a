/**
 * Progress on stderr, so that stdout carries only the result tables (and can
 * be redirected to a file) while a person watching sees the bench is alive.
 * On a terminal one line is redrawn in place; in a log (CI, `| tee`) a line
 * is printed every few seconds instead of thousands of updates.
 */
export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private label = '';
  private total = 0;
  private done = 0;
  private startedAt = 0;
  private lastDrawnAt = 0;
  private drawn = false;

  /** Prints a finished line of its own (phase results, notes). */
  log(message: string): void {
    this.clearLine();
    process.stderr.write(`${message}\n`);
    if (this.label !== '') this.draw(true);
  }

  /** Starts a phase with a known amount of work (0: unknown, shows elapsed time only). */
  start(label: string, total: number): void {
    this.clearLine();
    this.label = label;
    this.total = total;
    this.done = 0;
    this.startedAt = performance.now();
    this.lastDrawnAt = 0;
    this.draw(true);
  }

  tick(count = 1): void {
    this.done += count;
    const now = performance.now();
    // A redraw costs a write syscall: limit it so that it does not weigh on what is measured.
    if (now - this.lastDrawnAt >= (this.tty ? 200 : 5000)) this.draw(false);
  }

  /** Ends the phase, leaving one summary line. */
  finish(summary: string): void {
    this.clearLine();
    const seconds = (performance.now() - this.startedAt) / 1000;
    process.stderr.write(`  ${this.label}: ${summary} (${seconds.toFixed(1)} s)\n`);
    this.label = '';
  }

  private draw(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastDrawnAt < 50) return;
    this.lastDrawnAt = now;
    const seconds = (now - this.startedAt) / 1000;
    const amount = this.total > 0 ? `${this.done}/${this.total}` : `${this.done}`;
    const rate = seconds > 0.2 ? `, ${Math.round(this.done / seconds)}/s` : '';
    const line = `  ${this.label}: ${amount}${rate}, ${seconds.toFixed(1)} s`;
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else if (!force || this.done > 0) {
      process.stderr.write(`${line}\n`);
    }
  }

  private clearLine(): void {
    if (this.tty && this.drawn) process.stderr.write('\r\x1b[2K');
    this.drawn = false;
  }
}
