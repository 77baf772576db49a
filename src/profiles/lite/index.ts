import { codeMessage } from '../kit/envelopes.ts';
import { defineProfile } from '../kit/profile.ts';
import { errors } from './errors.ts';
import { authRoutes } from './routes/auth.ts';
import { chatRoutes } from './routes/chat.ts';
import { groupRoutes } from './routes/groups.ts';
import { userRoutes } from './routes/users.ts';
import { socket } from './ws/socket.ts';

/** The minimal chat API (document 004): email login, a profile, private and group messages with read_by, groups; REST under /api/v1, socket at /api/v1/ws. */
export const lite = defineProfile({
  name: 'lite',
  title: 'Minimal chat API',
  document: '004_aab5aad16c7a9c73.txt',
  description:
    'The minimal chat API. Responses are {code: 200, message: "success", data}; errors {code, message, error} with code = the HTTP status. Ids are strings; times ISO 8601 in UTC.',
  basePath: '/api/v1',
  // The document has no file endpoints; messages carry file URLs in their content.
  filesPath: '/api/v1/files',
  envelope: codeMessage,
  errors,
  routes: [...authRoutes, ...userRoutes, ...chatRoutes, ...groupRoutes],
  socket,
});
