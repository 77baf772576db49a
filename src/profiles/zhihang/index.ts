import { codeMessageData } from '../kit/envelopes.ts';
import { defineProfile } from '../kit/profile.ts';
import { errors } from './errors.ts';
import { adminRoutes } from './routes/admin.ts';
import { authRoutes } from './routes/auth.ts';
import { callRoutes } from './routes/calls.ts';
import { chatRoutes } from './routes/chats.ts';
import { contactRoutes } from './routes/contacts.ts';
import { filesPath, fileRoutes } from './routes/files.ts';
import { imSuiteRoutes } from './routes/im-suite.ts';
import { messageRoutes } from './routes/messages.ts';
import { userRoutes } from './routes/users.ts';
import { socket } from './ws/socket.ts';

/** 志航密信: Parley's primary API (REST under /api, socket at /ws). */
export const zhihang = defineProfile({
  name: 'zhihang',
  title: '志航密信 (primary API)',
  document: '000_dd2d73b757a0b72f.txt',
  description: 'The primary API of Parley. Responses use the {code, message, data, timestamp, success} envelope; errors carry the business codes 10001–50001.',
  basePath: '/api',
  filesPath,
  envelope: codeMessageData,
  errors,
  routes: [...authRoutes, ...userRoutes, ...contactRoutes, ...callRoutes, ...chatRoutes, ...messageRoutes, ...fileRoutes, ...imSuiteRoutes, ...adminRoutes],
  socket,
});
