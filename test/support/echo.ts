import { Type } from 'typebox';
import { AppError } from '../../src/domain/errors.ts';
import { successData } from '../../src/profiles/kit/envelopes.ts';
import { snakeFields } from '../../src/profiles/kit/errors.ts';
import { integerId } from '../../src/profiles/kit/ids.ts';
import { defineProfile, type Profile, type ProfileSpec } from '../../src/profiles/kit/profile.ts';
import { route, type RouteDef } from '../../src/profiles/kit/route.ts';
import { command, defineSocket } from '../../src/profiles/kit/socket.ts';

/**
 * `echo`: a small profile for kit tests, built only from the kit as a real profile is. REST under
 * /api/v1 in the success-data envelope (string error codes), one integer id whose malformed form
 * is the item's not-found, one authenticated route, and a socket at /ws/{user_id} that refuses a
 * path user id other than the caller's. Its frames declare their schemas like any profile's.
 */

const itemId = integerId({ notFound: 'NOT_FOUND' }, 'an item id');
const at = Type.Integer({ minimum: 0 });
const closedObject = (props: Parameters<typeof Type.Object>[0]) => Type.Object(props, { additionalProperties: false });

export const echoSocket = defineSocket({
  path: '/ws/{user_id}',
  authorizeUpgrade: ({ userId, params }) => {
    if (params.user_id !== String(userId)) throw new AppError('FORBIDDEN', 'this socket belongs to another user');
  },
  encoders: () => ({
    events: {
      'message.created': ({ data: { message: m } }) => ({ type: 'echo.message', data: { id: m.id, chat: m.conversationId, from: m.senderId, text: m.content } }),
      'user.updated': ({ data: { user } }) => ({ type: 'echo.user', data: { id: user.id, name: user.nickname } }),
    },
    signals: {
      typing: ({ data: d }) => ({ type: 'echo.typing', data: { chat: d.conversationId, user: d.userId, typing: d.isTyping } }),
    },
  }),
  commands: { ping: command(Type.Object({}), () => ({ type: 'ping', echo: undefined })) },
  frames: {
    hello: closedObject({ user: Type.Integer(), seq: at }),
    pong: closedObject({ at }),
    error: successData.errorSchema,
    refetch: closedObject({ since: at, seq: at }),
    ack: closedObject({ client_id: Type.String(), id: Type.Integer() }),
    'echo.message': closedObject({ id: Type.Integer(), chat: Type.Integer(), from: Type.Union([Type.Integer(), Type.Null()]), text: Type.String() }),
    'echo.user': closedObject({ id: Type.Integer(), name: Type.String() }),
    'echo.typing': closedObject({ chat: Type.Integer(), user: Type.Integer(), typing: Type.Boolean() }),
  },
  connect: (info) => ({ type: 'hello', data: { user: info.userId, seq: info.latestSeq } }),
  pong: (_echo, now) => ({ type: 'pong', data: { at: now } }),
  error: (body) => ({ type: 'error', data: body }),
  refetch: (n) => ({ type: 'refetch', data: { since: n.since, seq: n.seq } }),
  ack: (result, ref) => ({ type: 'ack', data: { client_id: ref.clientId ?? '', id: result.kind === 'sent' ? result.view.message.id : result.scheduled.id } }),
});

export const echoRoutes: readonly RouteDef[] = [
  route.get('/api/v1/ping', { summary: 'Echo: ping', auth: false, data: Type.Object({ pong: Type.Boolean() }) }, async () => ({ pong: true })),
  route.get(
    '/api/v1/items/{item_id}',
    { summary: 'Echo: an item by id', auth: false, params: { item_id: itemId }, data: Type.Object({ id: Type.Integer() }) },
    async (c) => ({ id: c.params.item_id }),
  ),
  route.get('/api/v1/me', { summary: 'Echo: who is calling', data: Type.Object({ user_id: Type.Integer() }) }, async (c) => ({ user_id: c.me })),
];

const echoSpec: ProfileSpec = {
  name: 'echo',
  title: 'Echo (test profile)',
  document: 'none: a test profile',
  description: 'A profile the kit tests mount next to zhihang.',
  basePath: '/api/v1',
  filesPath: '/api/v1/files',
  envelope: successData,
  errors: {
    codes: { NOT_FOUND: { code: 'ECHO_NOT_FOUND', message: 'no such thing' } },
    byStatus: (status) => ({ code: `ECHO_${status}`, message: 'echo request failed' }),
    fieldName: snakeFields(),
  },
  routes: echoRoutes,
  socket: echoSocket,
};

export const echo: Profile = defineProfile(echoSpec);

/** A profile like echo (no socket) with other routes: for collisions and registry tests. */
export function echoVariant(name: string, routes: readonly RouteDef[]): Profile {
  return defineProfile({ ...echoSpec, name, title: `${name} (test profile)`, routes, socket: undefined });
}

/** `GET /api/users/me`, which zhihang declares too. */
export const usersMe = route.get('/api/users/me', { summary: 'clashes with zhihang', data: Type.Object({ user_id: Type.Integer() }) }, async (c) => ({ user_id: c.me }));
