import { randomInt } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import type { CodeSender } from './code-senders.ts';
import type { TokenService } from './tokens.ts';

export interface VerificationOptions {
  ttl: number;
  maxAttempts: number;
  resendInterval: number;
}

const PURPOSE = 'auth';

/**
 * One-time 6-digit codes proving control of a phone number (or email address). A code lives
 * `ttl` seconds, dies after `maxAttempts` wrong tries, and a new one cannot be requested for the
 * same target within `resendInterval` seconds. Codes are stored as keyed hashes.
 */
export class VerificationService {
  constructor(
    private readonly store: Store,
    private readonly tokens: TokenService,
    private readonly sender: CodeSender,
    private readonly clock: Clock,
    private readonly opts: VerificationOptions,
  ) {}

  async request(target: string, channel: 'sms' | 'email'): Promise<{ expiresIn: number; resendAfter: number }> {
    const now = this.clock.now();
    const last = await this.store.codes.lastIssuedAt(target, PURPOSE);
    if (last !== undefined && now - last < this.opts.resendInterval * 1000) {
      const wait = Math.ceil((last + this.opts.resendInterval * 1000 - now) / 1000);
      throw new AppError('RATE_LIMITED', `a code was sent recently; request another in ${wait}s`, { retryAfter: wait });
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await this.store.transaction((tx) =>
      tx.codes.issue({ target, purpose: PURPOSE, codeHash: this.hash(target, code), at: now, expiresAt: now + this.opts.ttl * 1000 }),
    );
    try {
      await this.sender.send({ channel, target, code, expiresIn: this.opts.ttl });
    } catch (err) {
      // The user never got this code: forget it so the resend cooldown does not lock them out.
      await this.store.codes.purgeIssued(target, PURPOSE, now);
      throw new AppError('UNAVAILABLE', 'the verification code could not be delivered; try again later', { cause: err });
    }
    return { expiresIn: this.opts.ttl, resendAfter: this.opts.resendInterval };
  }

  /** Consumes the live code for `target` if `code` matches; every wrong try is counted. */
  async verify(target: string, code: string): Promise<void> {
    const now = this.clock.now();
    const live = await this.store.codes.live(target, PURPOSE, now);
    if (!live) throw new AppError('WRONG_CODE', 'no valid verification code for this number; request a new one');
    if (!this.tokens.keyedHashMatches(`${target}:${code}`, live.codeHash)) {
      await this.store.codes.recordFailure(live.id, this.opts.maxAttempts, now);
      const left = Math.max(0, this.opts.maxAttempts - live.attempts - 1);
      throw new AppError('WRONG_CODE', left > 0 ? `wrong verification code (${left} tries left)` : 'wrong verification code; request a new one');
    }
    if (!(await this.store.codes.consume(live.id, now))) {
      throw new AppError('WRONG_CODE', 'this verification code was already used');
    }
  }

  private hash(target: string, code: string): string {
    return this.tokens.keyedHash(`${target}:${code}`);
  }
}
