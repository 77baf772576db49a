/** How one dependency of the node is doing; `not_configured` where the deployment has none (Redis). */
export type DependencyHealth = 'healthy' | 'unhealthy' | 'not_configured';

export interface HealthReport {
  /** unhealthy: the database does not answer; degraded: something else is away but the node serves. */
  status: 'healthy' | 'degraded' | 'unhealthy';
  database: 'healthy' | 'unhealthy';
  redis: DependencyHealth;
  websocket: DependencyHealth;
}

export interface HealthChecks {
  database(): Promise<boolean>;
  /** undefined without Redis. */
  redis(): Promise<boolean | undefined>;
}

/**
 * What this node can serve, for every health endpoint: its database, its Redis (when configured)
 * and its WebSocket gateway, which attaches itself once the server builds it (a CLI command has none).
 */
export class HealthService {
  private gateway: (() => boolean) | undefined;

  constructor(private readonly checks: HealthChecks) {}

  /** The gateway says whether it accepts connections (false while it shuts down). */
  attachGateway(accepting: () => boolean): void {
    this.gateway = accepting;
  }

  async check(): Promise<HealthReport> {
    const [db, redis] = await Promise.all([this.checks.database(), this.checks.redis()]);
    const database = db ? 'healthy' : 'unhealthy';
    const redisHealth: DependencyHealth = redis === undefined ? 'not_configured' : redis ? 'healthy' : 'unhealthy';
    const websocket: DependencyHealth = this.gateway === undefined ? 'not_configured' : this.gateway() ? 'healthy' : 'unhealthy';
    const status = !db ? 'unhealthy' : redisHealth === 'unhealthy' || websocket === 'unhealthy' ? 'degraded' : 'healthy';
    return { status, database, redis: redisHealth, websocket };
  }
}
