import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clusterDatabase } from '../support/cluster-db.ts';
import { dropPrefix, nodeEnv, sharedRedisUrl, startNode, uniquePrefix } from '../support/cluster.ts';
import { Chat8Socket, type C8Frame } from '../support/chat8.ts';
import { flutterWsUrl, patch } from '../support/flutter.ts';
import { liteWsUrl } from '../support/lite.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { storeKinds } from '../support/stores.ts';
import { uniquePhone } from '../support/users.ts';
import { WsClient, type Frame } from '../support/ws.ts';
import { XxSocket, type XxFrame } from '../support/xiaoxiang.ts';
import { needs, type Need } from '../support/requires.ts';

/**
 * One account, one conversation, five APIs (issue 17): accounts made through different profiles
 * log in through every other, a conversation is the same whichever API sent into it, and every
 * socket of a recipient gets each message in its own API's frame. It runs on SQLite, on
 * PostgreSQL, and on two nodes (PostgreSQL + Redis) where each person's sockets and requests are
 * spread over both nodes.
 */

type ProfileName = 'zhihang' | 'chat8' | 'flutter' | 'lite' | 'xiaoxiang';

/** A person and what each profile calls them. */
interface Person {
  label: string;
  username: string;
  email: string;
  password: string;
  phone?: string;
  /** The device xiaoxiang's logins and socket name. */
  deviceId: string;
  /** Each profile's id for this person and a token of a login through it. */
  ids: Record<ProfileName, number | string>;
  tokens: Record<ProfileName, string>;
}

interface Topology {
  name: string;
  needs?: Need[];
  start(): Promise<{ nodes: [TestServer, TestServer]; close(): Promise<void> }>;
}

const topologies: Topology[] = [
  ...storeKinds.map((kind) => ({
    name: `one node on ${kind}`,
    async start() {
      const s = await startTestServer(kind);
      return { nodes: [s, s] as [TestServer, TestServer], close: () => s.close() };
    },
  })),
  {
    name: 'two nodes on PostgreSQL + Redis',
    needs: ['postgres', 'redis'],
    async start() {
      const db = await clusterDatabase();
      const prefix = uniquePrefix();
      const a = await startNode(db, 'postgres', nodeEnv(sharedRedisUrl, prefix, 'node-a'));
      const b = await startNode(db, 'postgres', nodeEnv(sharedRedisUrl, prefix, 'node-b'));
      return {
        nodes: [a, b],
        async close() {
          await a.close();
          await b.close();
          await db.cleanup();
          await dropPrefix(sharedRedisUrl, prefix);
        },
      };
    },
  },
];

let n = 0;
const unique = () => `x${process.pid}${++n}${Math.floor(Math.random() * 1e6)}`;

for (const topology of topologies) {
  describe(`one server, five APIs: ${topology.name}`, await needs(...(topology.needs ?? [])), () => {
    let running: Awaited<ReturnType<Topology['start']>>;
    let nodes: [TestServer, TestServer];
    /** Node i for the i-th thing a person does, so on two nodes each person's work is spread. */
    const at = (i: number) => nodes[i % 2]!;
    const sockets: { close(): Promise<void> }[] = [];

    before(async () => {
      running = await topology.start();
      nodes = running.nodes;
    });
    after(async () => {
      for (const s of sockets) await s.close().catch(() => undefined);
      await running?.close();
    });

    // Logins through each profile, as its document has them.
    const login: Record<ProfileName, (p: Person, node: TestServer) => Promise<{ id: number | string; token: string }>> = {
      async zhihang(p, node) {
        const res = await node.api.post('/api/auth/login', { username: p.username, password: p.password });
        assert.equal(res.status, 200, res.text);
        return { id: res.body.data.user.id, token: res.body.data.access_token };
      },
      async chat8(p, node) {
        const res = await node.api.post('/api/v1/auth/login', { username: p.username, password: p.password });
        assert.equal(res.status, 200, res.text);
        return { id: res.body.data.user.id, token: res.body.data.access_token };
      },
      async flutter(p, node) {
        const res = await node.api.post('/flutter/v1/auth/login', { username: p.username, password: p.password });
        assert.equal(res.status, 200, res.text);
        return { id: res.body.user_id, token: res.body.token };
      },
      async lite(p, node) {
        const res = await node.api.post('/lite/api/v1/login', { email: p.email, password: p.password });
        assert.equal(res.status, 200, res.text);
        return { id: res.body.data.user.user_id, token: res.body.data.token };
      },
      async xiaoxiang(p, node) {
        const res = await node.api.post('/xiaoxiang/v1/auth/login', { email: p.email, password: p.password, deviceId: p.deviceId });
        assert.equal(res.status, 200, res.text);
        return { id: res.body.data.user.id, token: res.body.data.accessToken };
      },
    };
    const profileNames = Object.keys(login) as ProfileName[];

    /** Logs a person in through every profile (spread over the nodes) and checks each id's type. */
    async function everywhere(p: Omit<Person, 'ids' | 'tokens' | 'deviceId'>): Promise<Person> {
      const person = { ...p, deviceId: `desk-${p.label}`, ids: {}, tokens: {} } as Person;
      for (const [i, name] of profileNames.entries()) {
        const { id, token } = await login[name](person, at(i));
        assert.equal(typeof id, name === 'zhihang' || name === 'chat8' ? 'number' : 'string', `${name} id of ${p.label}`);
        person.ids[name] = id;
        person.tokens[name] = token;
      }
      return person;
    }

    let ann: Person; // registered through zhihang
    let bob: Person; // through chat8
    let cat: Person; // through flutter
    let dan: Person; // through lite

    it('one account, every profile: accounts made through four APIs log in through all five, each id of its profile’s type (1, 2, 4)', async () => {
      const password = 'password-1234';
      const a = { label: 'ann', username: unique(), email: `${unique()}@example.com`, password, phone: uniquePhone() };
      const reg = await at(0).api.post('/api/auth/register', { phone: a.phone, username: a.username, email: a.email, password, nickname: 'Ann' });
      assert.equal(reg.status, 200, reg.text);
      ann = await everywhere(a);
      assert.equal(ann.ids.zhihang, reg.body.data.user.id);

      const b = { label: 'bob', username: unique(), email: `${unique()}@example.com`, password };
      const regB = await at(1).api.post('/api/v1/auth/register', { username: b.username, email: b.email, password, confirm_password: password });
      assert.equal(regB.status, 200, regB.text);
      bob = await everywhere(b);
      assert.equal(bob.ids.chat8, regB.body.data.user_id);

      const c = { label: 'cat', username: unique(), email: `${unique()}@example.com`, password };
      const regC = await at(0).api.post('/flutter/v1/auth/register', { username: c.username, email: c.email, password, nickname: 'Cat' });
      assert.equal(regC.status, 201, regC.text);
      cat = await everywhere(c);
      assert.equal(cat.ids.flutter, regC.body.user_id);

      const d = { label: 'dan', username: unique(), email: `${unique()}@example.com`, password };
      const regD = await at(1).api.post('/lite/api/v1/register', { username: d.username, email: d.email, password });
      assert.equal(regD.status, 200, regD.text);
      dan = await everywhere(d);
      assert.equal(dan.ids.lite, regD.body.data.user_id);

      // zhihang also takes the phone or the email beside the password.
      for (const by of [{ phone: ann.phone }, { email: ann.email }, { email: cat.email }]) {
        const res = await at(1).api.post('/api/auth/login', { ...by, password });
        assert.equal(res.status, 200, `${JSON.stringify(by)}: ${res.text}`);
      }
      // The email given to zhihang is the account's email in chat8 and lite.
      const c8 = await at(1).api.get('/api/v1/user/profile', { token: ann.tokens.chat8 });
      assert.equal(c8.body.data.email, ann.email);
      const lite = await at(0).api.get('/lite/api/v1/user/profile', { token: ann.tokens.lite });
      assert.equal(lite.body.data.email, ann.email);
      const fl = await at(1).api.get('/flutter/v1/user/me', { token: ann.tokens.flutter });
      assert.deepEqual([fl.body.email, fl.body.nickname], [ann.email, 'Ann']);

      // Search results name a user by the id of the profile searched, whoever registered them.
      const zFound = await at(0).api.get(`/api/users/search?q=${encodeURIComponent(cat.username)}`, { token: bob.tokens.zhihang });
      assert.deepEqual(zFound.body.data.users.map((u: { id: number }) => u.id), [cat.ids.zhihang]);
      const c8Found = await at(1).api.get(`/api/v1/friends/search?q=${encodeURIComponent(dan.username)}`, { token: ann.tokens.chat8 });
      assert.deepEqual(c8Found.body.data.map((u: { id: number }) => u.id), [dan.ids.chat8]);
      const fFound = await at(0).api.get(`/flutter/v1/users/search?query=${encodeURIComponent(bob.username)}`, { token: dan.tokens.flutter });
      assert.deepEqual(fFound.body.users.map((u: { user_id: string }) => u.user_id), [bob.ids.flutter]);
    });

    it('names, emails and phones are unique across profiles, each refusal in its own profile’s shape (3)', async () => {
      const pw = 'password-1234';
      const z1 = await at(0).api.post('/api/auth/register', { phone: uniquePhone(), username: bob.username, password: pw });
      assert.deepEqual([z1.status, z1.body.code], [409, 10006], z1.text);
      const z2 = await at(1).api.post('/api/auth/register', { phone: uniquePhone(), username: unique(), email: cat.email, password: pw });
      // zhihang's table has no code for an email: the conflict is its generic 409.
      assert.deepEqual([z2.status, z2.body.code, z2.body.success], [409, 409, false], z2.text);
      const z3 = await at(0).api.post('/api/auth/register', { phone: ann.phone, username: unique(), password: pw });
      assert.deepEqual([z3.status, z3.body.code], [409, 10005], z3.text);

      const c1 = await at(1).api.post('/api/v1/auth/register', { username: ann.username, email: `${unique()}@example.com`, password: pw, confirm_password: pw });
      assert.equal(c1.body.error?.code, 'USER_002', c1.text);
      const c2 = await at(0).api.post('/api/v1/auth/register', { username: unique(), email: dan.email, password: pw, confirm_password: pw });
      assert.equal(c2.body.error?.code, 'USER_003', c2.text);

      const f1 = await at(1).api.post('/flutter/v1/auth/register', { username: dan.username, password: pw });
      assert.equal(f1.status, 409, f1.text);
      const l1 = await at(0).api.post('/lite/api/v1/register', { username: unique(), email: bob.email, password: pw });
      assert.equal(l1.status, 400, l1.text);
      const l2 = await at(1).api.post('/lite/api/v1/register', { username: cat.username, email: `${unique()}@example.com`, password: pw });
      assert.equal(l2.status, 400, l2.text);
    });

    /** A person's socket in each profile, spread over the nodes; frames are read per profile. */
    async function socketsOf(p: Person, first = 0) {
      const node = (i: number) => at(first + i).url;
      const zhihang = await WsClient.connect(node(0), p.tokens.zhihang);
      const chat8 = await Chat8Socket.open(node(1), { id: p.ids.chat8 as number, token: p.tokens.chat8 });
      const flutter = await Chat8Socket.connect(flutterWsUrl(`${node(2)}/flutter`, p.tokens.flutter));
      const lite = await Chat8Socket.connect(liteWsUrl(`${node(3)}/lite`), { headers: { authorization: `Bearer ${p.tokens.lite}` } });
      const xiaoxiang = await XxSocket.open(node(4), { token: p.tokens.xiaoxiang, deviceId: p.deviceId });
      const all = { zhihang, chat8, flutter, lite, xiaoxiang };
      sockets.push(...Object.values(all));
      return all;
    }
    type Sockets = Awaited<ReturnType<typeof socketsOf>>;

    /** Each of a recipient's sockets gets the message once, in its own profile's frame, with its own ids. */
    async function receivedEverywhere(to: Sockets, from: Person, content: string, opts: { group?: boolean } = {}) {
      const z = await to.zhihang.next((f: Frame) => f.type === 'message.new' && f.data.content === content);
      assert.equal(z.data.sender_id, from.ids.zhihang);
      const fl = await to.flutter.next((f: C8Frame) => f.type === 'new_message' && f.data.content === content);
      assert.equal(fl.data.sender_id, from.ids.flutter);
      assert.equal(typeof fl.data.message_id, 'string');
      for (const key of ['message_id', 'conversation_id', 'sender_id', 'sender_name', 'content', 'type', 'created_at']) assert.ok(key in fl.data, `flutter new_message has ${key}`);
      const l = await to.lite.next((f: C8Frame) => f.type === 'message' && f.data.content === content);
      assert.equal(l.data.sender_id, from.ids.lite);
      const x = await to.xiaoxiang.next((f: XxFrame) => f.type === 'message' && f.event === 'new_message' && f.data.content === content);
      assert.equal(x.data.senderId, from.ids.xiaoxiang);
      for (const key of ['id', 'chatId', 'senderId', 'content', 'timestamp']) assert.ok(key in x.data, `xiaoxiang new_message has ${key}`);
      assert.equal(typeof x.data.chatId, 'string');
      if (opts.group) {
        // chat8 has no groups: its sockets never see a group's messages.
        await to.chat8.quiet('new_message');
        return { zhihang: z, flutter: fl, lite: l, xiaoxiang: x };
      }
      const c8 = await to.chat8.next((f: C8Frame) => f.type === 'new_message' && f.data.content === content);
      assert.equal(typeof c8.timestamp, 'string');
      assert.deepEqual(
        { sender_id: c8.data.sender_id, sender_username: c8.data.sender_username, message_type: c8.data.message_type, is_encrypted: c8.data.is_encrypted },
        { sender_id: from.ids.chat8, sender_username: from.username, message_type: 'text', is_encrypted: false },
      );
      assert.equal(typeof c8.data.id, 'number');
      return { zhihang: z, flutter: fl, lite: l, xiaoxiang: x, chat8: c8 };
    }

    let annSockets: Sockets;
    let catSockets: Sockets;
    let privateChat: number;
    let flutterConversation: string;
    const said: string[] = [];

    it('a private conversation is one per pair, whichever API sends into it; every socket of the recipient gets each message in its own frame (5, 8)', async () => {
      annSockets = await socketsOf(ann, 0);
      catSockets = await socketsOf(cat, 1);

      // zhihang: ann opens the pair's chat and sends.
      const opened = await at(0).api.post('/api/chats', { members: [cat.ids.zhihang] }, { token: ann.tokens.zhihang });
      assert.equal(opened.status, 200, opened.text);
      privateChat = opened.body.data.id;
      said.push('1 from ann through zhihang');
      assert.equal((await at(1).api.post(`/api/chats/${privateChat}/messages`, { type: 'text', content: said[0] }, { token: ann.tokens.zhihang })).status, 200);
      await receivedEverywhere(catSockets, ann, said[0]!);

      // flutter: cat's private conversation with ann is that chat.
      const conv = await at(0).api.post('/flutter/v1/conversations', { type: 'private', target_id: ann.ids.flutter }, { token: cat.tokens.flutter });
      assert.equal(conv.status, 201, conv.text);
      flutterConversation = conv.body.conversation_id;
      assert.equal(conv.body.target_id, ann.ids.flutter);
      said.push('2 from cat through flutter');
      const sentF = await at(1).api.post(`/flutter/v1/conversations/${flutterConversation}/messages`, { type: 'text', content: said[1] }, { token: cat.tokens.flutter });
      assert.equal(sentF.status, 201, sentF.text);
      await receivedEverywhere(annSockets, cat, said[1]!);

      // chat8: ann to cat by receiver_id.
      said.push('3 from ann through chat8');
      const sent8 = await at(0).api.post('/api/v1/messages', { receiver_id: cat.ids.chat8, content: said[2] }, { token: ann.tokens.chat8 });
      assert.equal(sent8.status, 200, sent8.text);
      await receivedEverywhere(catSockets, ann, said[2]!);

      // lite: cat to ann by receiver_id.
      said.push('4 from cat through lite');
      const sentL = await at(1).api.post('/lite/api/v1/chat/message', { type: 'text', content: said[3], receiver_id: ann.ids.lite }, { token: cat.tokens.lite });
      assert.equal(sentL.status, 200, sentL.text);
      await receivedEverywhere(annSockets, cat, said[3]!);

      // xiaoxiang: ann's private chat with cat is the same one again.
      const chat = await at(0).api.post('/xiaoxiang/v1/chats', { type: 'private', participantIds: [cat.ids.xiaoxiang] }, { token: ann.tokens.xiaoxiang });
      assert.ok([200, 201].includes(chat.status), chat.text);
      const xChat = chat.body.data.id as string;
      said.push('5 from ann through xiaoxiang');
      const sentX = await at(1).api.post('/xiaoxiang/v1/messages', { chatId: xChat, type: 'text', content: said[4] }, { token: ann.tokens.xiaoxiang });
      assert.ok([200, 201].includes(sentX.status), sentX.text);
      await receivedEverywhere(catSockets, ann, said[4]!);

      // Every profile's history of the pair: the same messages in the same order.
      const oldestFirst = [...said];
      const newestFirst = [...said].reverse();
      const z = await at(0).api.get(`/api/chats/${privateChat}/messages`, { token: cat.tokens.zhihang });
      const c8 = await at(1).api.get(`/api/v1/messages/${ann.ids.chat8}`, { token: cat.tokens.chat8 });
      const fl = await at(0).api.get(`/flutter/v1/conversations/${flutterConversation}/messages`, { token: ann.tokens.flutter });
      const li = await at(1).api.get(`/lite/api/v1/chat/messages?receiver_id=${cat.ids.lite}`, { token: ann.tokens.lite });
      const xi = await at(0).api.get(`/xiaoxiang/v1/messages?chatId=${xChat}`, { token: cat.tokens.xiaoxiang });
      const contents = (list: { content: string }[]) => list.map((m) => m.content);
      const zList = contents(z.body.data.items ?? z.body.data.messages ?? z.body.data);
      assert.ok([oldestFirst, newestFirst].some((o) => JSON.stringify(o) === JSON.stringify(zList)), `zhihang: ${JSON.stringify(zList)}`);
      assert.deepEqual(contents(c8.body.data.messages), newestFirst, 'chat8');
      assert.deepEqual(contents(fl.body.messages), newestFirst, 'flutter');
      assert.deepEqual(contents(li.body.data.messages), newestFirst, 'lite');
      assert.deepEqual(contents(xi.body.data.messages), newestFirst, 'xiaoxiang');
      for (const m of xi.body.data.messages) assert.ok([ann.ids.xiaoxiang, cat.ids.xiaoxiang].includes(m.senderId));
      for (const m of fl.body.messages) assert.ok([ann.ids.flutter, cat.ids.flutter].includes(m.sender_id));

      // The conversation list shows it as private, last message whatever API sent it.
      const list = await at(0).api.get('/flutter/v1/conversations?type=private', { token: ann.tokens.flutter });
      const item = list.body.conversations.find((c: { conversation_id: string }) => c.conversation_id === flutterConversation);
      assert.equal(item.type, 'private');
      assert.equal(item.target_id, cat.ids.flutter);
      assert.equal(item.last_message.content, said[4]);
      const chats = await at(1).api.get('/xiaoxiang/v1/chats?type=private', { token: cat.tokens.xiaoxiang });
      const xItem = chats.body.data.chats.find((c: { id: string }) => c.id === xChat);
      assert.equal(xItem.type, 'private');
      assert.equal(xItem.lastMessage.content, said[4]);
      assert.deepEqual(xItem.participants.map((p: { id: string }) => p.id).sort(), [ann.ids.xiaoxiang, cat.ids.xiaoxiang].sort());
    });

    it('groups are shared: a zhihang group is a flutter group conversation and a lite group its members send to; chat8 never sees it (6, 7, 8)', async () => {
      const danSockets = await socketsOf(dan, 0);
      const created = await at(1).api.post('/api/chats', { type: 'group', name: 'Launch', members: [cat.ids.zhihang, dan.ids.zhihang, bob.ids.zhihang] }, { token: ann.tokens.zhihang });
      assert.equal(created.status, 200, created.text);
      const groupChat = created.body.data.id;
      const first = 'group: hello from ann through zhihang';
      assert.equal((await at(0).api.post(`/api/chats/${groupChat}/messages`, { type: 'text', content: first }, { token: ann.tokens.zhihang })).status, 200);
      for (const to of [catSockets, danSockets]) await receivedEverywhere(to, ann, first, { group: true });

      // flutter: a group conversation whose target is the group.
      const convs = await at(1).api.get('/flutter/v1/conversations?type=group', { token: cat.tokens.flutter });
      const g = convs.body.conversations.find((c: { target_name: string }) => c.target_name === 'Launch');
      assert.equal(g.type, 'group');
      assert.equal(g.last_message.content, first);
      assert.equal(g.last_message.sender_name, 'Ann');
      const xChats = await at(0).api.get('/xiaoxiang/v1/chats?type=group', { token: dan.tokens.xiaoxiang });
      const xg = xChats.body.data.chats.find((c: { name: string }) => c.name === 'Launch');
      assert.equal(xg.type, 'group');
      assert.equal(xg.lastMessage.content, first);
      assert.equal(xg.participants.length, 4);

      // lite: the group id the frames carry is the one its members send to and list with.
      const heard = await at(0).api.get(`/lite/api/v1/chat/messages?group_id=${g.target_id}`, { token: dan.tokens.lite });
      assert.equal(heard.status, 200, heard.text);
      const groupId = heard.body.data.messages[0].group_id;
      assert.equal(typeof groupId, 'string');
      const second = 'group: dan through lite';
      const sent = await at(1).api.post('/lite/api/v1/chat/message', { type: 'text', content: second, group_id: groupId }, { token: dan.tokens.lite });
      assert.equal(sent.status, 200, sent.text);
      const toAnn = await receivedEverywhere(annSockets, dan, second, { group: true });
      assert.equal(toAnn.lite.data.group_id, groupId);
      await receivedEverywhere(catSockets, dan, second, { group: true });
      const listed = await at(0).api.get(`/lite/api/v1/chat/messages?group_id=${groupId}`, { token: cat.tokens.lite });
      assert.deepEqual(listed.body.data.messages.map((m: { content: string }) => m.content), [second, first]);

      // chat8: bob is in the group, but chat8 holds only private messages.
      const bobsView = await at(1).api.get(`/api/v1/messages/${ann.ids.chat8}`, { token: bob.tokens.chat8 });
      assert.equal(bobsView.status, 200, bobsView.text);
      assert.deepEqual(bobsView.body.data.messages, []);
    });

    it('chat8 friends are contacts: an accepted friend request makes two mutual zhihang contacts (9)', async () => {
      const asked = await at(0).api.post('/api/v1/friends/request', { user_id: dan.ids.chat8, message: 'hi' }, { token: bob.tokens.chat8 });
      assert.equal(asked.status, 200, asked.text);
      const pending = await at(1).api.get('/api/v1/friends/requests', { token: dan.tokens.chat8 });
      const request = pending.body.data.find((r: { from_user_id: number }) => r.from_user_id === bob.ids.chat8);
      const accepted = await at(0).api.put(`/api/v1/friends/request/${request.request_id}`, { action: 'accept' }, { token: dan.tokens.chat8 });
      assert.equal(accepted.status, 200, accepted.text);
      const contactsOf = async (p: Person, node: TestServer) =>
        (await node.api.get('/api/contacts', { token: p.tokens.zhihang })).body.data.contacts.map((c: { contact: { id: number } }) => c.contact.id);
      assert.ok((await contactsOf(bob, at(1))).includes(dan.ids.zhihang));
      assert.ok((await contactsOf(dan, at(0))).includes(bob.ids.zhihang));
    });

    it('one profile per account: a nickname or avatar changed through any API reads back the same through every other (10)', async () => {
      const avatar = 'https://cdn.example.com/avatars/ann.png';
      const flutterMe = () => at(1).api.get('/flutter/v1/user/me', { token: ann.tokens.flutter });
      assert.equal((await patch(at(0).api, '/flutter/v1/user/me', { nickname: 'Annie' }, { token: ann.tokens.flutter })).status, 200);
      const zMe = await at(1).api.get('/api/users/me', { token: ann.tokens.zhihang });
      assert.equal(zMe.body.data.nickname, 'Annie');
      const xMe = () => at(0).api.get('/xiaoxiang/v1/users/me', { token: ann.tokens.xiaoxiang });
      assert.equal((await xMe()).body.data.name, 'Annie');
      assert.equal((await at(1).api.put('/xiaoxiang/v1/users/me', { name: 'Ann X' }, { token: ann.tokens.xiaoxiang })).status, 200);
      assert.equal((await flutterMe()).body.nickname, 'Ann X');

      assert.equal((await at(0).api.put('/api/users/me', { nickname: 'Ann Z', avatar }, { token: ann.tokens.zhihang })).status, 200);
      assert.deepEqual([(await flutterMe()).body.nickname, (await flutterMe()).body.avatar], ['Ann Z', avatar]);
      assert.equal((await at(0).api.get('/api/v1/user/profile', { token: ann.tokens.chat8 })).body.data.avatar, avatar);
      assert.equal((await at(1).api.get('/lite/api/v1/user/profile', { token: ann.tokens.lite })).body.data.avatar, avatar);
      const me = (await xMe()).body.data;
      assert.deepEqual([me.id, me.email, me.name, me.avatar], [ann.ids.xiaoxiang, ann.email, 'Ann Z', avatar]);

      const other = 'https://cdn.example.com/avatars/ann-2.png';
      assert.equal((await at(1).api.put('/lite/api/v1/user/profile', { avatar: other }, { token: ann.tokens.lite })).status, 200);
      assert.equal((await at(0).api.get('/api/users/me', { token: ann.tokens.zhihang })).body.data.avatar, other);
      assert.equal((await flutterMe()).body.avatar, other);
      assert.equal((await at(0).api.put('/api/v1/user/profile', { avatar }, { token: ann.tokens.chat8 })).status, 200);
      assert.equal((await at(1).api.get('/lite/api/v1/user/profile', { token: ann.tokens.lite })).body.data.avatar, avatar);
    });

    it('every login is its own session: a logout through one API ends only that login (11)', async () => {
      // cat signs out of chat8: that token and that socket end; the other logins go on.
      assert.equal((await at(0).api.post('/api/v1/auth/logout', {}, { token: cat.tokens.chat8 })).status, 200);
      assert.notEqual((await catSockets.chat8.closed).code, 1000);
      assert.equal((await at(1).api.get('/api/v1/user/profile', { token: cat.tokens.chat8 })).status, 401);
      assert.equal((await at(0).api.get('/api/users/me', { token: cat.tokens.zhihang })).status, 200);
      assert.equal((await at(1).api.get('/flutter/v1/user/me', { token: cat.tokens.flutter })).status, 200);
      assert.equal((await at(0).api.get('/lite/api/v1/user/profile', { token: cat.tokens.lite })).status, 200);
      assert.equal((await at(1).api.get('/xiaoxiang/v1/users/me', { token: cat.tokens.xiaoxiang })).status, 200);
      const still = 'after the chat8 logout';
      assert.equal((await at(1).api.post(`/api/chats/${privateChat}/messages`, { type: 'text', content: still }, { token: ann.tokens.zhihang })).status, 200);
      await catSockets.zhihang.next((f: Frame) => f.type === 'message.new' && f.data.content === still);
      await catSockets.flutter.next((f: C8Frame) => f.type === 'new_message' && f.data.content === still);
      await catSockets.lite.next((f: C8Frame) => f.type === 'message' && f.data.content === still);
      await catSockets.xiaoxiang.next((f: XxFrame) => f.event === 'new_message' && f.data.content === still);

      // cat signs out of xiaoxiang's device: its socket closes, the flutter login goes on.
      assert.equal((await at(0).api.post('/xiaoxiang/v1/auth/logout', { deviceId: cat.deviceId }, { token: cat.tokens.xiaoxiang })).status, 200);
      await catSockets.xiaoxiang.closed;
      assert.equal((await at(1).api.get('/xiaoxiang/v1/users/me', { token: cat.tokens.xiaoxiang })).status, 401);

      // cat signs out of zhihang too; chat8 logs in again.
      assert.equal((await at(1).api.post('/api/auth/logout', {}, { token: cat.tokens.zhihang })).status, 200);
      assert.notEqual((await catSockets.zhihang.closed).code, 1000);
      assert.equal((await at(0).api.get('/api/users/me', { token: cat.tokens.zhihang })).status, 401);
      assert.equal((await at(1).api.get('/flutter/v1/user/me', { token: cat.tokens.flutter })).status, 200);
      const again = await login.chat8(cat, at(1));
      assert.equal(again.id, cat.ids.chat8);
      assert.equal((await at(0).api.get('/api/v1/user/profile', { token: again.token })).status, 200);
    });
  });
}
