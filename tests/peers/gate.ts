/**
 * A pause for a peer's stream: `hold` closes it, `release` opens it, and a
 * stream awaits `passed()` before each tick (the market pauses; orders still work).
 */
export class StreamGate {
  private closed: { promise: Promise<void>; open: () => void } | null = null;

  /** Closes the gate (no-op when closed). */
  hold(): void {
    if (this.closed !== null) return;
    let open!: () => void;
    const promise = new Promise<void>((r) => (open = r));
    this.closed = { promise, open };
  }

  /** Opens the gate; streams waiting at it go on. */
  release(): void {
    this.closed?.open();
    this.closed = null;
  }

  /** Resolves once the gate is open (at once when it is). */
  async passed(): Promise<void> {
    if (this.closed !== null) await this.closed.promise;
  }
}
