import { AppError } from '../domain/errors.ts';
import { Checker } from '../domain/validation.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';

/** Longest key text accepted (PEM or JWK of large RSA keys fit comfortably). */
export const keyLimits = { publicKey: 16_384, privateKeyEncrypted: 65_536 };

/** A user's own key pair: the public key and the private key encrypted by their client. */
export interface OwnKeys {
  publicKey: string;
  privateKeyEncrypted: string;
}

/**
 * The public-key directory for end-to-end encryption. The server never makes or reads keys: each
 * user posts a public key and an encrypted backup of their private key; anyone signed in may read
 * a public key; only its owner ever reads the encrypted private key (to set up a new device).
 */
export class KeyService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async put(userId: number, keys: OwnKeys): Promise<void> {
    new Checker()
      .length('publicKey', keys.publicKey, 1, keyLimits.publicKey)
      .length('privateKeyEncrypted', keys.privateKeyEncrypted, 0, keyLimits.privateKeyEncrypted)
      .done();
    await this.store.keys.put(userId, keys.publicKey, keys.privateKeyEncrypted, this.clock.now());
  }

  /** Another user's (or one's own) public key: USER_NOT_FOUND without such a user, KEY_NOT_FOUND before they post one. */
  async publicKey(userId: number): Promise<string> {
    const [user, keys] = await Promise.all([this.store.users.byId(userId), this.store.keys.get(userId)]);
    if (!user) throw new AppError('USER_NOT_FOUND', `no such user: ${userId}`);
    if (!keys) throw new AppError('KEY_NOT_FOUND', 'this user has not posted a public key');
    return keys.publicKey;
  }

  /** The caller's own key pair, encrypted private key included. */
  async own(userId: number): Promise<OwnKeys> {
    const keys = await this.store.keys.get(userId);
    if (!keys) throw new AppError('KEY_NOT_FOUND', 'you have not posted keys yet');
    return { publicKey: keys.publicKey, privateKeyEncrypted: keys.privateKeyEncrypted };
  }
}
