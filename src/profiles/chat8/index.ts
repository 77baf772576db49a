import { successData } from '../kit/envelopes.ts';
import { defineProfile } from '../kit/profile.ts';
import { errors } from './errors.ts';
import { authRoutes } from './routes/auth.ts';
import { encryptionRoutes } from './routes/encryption.ts';
import { filesPath, fileRoutes } from './routes/files.ts';
import { friendRoutes } from './routes/friends.ts';
import { messageRoutes } from './routes/messages.ts';
import { userRoutes } from './routes/users.ts';
import { socket } from './ws/socket.ts';

/** Chat8: a 1:1 messenger with friends and an end-to-end-encryption key directory (REST under /api/v1, socket at /ws/{user_id}). */
export const chat8 = defineProfile({
  name: 'chat8',
  title: 'Chat8',
  document: '001_973b0cac28684826.txt',
  description:
    'Chat8 API. Responses use {success, data, message, timestamp}; errors {success: false, error: {code, message, details}, timestamp} with the codes AUTH_001 … ENCRYPT_002.',
  basePath: '/api/v1',
  filesPath,
  envelope: successData,
  errors,
  routes: [...authRoutes, ...userRoutes, ...friendRoutes, ...messageRoutes, ...fileRoutes, ...encryptionRoutes],
  socket,
});
