/**
 * Keepalive watchdog (TS 103 221-1 clause 6.6.2; DESIGN.md): when keepalives are agreed, an NE that sees none
 * for TIME_P3 deactivates every task and reports each as a terminating fault. Depends only on a clock.
 */
import type { Clock, TimerHandle } from '../lib/clock.js';

export class KeepaliveWatchdog {
  private timer: TimerHandle | undefined;
  private lastSeen: number;

  /**
   * @param lastSeen when the last keepalive arrived (restored from the store after a restart), or now.
   * @param onExpiry called once per silence of TIME_P3; the watchdog re-arms on the next keepalive.
   */
  constructor(
    private readonly clock: Clock,
    private readonly timeP3Ms: number,
    private readonly onExpiry: () => void,
    lastSeen?: number,
  ) {
    this.lastSeen = lastSeen ?? clock.now();
  }

  start(): void {
    this.arm(Math.max(0, this.lastSeen + this.timeP3Ms - this.clock.now()));
  }

  /** A keepalive arrived. */
  seen(): number {
    this.lastSeen = this.clock.now();
    this.arm(this.timeP3Ms);
    return this.lastSeen;
  }

  get lastKeepalive(): number {
    return this.lastSeen;
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimer(ms, () => {
      this.timer = undefined;
      this.onExpiry();
    });
  }
}
