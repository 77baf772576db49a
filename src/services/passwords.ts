import argon2 from 'argon2';

export interface PasswordCost {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
}

/** argon2id hashing; hashes made with older parameters are upgraded at the next login. */
export class PasswordHasher {
  constructor(private readonly cost: PasswordCost) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, {
      type: argon2.argon2id,
      memoryCost: this.cost.memoryKib,
      timeCost: this.cost.timeCost,
      parallelism: this.cost.parallelism,
    });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, {
        memoryCost: this.cost.memoryKib,
        timeCost: this.cost.timeCost,
        parallelism: this.cost.parallelism,
      });
    } catch {
      return true;
    }
  }
}
