import { cheapArgon2, int, type Scenario } from '../lib/scenario.ts';
import { groupChat, registerUsers } from '../lib/setup.ts';
import { parseSendOptions, runChatLoad, sendHelp, sendMode, sendOptions, type SendOptions } from './chat-load.ts';

interface GroupOptions extends SendOptions {
  groups: number;
  members: number;
  senders: number;
}

/**
 * K groups of M members, every member online with one socket; the first S members of each group
 * send into it. Reports deliveries/s (fan-out) and, per message, when its last member had it.
 * `--groups 1 --members 1000 --rate 5` is the "one message into a 1,000-member group".
 */
export const group: Scenario<GroupOptions> = {
  name: 'group',
  summary: 'K groups of M online members; S senders per group (fan-out)',
  options: {
    groups: { type: 'string', default: '10' },
    members: { type: 'string', default: '100' },
    senders: { type: 'string', default: '1' },
    ...sendOptions,
  },
  help: { groups: 'groups', members: 'members per group, each online with one socket', senders: 'members of each group who send', ...sendHelp },
  parse(v) {
    const o = { groups: int(v.groups, 'groups', 1), members: int(v.members, 'members', 2), senders: int(v.senders, 'senders', 1), ...parseSendOptions(v) };
    if (o.senders > o.members) throw new Error('--senders cannot exceed --members');
    return o;
  },
  serverEnv: () => cheapArgon2,
  async run(ctx, o) {
    const total = o.groups * o.members;
    ctx.log(`registering ${total} users`);
    const users = await registerUsers(ctx.http, ctx.target.urls, ctx.tag, total);
    const chats = [];
    for (let g = 0; g < o.groups; g++) {
      const members = Array.from({ length: o.members }, (_, k) => g * o.members + k);
      const id = await groupChat(
        ctx.http,
        users[members[0]!]!,
        members.map((m) => users[m]!),
        `bench ${g}`,
      );
      chats.push({ id, members, senders: members.slice(0, o.senders) });
    }
    const r = await runChatLoad(ctx, { ...o, users, chats, completion: true });
    return {
      ...r,
      title: `group: ${o.groups} group(s) × ${o.members} members, ${o.senders} sender(s) each over ${o.transport === 'ws' ? 'WebSocket' : 'REST'}, ${sendMode(o)}, ${o.size} B`,
      params: { ...o, users: total },
    };
  },
};
