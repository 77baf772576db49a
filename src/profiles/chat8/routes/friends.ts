import { Type } from 'typebox';
import { field } from '../../kit/fields.ts';
import { IdValue } from '../../kit/ids.ts';
import { route } from '../../kit/route.ts';
import { requestId, userId } from '../ids.ts';
import * as present from '../presenters.ts';
import { FoundUser, Friend, ReceivedRequest } from '../schemas.ts';

/** 好友管理: /api/v1/friends*. Friends are mutual contacts, the same relationship as the primary API's. */

const searchPage = { limit: 50, offset: 0 };
const RequestBody = Type.Object({ user_id: IdValue, message: Type.Optional(Type.String({ maxLength: 500 })) });
const HandleBody = Type.Object({ action: Type.Union([Type.Literal('accept'), Type.Literal('reject')]) });

export const friendRoutes = [
  route.get('/api/v1/friends', { summary: 'My friends', data: Type.Array(Friend), message: '获取好友列表成功' }, async (c) =>
    (await c.services.friends.list(c.me)).map(present.friend),
  ),

  route.get(
    '/api/v1/friends/search',
    { summary: 'Find users by username (prefix) or email (exact)', query: Type.Object({ q: field.searchQuery }), data: Type.Array(FoundUser), message: '搜索成功' },
    async (c) => (await c.services.users.search(c.me, c.query.q, searchPage, { byEmail: true })).items.map(present.found),
  ),

  route.post('/api/v1/friends/request', { summary: 'Send a friend request', body: RequestBody, message: '好友请求已发送' }, async (c) => {
    await c.services.friends.request(c.me, c.body.user_id, c.body.message ?? '');
  }),

  route.get(
    '/api/v1/friends/requests',
    { summary: 'Pending friend requests I received (extension)', data: Type.Array(ReceivedRequest), message: '获取好友请求成功' },
    async (c) => (await c.services.friends.received(c.me)).map(present.received),
  ),

  route.put(
    '/api/v1/friends/request/{request_id}',
    { summary: 'Accept or reject a friend request sent to me', params: { request_id: requestId }, body: HandleBody, message: '好友请求已处理' },
    async (c) => {
      await c.services.friends.handle(c.me, c.params.request_id, c.body.action === 'accept');
    },
  ),

  route.delete('/api/v1/friends/{friend_id}', { summary: 'End a friendship (on both sides)', params: { friend_id: userId }, message: '好友已删除' }, async (c) => {
    await c.services.friends.remove(c.me, c.params.friend_id);
  }),
];
