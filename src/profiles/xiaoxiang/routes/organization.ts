import { Type } from 'typebox';
import type { DepartmentNode } from '../../../services/directory.ts';
import { offsetMetaPaging } from '../../kit/paging.ts';
import { route } from '../../kit/route.ts';
import { departmentId } from '../ids.ts';
import * as present from '../presenters.ts';
import { Department, Member } from '../schemas.ts';

/** 通讯录接口: the organisation directory, readable by every signed-in user. */

const TreeData = Type.Object({ departments: Type.Array(Department) });
const membersPaging = offsetMetaPaging(50, 100);
const MembersData = Type.Object({ members: Type.Array(Member), ...membersPaging.result });
const department = { departmentId };

const everyone = (nodes: readonly DepartmentNode[]): DepartmentNode['members'] => nodes.flatMap((n) => [...n.members, ...everyone(n.children)]);

export const organizationRoutes = [
  route.get(
    '/v1/organization/departments',
    { summary: 'The departments from the top, each with its sub-departments, direct members and member count (sub-departments included)', data: TreeData },
    async (c) => {
      const tree = await c.services.directory.tree();
      const users = everyone(tree);
      const [views, places] = await Promise.all([c.services.users.viewsFor(c.me, users), present.placesOf(c.services, users.map((u) => u.id))]);
      const byId = new Map(views.map((v) => [v.user.id, v]));
      return { departments: tree.map((d) => present.department(d, byId, places)) };
    },
  ),

  route.get(
    '/v1/organization/departments/{departmentId}/members',
    { summary: "A department's direct members", params: department, paging: membersPaging, data: MembersData },
    async (c) => {
      const { users, total } = await c.services.directory.members(c.params.departmentId, c.page);
      const [views, places] = await Promise.all([c.services.users.viewsFor(c.me, users), present.placesOf(c.services, users.map((u) => u.id))]);
      return { members: views.map((v) => present.member(v, places)), ...c.paged({ items: users, total }) };
    },
  ),
];
