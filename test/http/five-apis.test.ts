import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clusterDatabase } from '../support/cluster-db.ts';
import { dropPrefix, nodeEnv, sharedRedisUrl, startNode, uniquePrefix } from '../support/cluster.ts';
import { Chat8Socket, type C8Frame } from '../support/chat8.ts';
import { flutterWsUrl, patch, pngBase64 } from '../support/flutter.ts';
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

      const d = { label: 'dan', username: unique(), email: `${unique()}@example.com`, password, phone: uniquePhone() };
      const regD = await at(1).api.post('/lite/api/v1/register', { username: d.username, email: d.email, password, phone: d.phone });
      assert.equal(regD.status, 200, regD.text);
      dan = await everywhere(d);
      assert.equal(dan.ids.lite, regD.body.data.user_id);

      // zhihang takes the username, the email or the phone beside the password, whichever API made the account.
      for (const p of [ann, bob, cat, dan]) {
        const ways: Record<string, string>[] = [{ username: p.username }, { email: p.email }, ...(p.phone ? [{ phone: p.phone }] : [])];
        for (const [i, by] of ways.entries()) {
          const res = await at(i).api.post('/api/auth/login', { ...by, password });
          assert.equal(res.status, 200, `${p.label} by ${JSON.stringify(by)}: ${res.text}`);
          assert.equal(res.body.data.user.id, p.ids.zhihang, `${p.label} by ${JSON.stringify(by)}`);
        }
      }
      // The email given to zhihang is the account's email in chat8, xiaoxiang and lite, which log in with it.
      const c8 = await at(1).api.get('/api/v1/user/profile', { token: ann.tokens.chat8 });
      assert.equal(c8.body.data.email, ann.email);
      const c8ByEmail = await at(0).api.post('/api/v1/auth/login', { username: ann.email, password });
      assert.equal(c8ByEmail.status, 200, c8ByEmail.text);
      assert.deepEqual([c8ByEmail.body.data.user.id, c8ByEmail.body.data.user.email], [ann.ids.chat8, ann.email]);
      const xLogin = await at(1).api.post('/xiaoxiang/v1/auth/login', { email: ann.email, password, deviceId: 'ann-phone' });
      assert.deepEqual([xLogin.body.data.user.id, xLogin.body.data.user.email], [ann.ids.xiaoxiang, ann.email]);
      const xMe = await at(0).api.get('/xiaoxiang/v1/users/me', { token: ann.tokens.xiaoxiang });
      assert.equal(xMe.body.data.email, ann.email);
      const lite = await at(0).api.get('/lite/api/v1/user/profile', { token: ann.tokens.lite });
      assert.deepEqual([lite.body.data.user_id, lite.body.data.email], [ann.ids.lite, ann.email]);
      const fl = await at(1).api.get('/flutter/v1/user/me', { token: ann.tokens.flutter });
      assert.deepEqual([fl.body.user_id, fl.body.email, fl.body.nickname], [ann.ids.flutter, ann.email, 'Ann']);
      const zMe = await at(0).api.get('/api/users/me', { token: dan.tokens.zhihang });
      assert.deepEqual([zMe.body.data.id, zMe.body.data.email], [dan.ids.zhihang, dan.email]);

      // Search results name a user by the id of the profile searched, whoever registered them.
      const zFound = await at(0).api.get(`/api/users/search?q=${encodeURIComponent(cat.username)}`, { token: bob.tokens.zhihang });
      assert.deepEqual(zFound.body.data.users.map((u: { id: number }) => u.id), [cat.ids.zhihang]);
      const c8Found = await at(1).api.get(`/api/v1/friends/search?q=${encodeURIComponent(dan.username)}`, { token: ann.tokens.chat8 });
      assert.deepEqual(c8Found.body.data.map((u: { id: number }) => u.id), [dan.ids.chat8]);
      const fFound = await at(0).api.get(`/flutter/v1/users/search?query=${encodeURIComponent(bob.username)}`, { token: dan.tokens.flutter });
      assert.deepEqual(fFound.body.users.map((u: { user_id: string }) => u.user_id), [bob.ids.flutter]);
      const xFound = await at(1).api.get(`/xiaoxiang/v1/users/search?q=${encodeURIComponent(ann.email)}`, { token: cat.tokens.xiaoxiang });
      assert.equal(xFound.status, 200, xFound.text);
      assert.deepEqual(xFound.body.data.users.map((u: { id: string }) => u.id), [ann.ids.xiaoxiang]);
    });

    it('names, emails and phones are unique across profiles, each refusal in its own profile’s shape (3)', async () => {
      const pw = 'password-1234';
      const fresh = () => `${unique()}@example.com`;
      // zhihang: 10006 for a username, 10005 for a phone (whichever API took it first).
      for (const [i, taken] of [bob.username, cat.username, dan.username].entries()) {
        const res = await at(i).api.post('/api/auth/register', { phone: uniquePhone(), username: taken, password: pw });
        assert.deepEqual([res.status, res.body.code, res.body.success], [409, 10006, false], res.text);
      }
      for (const taken of [ann.phone, dan.phone]) {
        const res = await at(0).api.post('/api/auth/register', { phone: taken, username: unique(), password: pw });
        assert.deepEqual([res.status, res.body.code, res.body.success], [409, 10005, false], res.text);
      }
      const z2 = await at(1).api.post('/api/auth/register', { phone: uniquePhone(), username: unique(), email: cat.email, password: pw });
      // zhihang's table has no code for an email: the conflict is its generic 409.
      assert.deepEqual([z2.status, z2.body.code, z2.body.success], [409, 409, false], z2.text);

      // chat8: USER_002 for a username, USER_003 for an email.
      for (const [i, taken] of [ann.username, cat.username, dan.username].entries()) {
        const res = await at(i).api.post('/api/v1/auth/register', { username: taken, email: fresh(), password: pw, confirm_password: pw });
        assert.deepEqual([res.status, res.body.success, res.body.error?.code], [409, false, 'USER_002'], res.text);
      }
      for (const [i, taken] of [ann.email, cat.email, dan.email].entries()) {
        const res = await at(i).api.post('/api/v1/auth/register', { username: unique(), email: taken, password: pw, confirm_password: pw });
        assert.deepEqual([res.status, res.body.success, res.body.error?.code], [409, false, 'USER_003'], res.text);
      }

      // flutter: 409 in its error body, naming the field taken.
      for (const [i, body] of [{ username: dan.username }, { username: ann.username }, { username: unique(), email: bob.email }].entries()) {
        const res = await at(i).api.post('/flutter/v1/auth/register', { ...body, password: pw });
        assert.deepEqual([res.status, res.body.code], [409, 409], res.text);
        assert.equal(typeof res.body.message, 'string');
      }

      // lite: its 400 with the reason in `error`.
      for (const [i, body] of [
        { username: unique(), email: bob.email },
        { username: cat.username, email: fresh() },
        { username: unique(), email: fresh(), phone: ann.phone },
      ].entries()) {
        const res = await at(i).api.post('/lite/api/v1/register', { ...body, password: pw });
        assert.deepEqual([res.status, res.body.code], [400, 400], res.text);
        assert.equal(typeof res.body.error, 'string');
      }
      // A name or an email differing only in case is the same one.
      const upperName = await at(0).api.post('/lite/api/v1/register', { username: bob.username.toUpperCase(), email: fresh(), password: pw });
      assert.deepEqual([upperName.status, upperName.body.code], [400, 400], upperName.text);
      const upper = await at(1).api.post('/api/v1/auth/register', { username: unique(), email: ann.email.toUpperCase(), password: pw, confirm_password: pw });
      assert.deepEqual([upper.status, upper.body.error?.code], [409, 'USER_003'], upper.text);
      // Taking another's name by a profile change is refused the same way.
      const renamed = await at(0).api.put('/api/v1/user/profile', { username: cat.username }, { token: bob.tokens.chat8 });
      assert.deepEqual([renamed.status, renamed.body.error?.code], [409, 'USER_002'], renamed.text);
      const rephoned = await at(1).api.put('/lite/api/v1/user/profile', { phone: dan.phone }, { token: bob.tokens.lite });
      assert.deepEqual([rephoned.status, rephoned.body.code], [400, 400], rephoned.text);
      // Nothing was made by any refusal: the names still log in as their first owners only.
      const still = await at(0).api.post('/api/auth/login', { username: bob.username, password: pw });
      assert.equal(still.body.data.user.id, bob.ids.zhihang);
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

    const keys = (o: object) => Object.keys(o).sort();
    /** The ids of the conversation a message lands in, as each profile's frames name it. */
    interface Landing {
      zhihang: number;
      flutter: string;
      xiaoxiang: string;
    }

    /**
     * Each of a recipient's sockets gets the message once, in its own profile's frame with the
     * fields the issue lists, with its own ids; `lands` is the conversation each profile must name.
     */
    async function receivedEverywhere(to: Sockets, from: Person, content: string, opts: { group?: boolean; encrypted?: boolean; lands?: Landing } = {}) {
      const z = await to.zhihang.next((f: Frame) => f.type === 'message.new' && f.data.content === content);
      assert.equal(z.data.sender_id, from.ids.zhihang);
      assert.equal(typeof z.data.id, 'number');
      if (opts.lands) assert.equal(z.data.chat_id, opts.lands.zhihang);

      const fl = await to.flutter.next((f: C8Frame) => f.type === 'new_message' && f.data.content === content);
      assert.deepEqual(keys(fl), ['data', 'type']);
      assert.deepEqual(keys(fl.data), ['content', 'conversation_id', 'created_at', 'message_id', 'sender_id', 'sender_name', 'type']);
      assert.deepEqual([fl.data.sender_id, typeof fl.data.message_id, fl.data.type], [from.ids.flutter, 'string', 'text']);
      if (opts.lands) assert.equal(fl.data.conversation_id, opts.lands.flutter);

      const l = await to.lite.next((f: C8Frame) => f.type === 'message' && f.data.content === content);
      assert.deepEqual(keys(l), ['data', 'type']);
      assert.equal(l.data.sender_id, from.ids.lite);
      assert.equal(typeof l.data.message_id, 'string');

      const x = await to.xiaoxiang.next((f: XxFrame) => f.type === 'message' && f.event === 'new_message' && f.data.content === content);
      assert.deepEqual(keys(x), ['data', 'event', 'type']);
      for (const key of ['id', 'chatId', 'senderId', 'content', 'timestamp']) assert.ok(key in x.data, `xiaoxiang new_message has ${key}`);
      assert.deepEqual([x.data.senderId, typeof x.data.id, typeof x.data.chatId], [from.ids.xiaoxiang, 'string', 'string']);
      assert.ok(!Number.isNaN(Date.parse(x.data.timestamp)), x.data.timestamp);
      if (opts.lands) assert.equal(x.data.chatId, opts.lands.xiaoxiang);

      if (opts.group) {
        // chat8 has no groups: its sockets never see a group's messages.
        await to.chat8.none((f) => f.type === 'new_message' && f.data.content === content);
        return { zhihang: z, flutter: fl, lite: l, xiaoxiang: x };
      }
      const c8 = await to.chat8.next((f: C8Frame) => f.type === 'new_message' && f.data.content === content);
      assert.deepEqual(keys(c8), ['data', 'timestamp', 'type']);
      assert.ok(!Number.isNaN(Date.parse(c8.timestamp!)), c8.timestamp);
      assert.deepEqual(keys(c8.data), ['content', 'id', 'is_encrypted', 'message_type', 'sender_id', 'sender_username']);
      assert.deepEqual(
        { sender_id: c8.data.sender_id, sender_username: c8.data.sender_username, message_type: c8.data.message_type, is_encrypted: c8.data.is_encrypted },
        { sender_id: from.ids.chat8, sender_username: from.username, message_type: 'text', is_encrypted: opts.encrypted ?? false },
      );
      assert.equal(typeof c8.data.id, 'number');
      return { zhihang: z, flutter: fl, lite: l, xiaoxiang: x, chat8: c8 };
    }

    let annSockets: Sockets;
    let catSockets: Sockets;
    let privateChat: number;
    let flutterConversation: string;
    const said: string[] = [];

    it('a private conversation is one per pair, whichever API sends into it; every socket of the recipient gets each message in its own frame (4, 5, 8)', async () => {
      annSockets = await socketsOf(ann, 0);
      catSockets = await socketsOf(cat, 1);
      // A second flutter socket of cat's, on the other node: every open socket gets each message.
      const catsPhone = await Chat8Socket.connect(flutterWsUrl(`${at(0).url}/flutter`, cat.tokens.flutter));
      sockets.push(catsPhone);
      const senders: Person[] = [];

      /** flutter's and xiaoxiang's conversation lists, both sides: the pair's private one, its last message the latest. */
      async function listsShowLatest(lands: Partial<Landing>) {
        const content = said.at(-1)!;
        const sender = senders.at(-1)!;
        for (const [me, other] of [[ann, cat], [cat, ann]] as const) {
          const fl = await at(said.length).api.get('/flutter/v1/conversations', { token: me.tokens.flutter });
          const mine = fl.body.conversations.filter((c: { type: string; target_id: string }) => c.type === 'private' && c.target_id === other.ids.flutter);
          assert.equal(mine.length, 1, `one flutter conversation of ${me.label} with ${other.label}`);
          assert.deepEqual([mine[0].last_message.content, mine[0].last_message.sender_id], [content, sender.ids.flutter], `${me.label}'s flutter list`);
          if (lands.flutter) assert.equal(mine[0].conversation_id, lands.flutter);
          const xx = await at(said.length + 1).api.get('/xiaoxiang/v1/chats', { token: me.tokens.xiaoxiang });
          const chats = xx.body.data.chats.filter(
            (c: { type: string; participants: { id: string }[] }) => c.type === 'private' && c.participants.some((p) => p.id === other.ids.xiaoxiang),
          );
          assert.equal(chats.length, 1, `one xiaoxiang chat of ${me.label} with ${other.label}`);
          assert.deepEqual(chats[0].participants.map((p: { id: string }) => p.id).sort(), [ann.ids.xiaoxiang, cat.ids.xiaoxiang].sort());
          assert.deepEqual([chats[0].lastMessage.content, chats[0].lastMessage.senderId], [content, sender.ids.xiaoxiang], `${me.label}'s xiaoxiang list`);
          if (lands.xiaoxiang) assert.equal(chats[0].id, lands.xiaoxiang);
        }
      }

      // zhihang: ann opens the pair's chat and sends.
      const opened = await at(0).api.post('/api/chats', { members: [cat.ids.zhihang] }, { token: ann.tokens.zhihang });
      assert.equal(opened.status, 200, opened.text);
      privateChat = opened.body.data.id;
      said.push('1 from ann through zhihang');
      senders.push(ann);
      assert.equal((await at(1).api.post(`/api/chats/${privateChat}/messages`, { type: 'text', content: said[0] }, { token: ann.tokens.zhihang })).status, 200);
      const first = await receivedEverywhere(catSockets, ann, said[0]!);
      const lands: Landing = { zhihang: privateChat, flutter: first.flutter.data.conversation_id, xiaoxiang: first.xiaoxiang.data.chatId };
      await catsPhone.next((f: C8Frame) => f.type === 'new_message' && f.data.content === said[0]);
      await listsShowLatest(lands);

      // flutter: cat's private conversation with ann is that chat.
      const conv = await at(0).api.post('/flutter/v1/conversations', { type: 'private', target_id: ann.ids.flutter }, { token: cat.tokens.flutter });
      assert.equal(conv.status, 201, conv.text);
      flutterConversation = conv.body.conversation_id;
      assert.deepEqual([flutterConversation, conv.body.type, conv.body.target_id], [lands.flutter, 'private', ann.ids.flutter]);
      said.push('2 from cat through flutter');
      senders.push(cat);
      const sentF = await at(1).api.post(`/flutter/v1/conversations/${flutterConversation}/messages`, { type: 'text', content: said[1] }, { token: cat.tokens.flutter });
      assert.equal(sentF.status, 201, sentF.text);
      await receivedEverywhere(annSockets, cat, said[1]!, { lands });
      await listsShowLatest(lands);

      // chat8: ann to cat by receiver_id.
      said.push('3 from ann through chat8');
      senders.push(ann);
      const sent8 = await at(0).api.post('/api/v1/messages', { receiver_id: cat.ids.chat8, content: said[2] }, { token: ann.tokens.chat8 });
      assert.equal(sent8.status, 200, sent8.text);
      await receivedEverywhere(catSockets, ann, said[2]!, { lands });
      await catsPhone.next((f: C8Frame) => f.type === 'new_message' && f.data.content === said[2]);
      await listsShowLatest(lands);

      // lite: cat to ann by receiver_id; the frame's data is the lite message as sent.
      said.push('4 from cat through lite');
      senders.push(cat);
      const sentL = await at(1).api.post('/lite/api/v1/chat/message', { type: 'text', content: said[3], receiver_id: ann.ids.lite }, { token: cat.tokens.lite });
      assert.equal(sentL.status, 200, sentL.text);
      const viaLite = await receivedEverywhere(annSockets, cat, said[3]!, { lands });
      assert.deepEqual(viaLite.lite.data, sentL.body.data);
      await listsShowLatest(lands);

      // xiaoxiang: ann's private chat with cat is the same one again.
      const chat = await at(0).api.post('/xiaoxiang/v1/chats', { type: 'private', participantIds: [cat.ids.xiaoxiang] }, { token: ann.tokens.xiaoxiang });
      assert.ok([200, 201].includes(chat.status), chat.text);
      const xChat = chat.body.data.id as string;
      assert.equal(xChat, lands.xiaoxiang);
      said.push('5 from ann through xiaoxiang');
      senders.push(ann);
      const sentX = await at(1).api.post('/xiaoxiang/v1/messages', { chatId: xChat, type: 'text', content: said[4] }, { token: ann.tokens.xiaoxiang });
      assert.ok([200, 201].includes(sentX.status), sentX.text);
      await receivedEverywhere(catSockets, ann, said[4]!, { lands });
      await catsPhone.next((f: C8Frame) => f.type === 'new_message' && f.data.content === said[4]);
      await listsShowLatest(lands);

      // chat8 again, flagged as end-to-end encrypted: chat8 receivers see the flag, the others the message.
      said.push('6 from cat through chat8, encrypted');
      senders.push(cat);
      const sentE = await at(0).api.post('/api/v1/messages', { receiver_id: ann.ids.chat8, content: said[5], is_encrypted: true }, { token: cat.tokens.chat8 });
      assert.equal(sentE.status, 200, sentE.text);
      await receivedEverywhere(annSockets, cat, said[5]!, { lands, encrypted: true });
      await listsShowLatest(lands);

      // xiaoxiang's socket sends too: ann's frame lands in the same conversation, everywhere.
      said.push('7 from ann over the xiaoxiang socket');
      senders.push(ann);
      const answered = await annSockets.xiaoxiang.request('message', 'new_message', { chatId: xChat, type: 'text', content: said[6] });
      assert.equal(answered.data.content, said[6], JSON.stringify(answered));
      await receivedEverywhere(catSockets, ann, said[6]!, { lands });
      await listsShowLatest(lands);

      // Every profile's history of the pair: the same messages in the same order, each from its sender.
      const oldestFirst = said.map((content, i) => ({ content, from: senders[i]! }));
      const newestFirst = [...oldestFirst].reverse();
      const z = await at(0).api.get(`/api/chats/${privateChat}/messages`, { token: cat.tokens.zhihang });
      const c8 = await at(1).api.get(`/api/v1/messages/${ann.ids.chat8}`, { token: cat.tokens.chat8 });
      const fl = await at(0).api.get(`/flutter/v1/conversations/${flutterConversation}/messages`, { token: ann.tokens.flutter });
      const li = await at(1).api.get(`/lite/api/v1/chat/messages?receiver_id=${cat.ids.lite}`, { token: ann.tokens.lite });
      const xi = await at(0).api.get(`/xiaoxiang/v1/messages?chatId=${xChat}`, { token: cat.tokens.xiaoxiang });
      const seen = (list: Record<string, unknown>[], sender: string) => list.map((m) => ({ content: m.content, sender: m[sender] }));
      const expect = (order: typeof oldestFirst, profile: ProfileName) => order.map((m) => ({ content: m.content, sender: m.from.ids[profile] }));
      assert.deepEqual(seen(z.body.data.messages, 'sender_id'), expect(newestFirst, 'zhihang'), 'zhihang');
      assert.deepEqual(seen(c8.body.data.messages, 'sender_id'), expect(newestFirst, 'chat8'), 'chat8');
      assert.deepEqual(seen(fl.body.messages, 'sender_id'), expect(newestFirst, 'flutter'), 'flutter');
      assert.deepEqual(seen(li.body.data.messages, 'sender_id'), expect(newestFirst, 'lite'), 'lite');
      assert.deepEqual(seen(xi.body.data.messages, 'senderId'), expect(newestFirst, 'xiaoxiang'), 'xiaoxiang');
      // Each names the other side by its own profile's id.
      for (const m of c8.body.data.messages) assert.deepEqual([m.sender_id, m.receiver_id].sort(), [ann.ids.chat8, cat.ids.chat8].sort());
      for (const m of li.body.data.messages) assert.deepEqual([m.sender_id, m.receiver_id].sort(), [ann.ids.lite, cat.ids.lite].sort());
      assert.deepEqual(c8.body.data.messages.map((m: { is_encrypted: boolean }) => m.is_encrypted), said.map((m) => m === said[5]).reverse());

      // zhihang's chat names its members by zhihang ids.
      const zChat = await at(1).api.get(`/api/chats/${privateChat}`, { token: cat.tokens.zhihang });
      assert.equal(zChat.status, 200, zChat.text);
      assert.equal(zChat.body.data.type, 'private');
      assert.deepEqual(zChat.body.data.members.map((m: { id: number }) => m.id).sort(), [ann.ids.zhihang, cat.ids.zhihang].sort());
    });

    it('whichever API starts a pair’s conversation, it is the one private conversation every profile shows (5)', async () => {
      /** The first message between two people who have none yet, through each API's own way of addressing a person. */
      const starts: [ProfileName, Person, Person, (text: string) => Promise<{ status: number; text: string }>][] = [
        ['chat8', bob, dan, (text) => at(0).api.post('/api/v1/messages', { receiver_id: dan.ids.chat8, content: text }, { token: bob.tokens.chat8 })],
        ['lite', dan, cat, (text) => at(1).api.post('/lite/api/v1/chat/message', { type: 'text', content: text, receiver_id: cat.ids.lite }, { token: dan.tokens.lite })],
        ['flutter', cat, bob, async (text) => {
          const conv = await at(0).api.post('/flutter/v1/conversations', { type: 'private', target_id: bob.ids.flutter }, { token: cat.tokens.flutter });
          assert.equal(conv.status, 201, conv.text);
          return at(1).api.post(`/flutter/v1/conversations/${conv.body.conversation_id}/messages`, { type: 'text', content: text }, { token: cat.tokens.flutter });
        }],
        ['xiaoxiang', ann, bob, async (text) => {
          const chat = await at(1).api.post('/xiaoxiang/v1/chats', { type: 'private', participantIds: [bob.ids.xiaoxiang] }, { token: ann.tokens.xiaoxiang });
          assert.ok([200, 201].includes(chat.status), chat.text);
          return at(0).api.post('/xiaoxiang/v1/messages', { chatId: chat.body.data.id, type: 'text', content: text }, { token: ann.tokens.xiaoxiang });
        }],
      ];
      for (const [via, from, to, send] of starts) {
        const first = `first words between ${from.label} and ${to.label}, through ${via}`;
        const sent = await send(first);
        assert.ok([200, 201].includes(sent.status), `${via}: ${sent.text}`);
        // The answer comes back through zhihang, into the same conversation.
        const zChats = await at(1).api.get('/api/chats', { token: to.tokens.zhihang });
        const zPair = zChats.body.data.chats.filter((c: { type: string; peer_id: number }) => c.type === 'private' && c.peer_id === from.ids.zhihang);
        assert.equal(zPair.length, 1, `${via}: one zhihang chat`);
        const reply = `reply from ${to.label} through zhihang`;
        assert.equal((await at(0).api.post(`/api/chats/${zPair[0].id}/messages`, { type: 'text', content: reply }, { token: to.tokens.zhihang })).status, 200);

        const both = [reply, first];
        const fConvs = await at(0).api.get('/flutter/v1/conversations?type=private', { token: from.tokens.flutter });
        const fPair = fConvs.body.conversations.filter((c: { target_id: string }) => c.target_id === to.ids.flutter);
        assert.equal(fPair.length, 1, `${via}: one flutter conversation`);
        assert.equal(fPair[0].last_message.content, reply);
        const xChats = await at(1).api.get('/xiaoxiang/v1/chats?type=private', { token: from.tokens.xiaoxiang });
        const xPair = xChats.body.data.chats.filter((c: { participants: { id: string }[] }) => c.participants.some((p) => p.id === to.ids.xiaoxiang));
        assert.equal(xPair.length, 1, `${via}: one xiaoxiang chat`);
        assert.equal(xPair[0].lastMessage.content, reply);
        const histories = {
          zhihang: (await at(0).api.get(`/api/chats/${zPair[0].id}/messages`, { token: from.tokens.zhihang })).body.data.messages,
          chat8: (await at(1).api.get(`/api/v1/messages/${to.ids.chat8}`, { token: from.tokens.chat8 })).body.data.messages,
          flutter: (await at(0).api.get(`/flutter/v1/conversations/${fPair[0].conversation_id}/messages`, { token: from.tokens.flutter })).body.messages,
          lite: (await at(1).api.get(`/lite/api/v1/chat/messages?receiver_id=${to.ids.lite}`, { token: from.tokens.lite })).body.data.messages,
          xiaoxiang: (await at(0).api.get(`/xiaoxiang/v1/messages?chatId=${xPair[0].id}`, { token: from.tokens.xiaoxiang })).body.data.messages,
        };
        for (const [name, list] of Object.entries(histories)) assert.deepEqual(list.map((m: { content: string }) => m.content), both, `${via}, ${name} history`);
      }
    });

    it('groups are shared: a zhihang group is a flutter group conversation and a lite group its members send to; chat8 never sees it (6, 7, 8)', async () => {
      const danSockets = await socketsOf(dan, 0);
      const created = await at(1).api.post('/api/chats', { type: 'group', name: 'Launch', members: [cat.ids.zhihang, dan.ids.zhihang, bob.ids.zhihang] }, { token: ann.tokens.zhihang });
      assert.equal(created.status, 200, created.text);
      const groupChat = created.body.data.id;
      const first = 'group: hello from ann through zhihang';
      assert.equal((await at(0).api.post(`/api/chats/${groupChat}/messages`, { type: 'text', content: first }, { token: ann.tokens.zhihang })).status, 200);
      const toCat = await receivedEverywhere(catSockets, ann, first, { group: true });
      const toDan = await receivedEverywhere(danSockets, ann, first, { group: true });
      assert.equal(toCat.zhihang.data.chat_id, groupChat);

      // flutter: a group conversation whose target is the group, the one its frames name.
      const convs = await at(1).api.get('/flutter/v1/conversations?type=group', { token: cat.tokens.flutter });
      const g = convs.body.conversations.find((c: { target_name: string }) => c.target_name === 'Launch');
      assert.equal(g.type, 'group');
      assert.equal(g.conversation_id, toCat.flutter.data.conversation_id);
      assert.equal(g.last_message.content, first);
      assert.equal(g.last_message.sender_id, ann.ids.flutter);
      assert.equal(g.last_message.sender_name, 'Ann');
      // xiaoxiang: a group chat of the four, the one its frames name.
      const xChats = await at(0).api.get('/xiaoxiang/v1/chats?type=group', { token: dan.tokens.xiaoxiang });
      const xg = xChats.body.data.chats.find((c: { name: string }) => c.name === 'Launch');
      assert.equal(xg.type, 'group');
      assert.equal(xg.id, toDan.xiaoxiang.data.chatId);
      assert.equal(xg.lastMessage.content, first);
      assert.deepEqual(xg.participants.map((p: { id: string }) => p.id).sort(), [ann, bob, cat, dan].map((p) => p.ids.xiaoxiang).sort());

      // lite: the group id the frames carry is the one its members send to and list with.
      const groupId = toDan.lite.data.group_id;
      assert.equal(typeof groupId, 'string');
      assert.equal(toCat.lite.data.group_id, groupId);
      const heard = await at(0).api.get(`/lite/api/v1/chat/messages?group_id=${groupId}`, { token: dan.tokens.lite });
      assert.equal(heard.status, 200, heard.text);
      assert.deepEqual(heard.body.data.messages.map((m: { group_id: string; content: string }) => [m.group_id, m.content]), [[groupId, first]]);
      const second = 'group: dan through lite';
      const sent = await at(1).api.post('/lite/api/v1/chat/message', { type: 'text', content: second, group_id: groupId }, { token: dan.tokens.lite });
      assert.equal(sent.status, 200, sent.text);
      const toAnn = await receivedEverywhere(annSockets, dan, second, { group: true });
      assert.deepEqual(toAnn.lite.data, sent.body.data);
      assert.equal(toAnn.lite.data.group_id, groupId);
      assert.equal(toAnn.flutter.data.conversation_id, g.conversation_id);
      assert.equal(toAnn.xiaoxiang.data.chatId, xg.id);
      assert.equal(toAnn.zhihang.data.chat_id, groupChat);
      await receivedEverywhere(catSockets, dan, second, { group: true });
      const listed = await at(0).api.get(`/lite/api/v1/chat/messages?group_id=${groupId}`, { token: cat.tokens.lite });
      assert.deepEqual(listed.body.data.messages.map((m: { content: string; sender_id: string }) => [m.content, m.sender_id]), [[second, dan.ids.lite], [first, ann.ids.lite]]);

      // chat8: bob is in the group, but chat8 holds only private messages.
      for (const other of [ann, dan]) {
        const bobsView = await at(1).api.get(`/api/v1/messages/${other.ids.chat8}`, { token: bob.tokens.chat8 });
        assert.equal(bobsView.status, 200, bobsView.text);
        assert.deepEqual(bobsView.body.data.messages.map((m: { content: string }) => m.content), [`reply from ${other === ann ? 'bob' : 'dan'} through zhihang`, `first words between ${other === ann ? 'ann and bob, through xiaoxiang' : 'bob and dan, through chat8'}`]);
      }
      for (const chat8 of [catSockets.chat8, danSockets.chat8, annSockets.chat8]) await chat8.none((f) => String(f.data?.content).startsWith('group:'));
      // Nor can a chat8 client act on a group's message by its id: it is not found there.
      for (const [method, path] of [['PUT', `/api/v1/messages/${toAnn.zhihang.data.id}/read`], ['DELETE', `/api/v1/messages/${toAnn.zhihang.data.id}`]] as const) {
        const refused = await at(0).api.request(method, path, { token: bob.tokens.chat8 });
        assert.equal(refused.status, 404, `${method} ${path}: ${refused.text}`);
        assert.ok(refused.text.includes('"MESSAGE_001"'), refused.text);
      }
      const stillThere = await at(0).api.get(`/lite/api/v1/chat/messages?group_id=${groupId}`, { token: cat.tokens.lite });
      assert.equal(stillThere.body.data.messages[0].content, second);
      const catsView = await at(0).api.get(`/api/v1/messages/${ann.ids.chat8}`, { token: cat.tokens.chat8 });
      assert.ok(catsView.body.data.messages.every((m: { content: string }) => !m.content.startsWith('group:')));
      assert.equal(catsView.body.data.messages.length, said.length);

      // Members send into the group through flutter and xiaoxiang too: every member's sockets get
      // each message in their own shapes, and the group's history holds all four in order.
      const third = 'group: cat through flutter';
      const viaFlutter = await at(1).api.post(`/flutter/v1/conversations/${g.conversation_id}/messages`, { type: 'text', content: third }, { token: cat.tokens.flutter });
      assert.equal(viaFlutter.status, 201, viaFlutter.text);
      await receivedEverywhere(annSockets, cat, third, { group: true });
      await receivedEverywhere(danSockets, cat, third, { group: true });
      const fourth = 'group: dan through xiaoxiang';
      const viaXiaoxiang = await at(0).api.post('/xiaoxiang/v1/messages', { chatId: xg.id, type: 'text', content: fourth }, { token: dan.tokens.xiaoxiang });
      assert.equal(viaXiaoxiang.status, 201, viaXiaoxiang.text);
      await receivedEverywhere(annSockets, dan, fourth, { group: true });
      await receivedEverywhere(catSockets, dan, fourth, { group: true });
      const history = await at(1).api.get(`/api/chats/${groupChat}/messages`, { token: bob.tokens.zhihang });
      assert.deepEqual(
        history.body.data.messages.filter((m: { content: string }) => m.content.startsWith('group:')).map((m: { content: string; sender_id: number }) => [m.content, m.sender_id]),
        [[fourth, dan.ids.zhihang], [third, cat.ids.zhihang], [second, dan.ids.zhihang], [first, ann.ids.zhihang]],
      );
      for (const chat8 of [catSockets.chat8, danSockets.chat8, annSockets.chat8]) await chat8.none((f) => String(f.data?.content).startsWith('group:'));
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
      /** ann as each profile shows her: the nickname where a profile has one, and the avatar in all five. */
      const annEverywhere = async () => {
        const [z, c8, fl, xx, li] = await Promise.all([
          at(0).api.get('/api/users/me', { token: ann.tokens.zhihang }),
          at(1).api.get('/api/v1/user/profile', { token: ann.tokens.chat8 }),
          at(0).api.get('/flutter/v1/user/me', { token: ann.tokens.flutter }),
          at(1).api.get('/xiaoxiang/v1/users/me', { token: ann.tokens.xiaoxiang }),
          at(0).api.get('/lite/api/v1/user/profile', { token: ann.tokens.lite }),
        ]);
        return {
          nickname: { zhihang: z.body.data.nickname, flutter: fl.body.nickname, xiaoxiang: xx.body.data.name },
          avatar: { zhihang: z.body.data.avatar, chat8: c8.body.data.avatar, flutter: fl.body.avatar, xiaoxiang: xx.body.data.avatar, lite: li.body.data.avatar },
        };
      };
      const nicknameEverywhere = (name: string) => ({ zhihang: name, flutter: name, xiaoxiang: name });
      const avatarEverywhere = (url: string) => ({ zhihang: url, chat8: url, flutter: url, xiaoxiang: url, lite: url });
      const before = await annEverywhere();
      assert.deepEqual(before.nickname, nicknameEverywhere('Ann'));
      // No avatar yet: each profile says so its own way (null in chat8 and flutter, '' in the others).
      for (const [name, url] of Object.entries(before.avatar)) assert.ok(url === null || url === '', `${name}: ${url}`);

      // A nickname changed through flutter, xiaoxiang or zhihang.
      assert.equal((await patch(at(0).api, '/flutter/v1/user/me', { nickname: 'Annie' }, { token: ann.tokens.flutter })).status, 200);
      assert.deepEqual((await annEverywhere()).nickname, nicknameEverywhere('Annie'));
      assert.equal((await at(1).api.put('/xiaoxiang/v1/users/me', { name: 'Ann X' }, { token: ann.tokens.xiaoxiang })).status, 200);
      assert.deepEqual((await annEverywhere()).nickname, nicknameEverywhere('Ann X'));
      assert.equal((await at(0).api.put('/api/users/me', { nickname: 'Ann Z' }, { token: ann.tokens.zhihang })).status, 200);
      assert.deepEqual((await annEverywhere()).nickname, nicknameEverywhere('Ann Z'));

      // An absolute avatar URL set through zhihang, chat8, xiaoxiang or lite: the same URL everywhere, unchanged.
      const setters: [string, (url: string) => Promise<{ status: number; text: string }>][] = [
        ['zhihang', (url) => at(1).api.put('/api/users/me', { avatar: url }, { token: ann.tokens.zhihang })],
        ['chat8', (url) => at(0).api.put('/api/v1/user/profile', { avatar: url }, { token: ann.tokens.chat8 })],
        ['xiaoxiang', (url) => at(1).api.put('/xiaoxiang/v1/users/me', { avatar: url }, { token: ann.tokens.xiaoxiang })],
        ['flutter', (url) => patch(at(0).api, '/flutter/v1/user/me', { avatar: url }, { token: ann.tokens.flutter })],
        ['lite', (url) => at(0).api.put('/lite/api/v1/user/profile', { avatar: url }, { token: ann.tokens.lite })],
      ];
      for (const [name, set] of setters) {
        const url = `https://cdn.example.com/avatars/ann-by-${name}.png?v=2&size=128`;
        const res = await set(url);
        assert.equal(res.status, 200, `${name}: ${res.text}`);
        assert.deepEqual((await annEverywhere()).avatar, avatarEverywhere(url), `set through ${name}`);
      }
      // An image flutter's document sends inline becomes a link that every profile shows alike.
      const inline = await patch(at(1).api, '/flutter/v1/user/me', { avatar: `base64:${pngBase64}` }, { token: ann.tokens.flutter });
      assert.equal(inline.status, 200, inline.text);
      assert.match(inline.body.avatar, /^https?:\/\//);
      assert.deepEqual((await annEverywhere()).avatar, avatarEverywhere(inline.body.avatar));
      const avatar = 'https://cdn.example.com/avatars/ann-by-lite.png?v=2&size=128';
      assert.equal((await at(0).api.put('/lite/api/v1/user/profile', { avatar }, { token: ann.tokens.lite })).status, 200);
      assert.deepEqual((await annEverywhere()).nickname, nicknameEverywhere('Ann Z'), 'an avatar change keeps the nickname');

      // Others see the same: cat's searches in flutter and xiaoxiang.
      const seenInFlutter = await at(1).api.get(`/flutter/v1/users/search?query=${encodeURIComponent(ann.username)}`, { token: cat.tokens.flutter });
      const fu = seenInFlutter.body.users.find((u: { user_id: string }) => u.user_id === ann.ids.flutter);
      assert.deepEqual([fu.nickname, fu.avatar], ['Ann Z', avatar]);
      const seenInXx = await at(0).api.get(`/xiaoxiang/v1/users/search?q=${encodeURIComponent(ann.email)}`, { token: cat.tokens.xiaoxiang });
      const xu = seenInXx.body.data.users.find((u: { id: string }) => u.id === ann.ids.xiaoxiang);
      assert.deepEqual([xu.name, xu.avatar], ['Ann Z', avatar]);

      // xiaoxiang's GET /users/me answers the user object in `data`, as its login's `user` has it.
      const login = await at(1).api.post('/xiaoxiang/v1/auth/login', { email: ann.email, password: ann.password, deviceId: 'ann-tablet' });
      assert.equal(login.status, 200, login.text);
      const me = await at(0).api.get('/xiaoxiang/v1/users/me', { token: login.body.data.accessToken });
      assert.equal(me.body.success, true);
      assert.deepEqual(me.body.data, login.body.data.user);
      for (const key of ['id', 'email', 'name', 'avatar', 'department', 'position', 'permissions']) assert.ok(key in me.body.data, `users/me has ${key}`);
      assert.deepEqual([me.body.data.id, me.body.data.email, me.body.data.name, me.body.data.avatar], [ann.ids.xiaoxiang, ann.email, 'Ann Z', avatar]);
    });

    it('every login is its own session: a logout through one API ends only that login, and the account logs in again (11)', async () => {
      // cat's second login in each profile that can log out, each with a socket on the other node.
      const second = {
        zhihang: await login.zhihang(cat, at(1)),
        chat8: await login.chat8(cat, at(0)),
        xiaoxiang: await login.xiaoxiang({ ...cat, deviceId: `${cat.deviceId}-2` }, at(1)),
      };
      const secondSockets = {
        zhihang: await WsClient.connect(at(0).url, second.zhihang.token),
        chat8: await Chat8Socket.open(at(1).url, { id: cat.ids.chat8 as number, token: second.chat8.token }),
        xiaoxiang: await XxSocket.open(at(0).url, { token: second.xiaoxiang.token, deviceId: `${cat.deviceId}-2` }),
      };
      sockets.push(...Object.values(secondSockets));
      const open: Pick<Sockets, 'flutter' | 'lite'> & Partial<Sockets> = { ...catSockets };
      let k = 0;
      /** A message from ann reaches every socket of cat's still open; each token still answers. */
      const stillWorking = async (tokens: Partial<Record<ProfileName, string>>) => {
        const content = `after a logout, ${++k}`;
        assert.equal((await at(k).api.post(`/api/chats/${privateChat}/messages`, { type: 'text', content }, { token: ann.tokens.zhihang })).status, 200);
        if (open.zhihang) await open.zhihang.next((f: Frame) => f.type === 'message.new' && f.data.content === content);
        if (open.chat8) await open.chat8.next((f: C8Frame) => f.type === 'new_message' && f.data.content === content);
        await open.flutter.next((f: C8Frame) => f.type === 'new_message' && f.data.content === content);
        await open.lite.next((f: C8Frame) => f.type === 'message' && f.data.content === content);
        if (open.xiaoxiang) await open.xiaoxiang.next((f: XxFrame) => f.event === 'new_message' && f.data.content === content);
        await secondSockets.zhihang.next((f: Frame) => f.type === 'message.new' && f.data.content === content);
        await secondSockets.chat8.next((f: C8Frame) => f.type === 'new_message' && f.data.content === content);
        await secondSockets.xiaoxiang.next((f: XxFrame) => f.event === 'new_message' && f.data.content === content);
        const answers: Record<ProfileName, (token: string) => Promise<{ status: number }>> = {
          zhihang: (token) => at(k).api.get('/api/users/me', { token }),
          chat8: (token) => at(k + 1).api.get('/api/v1/user/profile', { token }),
          flutter: (token) => at(k).api.get('/flutter/v1/user/me', { token }),
          lite: (token) => at(k + 1).api.get('/lite/api/v1/user/profile', { token }),
          xiaoxiang: (token) => at(k).api.get('/xiaoxiang/v1/users/me', { token }),
        };
        for (const [name, token] of Object.entries(tokens) as [ProfileName, string][]) assert.equal((await answers[name](token)).status, 200, `${name} token`);
        for (const [name, { token }] of Object.entries(second) as [ProfileName, { token: string }][]) assert.equal((await answers[name](token)).status, 200, `second ${name} token`);
      };
      await stillWorking(cat.tokens);

      // chat8: that token and its socket end; every other login goes on.
      assert.equal((await at(0).api.post('/api/v1/auth/logout', {}, { token: cat.tokens.chat8 })).status, 200);
      assert.notEqual((await catSockets.chat8.closed).code, 1000);
      delete open.chat8;
      assert.equal((await at(1).api.get('/api/v1/user/profile', { token: cat.tokens.chat8 })).status, 401);
      await stillWorking({ zhihang: cat.tokens.zhihang, flutter: cat.tokens.flutter, lite: cat.tokens.lite, xiaoxiang: cat.tokens.xiaoxiang });

      // xiaoxiang: that device's session and socket end; the other device and the other profiles go on.
      assert.equal((await at(0).api.post('/xiaoxiang/v1/auth/logout', { deviceId: cat.deviceId }, { token: cat.tokens.xiaoxiang })).status, 200);
      await catSockets.xiaoxiang.closed;
      delete open.xiaoxiang;
      assert.equal((await at(1).api.get('/xiaoxiang/v1/users/me', { token: cat.tokens.xiaoxiang })).status, 401);
      await stillWorking({ zhihang: cat.tokens.zhihang, flutter: cat.tokens.flutter, lite: cat.tokens.lite });

      // zhihang: the same again.
      assert.equal((await at(1).api.post('/api/auth/logout', {}, { token: cat.tokens.zhihang })).status, 200);
      assert.notEqual((await catSockets.zhihang.closed).code, 1000);
      delete open.zhihang;
      assert.equal((await at(0).api.get('/api/users/me', { token: cat.tokens.zhihang })).status, 401);
      await stillWorking({ flutter: cat.tokens.flutter, lite: cat.tokens.lite });

      // Each logs in again, with the same id, and its new token and socket work.
      const again = { zhihang: await login.zhihang(cat, at(0)), chat8: await login.chat8(cat, at(1)), xiaoxiang: await login.xiaoxiang(cat, at(0)) };
      for (const [name, { id }] of Object.entries(again)) assert.equal(id, cat.ids[name as ProfileName], name);
      cat.tokens = { ...cat.tokens, zhihang: again.zhihang.token, chat8: again.chat8.token, xiaoxiang: again.xiaoxiang.token };
      open.zhihang = await WsClient.connect(at(1).url, again.zhihang.token);
      open.chat8 = await Chat8Socket.open(at(0).url, { id: cat.ids.chat8 as number, token: again.chat8.token });
      open.xiaoxiang = await XxSocket.open(at(1).url, { token: again.xiaoxiang.token, deviceId: cat.deviceId });
      sockets.push(open.zhihang, open.chat8, open.xiaoxiang);
      await stillWorking(cat.tokens);
    });
  });
}
