import { mapLimit } from '../lib/http.ts';
import { cheapArgon2, int, type Scenario } from '../lib/scenario.ts';
import { privateChat, registerUsers } from '../lib/setup.ts';
import { parseSendOptions, runChatLoad, sendHelp, sendMode, sendOptions, type SendOptions } from './chat-load.ts';

interface PairsOptions extends SendOptions {
  pairs: number;
}

/**
 * N pairs of users, each pair in its private chat, both chatting: each user sends (REST or
 * `message.send`) and holds one socket, which receives every message of the chat (the partner's
 * and the echo of its own). Closed loop with --window, or a fixed total --rate.
 */
export const pairs: Scenario<PairsOptions> = {
  name: 'pairs',
  summary: 'N user pairs chatting in private chats (REST or WebSocket sends; closed loop or fixed rate)',
  options: { pairs: { type: 'string', default: '50' }, ...sendOptions },
  help: { pairs: 'user pairs, each in its private chat; both users send', ...sendHelp },
  parse: (v) => ({ pairs: int(v.pairs, 'pairs', 1), ...parseSendOptions(v) }),
  serverEnv: () => cheapArgon2,
  async run(ctx, o) {
    ctx.log(`registering ${o.pairs * 2} users`);
    const users = await registerUsers(ctx.http, ctx.target.urls, ctx.tag, o.pairs * 2);
    const ids = await mapLimit(
      Array.from({ length: o.pairs }, (_, p) => p),
      8,
      (p) => privateChat(ctx.http, users[2 * p]!, users[2 * p + 1]!),
    );
    const chats = ids.map((id, p) => ({ id, members: [2 * p, 2 * p + 1], senders: [2 * p, 2 * p + 1] }));
    const r = await runChatLoad(ctx, { ...o, users, chats, completion: false });
    return {
      ...r,
      title: `pairs: ${o.pairs} pairs, ${o.transport === 'ws' ? 'WebSocket message.send' : 'REST POST /api/chats/{id}/messages'}, ${sendMode(o)}, ${o.size} B`,
      params: { ...o, senders: o.pairs * 2, receivers: o.pairs * 2 },
    };
  },
};
