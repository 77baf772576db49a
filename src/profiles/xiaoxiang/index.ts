import { successDataMeta } from '../kit/envelopes.ts';
import { defineProfile } from '../kit/profile.ts';
import { errors } from './errors.ts';
import { authRoutes } from './routes/auth.ts';
import { chatRoutes } from './routes/chats.ts';
import { fileRoutes, filesPath } from './routes/files.ts';
import { healthRoutes } from './routes/health.ts';
import { messageRoutes } from './routes/messages.ts';
import { organizationRoutes } from './routes/organization.ts';
import { syncRoutes } from './routes/sync.ts';
import { userRoutes } from './routes/users.ts';
import { socket } from './ws/socket.ts';

/** 小象聊天 (document 003): enterprise and offline-first; REST under /v1, socket at /ws?token=&deviceId=. */
export const xiaoxiang = defineProfile({
  name: 'xiaoxiang',
  title: '小象聊天 API',
  document: '003_fac96198ec214626.txt',
  description:
    'The 小象聊天 API: {success, data, meta} envelopes; errors {success: false, error: {code, message, details, requestId, timestamp}}. Ids are strings, times ISO 8601 in UTC. Accounts are provisioned through the primary API or `parley user add`; sessions are per device.',
  basePath: '/v1',
  filesPath,
  envelope: successDataMeta,
  errors,
  // 安全要求 2: access tokens of this document live one hour (less if ACCESS_TOKEN_TTL says so).
  accessTokenTtl: 3600,
  // Device-bound sessions: a login on a device ends that device's earlier session.
  oneSessionPerDevice: true,
  routes: [...authRoutes, ...userRoutes, ...messageRoutes, ...chatRoutes, ...organizationRoutes, ...fileRoutes, ...syncRoutes, ...healthRoutes],
  socket,
});
