import { bare } from '../kit/envelopes.ts';
import { defineProfile } from '../kit/profile.ts';
import { errors } from './errors.ts';
import { authRoutes } from './routes/auth.ts';
import { callRoutes } from './routes/calls.ts';
import { contactRoutes } from './routes/contacts.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { groupRoutes } from './routes/groups.ts';
import { filesPath, mediaRoutes } from './routes/media.ts';
import { userRoutes } from './routes/users.ts';
import { socket } from './ws/socket.ts';

/** The Flutter client's API (document 002): REST under /v1, bare bodies, socket at /ws?token=. */
export const flutter = defineProfile({
  name: 'flutter',
  title: 'IM Flutter client API',
  document: '002_46efd1638f87fbc3.txt',
  description:
    'The Flutter client API. Bodies are bare JSON; errors are {code, message, details} with code = the HTTP status and details a string or null. Ids are opaque strings; times ISO 8601 in UTC.',
  basePath: '/v1',
  filesPath,
  envelope: bare,
  errors,
  routes: [...authRoutes, ...userRoutes, ...contactRoutes, ...conversationRoutes, ...groupRoutes, ...mediaRoutes, ...callRoutes],
  socket,
});
