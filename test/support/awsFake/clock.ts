/**
 * The simulated clock the AWS fakes run on: resources change state when it passes their transition time, never on
 * the wall clock. With `fakeDate`, `Date` follows it too (only `Date`: timers stay real, so the local Step
 * Functions interpreter and mocha keep working), so code under test that reads `new Date()` sees simulated time.
 */
import FakeTimers from "@sinonjs/fake-timers";

export class FakeClock {
  private ms: number;
  private installed?: FakeTimers.InstalledClock;

  /** Starts at `start` (default: the real now, so the days the code under test derives are today's). */
  constructor(start: Date = new Date()) {
    this.ms = start.getTime();
  }

  /** Makes `Date` report this clock until `uninstall()`. */
  fakeDate(): this {
    this.installed ??= FakeTimers.install({ now: this.ms, toFake: ["Date"] });
    return this;
  }

  uninstall(): void {
    this.installed?.uninstall();
    this.installed = undefined;
  }

  /** Milliseconds since the epoch, simulated. */
  nowMs(): number {
    return this.ms;
  }

  now(): Date {
    return new Date(this.ms);
  }

  /** Moves simulated time forward; never backwards. */
  advance(seconds: number): void {
    if (!(seconds >= 0)) throw new RangeError(`cannot advance the clock by ${seconds} s`);
    this.ms += Math.round(seconds * 1000);
    this.installed?.setSystemTime(this.ms);
  }
}
