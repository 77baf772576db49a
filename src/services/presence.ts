/**
 * Who is connected right now. The realtime gateway reports connections opening and closing; the
 * user service reads it to fill `online`. Kept behind an interface so a cluster can keep it in
 * Redis with expiring keys.
 */
export interface Presence {
  isOnline(userId: number): boolean;
}

/** Counts open connections per user in this process. */
export class LocalPresence implements Presence {
  private readonly connections = new Map<number, number>();

  isOnline(userId: number): boolean {
    return (this.connections.get(userId) ?? 0) > 0;
  }

  /** Returns true when this was the user's first connection (they just came online). */
  connected(userId: number): boolean {
    const n = (this.connections.get(userId) ?? 0) + 1;
    this.connections.set(userId, n);
    return n === 1;
  }

  /** Returns true when this was the user's last connection (they just went offline). */
  disconnected(userId: number): boolean {
    const n = (this.connections.get(userId) ?? 0) - 1;
    if (n <= 0) {
      this.connections.delete(userId);
      return true;
    }
    this.connections.set(userId, n);
    return false;
  }
}
