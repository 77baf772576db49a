import { Type } from 'typebox';
import { field } from '../../kit/fields.ts';
import { offsetTotalPaging } from '../../kit/paging.ts';
import { route } from '../../kit/route.ts';
import { groupId, idText, userId } from '../ids.ts';
import * as present from '../presenters.ts';
import { Group, GroupMember, Invited, UpdatedGroup } from '../schemas.ts';
import { avatarOf } from './users.ts';

/** 6. 群组API: /v1/groups/{group_id}; a group's id is its conversation's. */

const membersPaging = offsetTotalPaging(100, 500);
const MembersData = Type.Object({ ...membersPaging.result, members: Type.Array(GroupMember) });
const UpdateBody = Type.Object({
  name: Type.Optional(field.chatName),
  announcement: Type.Optional(field.announcement),
  avatar: Type.Optional(Type.String({ description: 'base64:<standard base64 of an image>, or an http(s) URL' })),
});
const InviteBody = Type.Object({ user_ids: Type.Array(Type.String(), { minItems: 1, maxItems: 500 }) });
const group = { group_id: groupId };

export const groupRoutes = [
  route.get('/v1/groups/{group_id}', { summary: 'A group I am in', params: group, data: Group }, async (c) => {
    await c.services.conversations.requireGroup(c.params.group_id, c.me);
    return present.group(await c.services.conversations.detail(c.me, c.params.group_id));
  }),

  route.get(
    '/v1/groups/{group_id}/members',
    { summary: 'Members: the owner, then admins, then members, each by joining', params: group, paging: membersPaging, data: MembersData },
    async (c) => {
      const page = await c.services.conversations.groupMembers(c.me, c.params.group_id, c.page);
      return { ...c.paged(page), members: page.items.map(present.member) };
    },
  ),

  route.patch(
    '/v1/groups/{group_id}',
    { summary: 'Change name, announcement or avatar (the owner or an admin)', params: group, body: UpdateBody, data: UpdatedGroup },
    async (c) => {
      const id = c.params.group_id;
      await c.services.conversations.requireGroup(id, c.me);
      await c.services.conversations.requireManager(id, c.me);
      const b = c.body;
      const avatar = await avatarOf(c, b.avatar, 'avatar');
      const patch = { ...(b.name !== undefined && { name: b.name }), ...(b.announcement !== undefined && { announcement: b.announcement }), ...(avatar !== undefined && { avatar }) };
      return present.updatedGroup(await c.services.conversations.update(c.me, id, patch));
    },
  ),

  route.post(
    '/v1/groups/{group_id}/members',
    {
      summary: 'Invite users (the owner or an admin); those already in are skipped',
      description: 'An unknown user id adds nobody (404). invited_users lists only the users added.',
      params: group,
      body: InviteBody,
      data: Invited,
    },
    async (c) => {
      const id = c.params.group_id;
      await c.services.conversations.requireGroup(id, c.me);
      const ids = c.body.user_ids.map((raw) => userId.decode(raw, 'user_ids'));
      const { added } = await c.services.conversations.addMembers(c.me, id, ids);
      return { success: true, invited_users: added.map(idText) };
    },
  ),
];
