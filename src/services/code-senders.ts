import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';

export interface CodeMessage {
  channel: 'sms' | 'email';
  target: string;
  code: string;
  expiresIn: number;
}

/** Delivers verification codes. Operators plug in their SMS gateway through the webhook sender. */
export interface CodeSender {
  send(message: CodeMessage): Promise<void>;
}

/** Writes the code to the server log: for development and small installs where an admin relays it. */
export class LogCodeSender implements CodeSender {
  constructor(private readonly logger: Logger) {}

  async send(m: CodeMessage): Promise<void> {
    this.logger.info({ channel: m.channel, target: m.target, code: m.code, expiresIn: m.expiresIn }, `verification code for ${m.target}: ${m.code}`);
  }
}

/**
 * POSTs {channel, target, code, expires_in} as JSON to a URL. With a secret, the body is signed:
 * X-Parley-Signature: sha256=<hex HMAC-SHA256 of the raw body>.
 */
export class WebhookCodeSender implements CodeSender {
  constructor(
    private readonly url: string,
    private readonly secret: string | undefined,
    private readonly timeoutMs = 5000,
  ) {}

  async send(m: CodeMessage): Promise<void> {
    const body = JSON.stringify({ channel: m.channel, target: m.target, code: m.code, expires_in: m.expiresIn });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'parley' };
    if (this.secret) headers['x-parley-signature'] = `sha256=${createHmac('sha256', this.secret).update(body).digest('hex')}`;
    const res = await fetch(this.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    if (!res.ok) throw new Error(`code webhook answered ${res.status}`);
    await res.body?.cancel();
  }
}
