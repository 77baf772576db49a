import { Type } from 'typebox';
import { keyLimits } from '../../../services/keys.ts';
import { route } from '../../kit/route.ts';
import { userId } from '../ids.ts';
import { OwnKeysData, PublicKeyData } from '../schemas.ts';

/** 加密接口: /api/v1/encryption/*. The server keeps keys; it never makes or reads them. */

const KeysBody = Type.Object({
  public_key: Type.String({ minLength: 1, maxLength: keyLimits.publicKey }),
  private_key_encrypted: Type.Optional(Type.String({ maxLength: keyLimits.privateKeyEncrypted })),
});

export const encryptionRoutes = [
  route.get(
    '/api/v1/encryption/public-key/{user_id}',
    { summary: "A user's public key", params: { user_id: userId }, data: PublicKeyData, message: '获取公钥成功' },
    async (c) => ({ user_id: c.params.user_id, public_key: await c.services.keys.publicKey(c.params.user_id) }),
  ),

  route.post('/api/v1/encryption/keys', { summary: 'Post my key pair (replaces the one before)', body: KeysBody, message: '密钥对已更新' }, async (c) => {
    await c.services.keys.put(c.me, { publicKey: c.body.public_key, privateKeyEncrypted: c.body.private_key_encrypted ?? '' });
  }),

  route.get(
    '/api/v1/encryption/keys',
    { summary: 'My own key pair, encrypted private key included, for a new device (extension)', data: OwnKeysData, message: '获取密钥对成功' },
    async (c) => {
      const keys = await c.services.keys.own(c.me);
      return { user_id: c.me, public_key: keys.publicKey, private_key_encrypted: keys.privateKeyEncrypted };
    },
  ),
];
