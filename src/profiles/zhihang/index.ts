import type { Profile } from '../../http/profile.ts';
import { ErrorEnvelope } from './envelope.ts';
import { renderError } from './errors.ts';
import { filesRoute } from './links.ts';
import { authRoutes } from './routes/auth.ts';
import { callRoutes } from './routes/calls.ts';
import { chatRoutes } from './routes/chats.ts';
import { contactRoutes } from './routes/contacts.ts';
import { fileRoutes } from './routes/files.ts';
import { messageRoutes } from './routes/messages.ts';
import { userRoutes } from './routes/users.ts';
import { zhihangSocket } from './ws/index.ts';

/** 志航密信: Parley's primary API (REST under /api). */
export const zhihang: Profile = {
  name: 'zhihang',
  document: '000_dd2d73b757a0b72f.txt',
  defaultMount: '',
  basePath: '/api',
  renderError,
  socket: zhihangSocket,
  async routes(scope, core) {
    scope.addHook('onRoute', (route) => {
      const schema = (route.schema ??= {}) as { response?: Record<string, unknown> };
      schema.response = { '4xx': ErrorEnvelope, '5xx': ErrorEnvelope, ...schema.response };
    });
    await scope.register(async (s) => authRoutes(s, core), { prefix: '/api/auth' });
    await scope.register(async (s) => userRoutes(s, core), { prefix: '/api/users' });
    await scope.register(async (s) => contactRoutes(s, core), { prefix: '/api/contacts' });
    await scope.register(async (s) => callRoutes(s, core), { prefix: '/api/calls' });
    await scope.register(async (s) => chatRoutes(s, core), { prefix: '/api/chats' });
    // Messages link to files, so they need to know where the files routes are mounted.
    await scope.register(async (s) => messageRoutes(s, core, `${scope.prefix}${filesRoute}`), { prefix: '/api' });
    await scope.register(async (s) => fileRoutes(s, core), { prefix: filesRoute });
  },
};
