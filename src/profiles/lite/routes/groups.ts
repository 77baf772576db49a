import { Type } from 'typebox';
import { field } from '../../kit/fields.ts';
import { route } from '../../kit/route.ts';
import { groupId, userId } from '../ids.ts';
import * as present from '../presenters.ts';
import { GroupData, MembersData } from '../schemas.ts';

/** 4. 群组相关接口: /api/v1/group, and adding members (the decision 15). */

const CreateBody = Type.Object({ name: field.chatName, description: Type.Optional(field.chatDescription), avatar: Type.Optional(field.avatar) });
const MembersBody = Type.Object({ user_ids: Type.Array(Type.String(), { minItems: 1, maxItems: 500 }) });

export const groupRoutes = [
  route.post('/api/v1/group', { summary: 'Create a group; the caller is its creator and first member', body: CreateBody, data: GroupData, message: 'success' }, async (c) => {
    const b = c.body;
    return present.group(await c.services.conversations.create(c.me, { type: 'group', name: b.name, description: b.description ?? '', avatar: b.avatar ?? '', members: [] }));
  }),

  route.post(
    '/api/v1/group/{group_id}/members',
    {
      summary: 'Add users to a group (its creator only)',
      description: 'Users already in the group are no error; an unknown user adds nobody. Answers every member, the creator included.',
      params: { group_id: groupId },
      body: MembersBody,
      data: MembersData,
      message: 'success',
    },
    async (c) => {
      const ids = c.body.user_ids.map((raw) => userId.decode(raw, 'user_ids'));
      return present.members(await c.services.conversations.addMembers(c.me, c.params.group_id, ids, { by: 'creator' }));
    },
  ),
];
