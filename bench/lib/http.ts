import http from 'node:http';

/**
 * A lean HTTP/1.1 JSON client for the load generator: keep-alive sockets from one agent per
 * source address, no fetch (whose per-request overhead would eat the generator's core).
 */

export interface HttpResult {
  status: number;
  text: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${text.slice(0, 300)}`);
  }
}

export interface ClientOptions {
  /** Source address for the connections (127.0.0.x spreads them over several port ranges). */
  localAddress?: string;
  /** Connections kept per server; requests beyond wait for one. */
  maxSockets?: number;
}

export class HttpClient {
  private readonly agent: http.Agent;
  private readonly localAddress: string | undefined;

  constructor(options: ClientOptions = {}) {
    this.localAddress = options.localAddress;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256, scheduling: 'fifo' });
  }

  request(method: string, url: string, body?: unknown, token?: string): Promise<HttpResult> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = {};
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    if (token) headers.authorization = `Bearer ${token}`;
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers, agent: this.agent, localAddress: this.localAddress }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A request whose 200 answer's envelope `data` is returned; anything else throws. */
  async data<T = any>(method: string, url: string, body?: unknown, token?: string): Promise<T> {
    const res = await this.request(method, url, body, token);
    if (res.status !== 200) throw new HttpError(res.status, res.text, `${method} ${new URL(url).pathname}`);
    return (JSON.parse(res.text) as { data: T }).data;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `task` over `items` with at most `concurrency` at a time; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
