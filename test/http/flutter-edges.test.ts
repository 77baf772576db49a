import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { OAuth2Server } from 'oauth2-mock-server';
import sharp from 'sharp';
import * as S from '../../src/profiles/flutter/schemas.ts';
import { Api } from '../support/api.ts';
import type { Chat8Socket } from '../support/chat8.ts';
import { fits, flutterClient, flutterError, flutterSocket, flutterUpload, flutterUser, frameOk, pngBase64, shaped, type FlutterUser } from '../support/flutter.ts';
import { describeEachStore } from '../support/server.ts';

/**
 * Edges of the flutter document (002) and its decisions that flutter.test.ts leaves open: ids of
 * every form that name nothing (C2), search paging (C13), inline avatars of each image type and
 * URL avatars of groups (C12, C27), length limits, target names and list order (C17, C18), one
 * new_member per invited user (C34), calls to several sockets and to none (C35), media whose
 * metadata cannot be read (C25), and GitHub sign-in by verified email (C9).
 */

/** A tiny image (2×3) in a format sharp writes. */
const image = (format: 'jpeg' | 'gif' | 'webp' | 'tiff' | 'avif') => sharp({ create: { width: 2, height: 3, channels: 3, background: '#c03' } }).toFormat(format).toBuffer();

/** An ISO BMFF box. */
function box(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

/** An MP4 that is only its `ftyp` box: sniffed as video/mp4, with no size or playing time to read. */
const bareMp4 = box('ftyp', Buffer.concat([Buffer.from('isom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2mp41')]));
/** A FLAC signature followed by a broken stream-info block: audio/flac that cannot be parsed. */
const brokenFlac = Buffer.concat([Buffer.from('fLaC'), Buffer.alloc(40, 0)]);

/** Ids that name nothing, whatever their form (C2), around an id `known` that does name something. */
const unnamed = (known: string) => ['abc', '99999999999999999999', '0', '-1', '1e3', `0${known}`, `${known} `, `${known}x`, 'x'.repeat(300)];

/** Runs `check` for every id at once (the server answers each on its own); a failure names the id. */
const each = (bad: string[], check: (id: string) => Promise<void>) =>
  Promise.all(
    bad.map((id) =>
      check(id).catch((err: unknown) => {
        throw new Error(`with id ${JSON.stringify(id)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }),
    ),
  );

const ids = (items: { user_id?: string; conversation_id?: string }[]) => items.map((u) => u.user_id ?? u.conversation_id);

describeEachStore('flutter profile edges', (server) => {
  const base = () => `${server().url}/flutter`;
  const api = () => flutterClient(server().api);
  const flutterApi = () => new Api(`${server().url}/flutter`);
  const user = (extra: { nickname?: string; email?: string } = {}, prefix?: string) => flutterUser(flutterApi(), extra, prefix);
  const send = (u: FlutterUser, conv: string, body: unknown) => api().post(`/v1/conversations/${conv}/messages`, body, u.token);
  const privateWith = async (a: FlutterUser, b: FlutterUser) => {
    const res = await api().post('/v1/conversations', { type: 'private', target_id: b.id }, a.token);
    shaped(res, 201, S.CreatedConversation);
    return res.body.conversation_id as string;
  };
  const newGroup = async (owner: FlutterUser, members: FlutterUser[], name = 'Edge Team') => {
    const res = await api().post('/v1/conversations', { type: 'group', name, members: members.map((m) => m.id) }, owner.token);
    shaped(res, 201, S.CreatedConversation);
    return res.body as { conversation_id: string; target_id: string; created_at: string };
  };
  const enc = encodeURIComponent;

  it('ids of any form that name nothing answer 404, in bodies and in paths, and change nothing (C2)', async () => {
    const a = await user();
    const b = await user();
    const c = await user();
    const conv = await privateWith(a, b);
    const g = await newGroup(a, [b]);
    const gid = g.target_id;
    const first = await send(a, conv, { type: 'text', content: 'first' });
    assert.equal(first.status, 201, first.text);
    const elsewhere = await send(a, gid, { type: 'text', content: 'in the group' });
    assert.equal(elsewhere.status, 201, elsewhere.text);
    const png = await flutterUpload(base(), a.token, { type: 'image', file: { data: Buffer.from(pngBase64, 'base64'), name: 'p.png', type: 'image/png' } });
    assert.equal(png.status, 201, png.text);
    const call = await api().post('/v1/calls', { target_id: b.id, type: 'audio', offer_sdp: 'v=0' }, a.token);
    assert.equal(call.status, 201, call.text);
    const callId = call.body.call_id as string;

    // Ids in a body: user_ids of an invite, members of a new group, target_id of a call and of a
    // private conversation, a contact's user_id, and the content of a media message.
    await each(unnamed(c.id), async (bad) => {
      const what = JSON.stringify(bad);
      flutterError(await api().post(`/v1/groups/${gid}/members`, { user_ids: [bad] }, a.token), 404);
      // One unknown id among known ones: 404 and nobody is added (C28).
      flutterError(await api().post(`/v1/groups/${gid}/members`, { user_ids: [c.id, bad] }, a.token), 404);
      flutterError(await api().post('/v1/conversations', { type: 'group', name: `g ${what}`.slice(0, 60), members: [bad] }, a.token), 404);
      flutterError(await api().post('/v1/conversations', { type: 'group', name: 'mixed', members: [c.id, bad] }, a.token), 404);
      flutterError(await api().post('/v1/calls', { target_id: bad, type: 'video', offer_sdp: 'v=0' }, a.token), 404);
      flutterError(await api().post('/v1/conversations', { type: 'private', target_id: bad }, a.token), 404);
      flutterError(await api().post('/v1/contacts', { user_id: bad }, a.token), 404);
    });
    await each(unnamed(png.body.media_id as string), async (bad) => {
      flutterError(await send(a, conv, { type: 'image', content: bad }), 404);
      flutterError(await send(a, conv, { type: 'file', content: bad, caption: 'x' }), 404);
    });
    assert.equal((await api().get(`/v1/groups/${gid}`, a.token)).body.member_count, 2, 'no invite added anyone');
    assert.equal((await api().get('/v1/conversations', a.token)).body.total, 2, 'no group was created');
    assert.equal((await api().get('/v1/contacts', a.token)).body.total, 0, 'no contact was added');
    assert.equal((await api().get(`/v1/conversations/${conv}/messages`, a.token)).body.messages.length, 1, 'no media message was stored');

    // Ids in the path: contacts, groups, conversations, calls and media.
    assert.equal((await api().post('/v1/contacts', { user_id: b.id }, a.token)).status, 201);
    await each(unnamed(b.id), async (bad) => {
      flutterError(await api().patch(`/v1/contacts/${enc(bad)}`, { remark: 'x' }, a.token), 404);
      flutterError(await api().delete(`/v1/contacts/${enc(bad)}`, a.token), 404);
    });
    await each(unnamed(gid), async (bad) => {
      flutterError(await api().get(`/v1/groups/${enc(bad)}`, a.token), 404);
      flutterError(await api().get(`/v1/groups/${enc(bad)}/members`, a.token), 404);
      flutterError(await api().patch(`/v1/groups/${enc(bad)}`, { name: 'x' }, a.token), 404);
      flutterError(await api().post(`/v1/groups/${enc(bad)}/members`, { user_ids: [c.id] }, a.token), 404);
      flutterError(await api().get(`/v1/conversations/${enc(bad)}/messages`, a.token), 404);
      flutterError(await send(a, enc(bad), { type: 'text', content: 'hi' }), 404);
    });
    // A private conversation's id names no group.
    flutterError(await api().get(`/v1/groups/${conv}`, a.token), 404);
    flutterError(await api().get(`/v1/groups/${conv}/members`, a.token), 404);
    flutterError(await api().patch(`/v1/groups/${conv}`, { name: 'x' }, a.token), 404);
    flutterError(await api().post(`/v1/groups/${conv}/members`, { user_ids: [c.id] }, a.token), 404);
    await each(unnamed(callId), async (bad) => {
      flutterError(await api().post(`/v1/calls/${enc(bad)}/accept`, { answer_sdp: 'v=0' }, b.token), 404);
      flutterError(await api().post(`/v1/calls/${enc(bad)}/end`, {}, b.token), 404);
    });
    await each(unnamed(png.body.media_id as string), async (bad) => {
      flutterError(await api().get(`/v1/media/${enc(bad)}`, a.token), 404);
      flutterError(await api().get(`/v1/avatars/${enc(bad)}`), 404);
    });
    // Media is not an avatar: its id names no public file.
    flutterError(await api().get(`/v1/avatars/${png.body.media_id}`), 404);
    assert.equal((await api().get(`/v1/contacts`, a.token)).body.total, 1, 'the contact is still there');
    assert.equal((await api().get(`/v1/groups/${gid}`, a.token)).body.name, 'Edge Team');

    // History cursors: a message of another conversation, an unknown message, and any other form.
    await each([...unnamed(first.body.message_id as string), elsewhere.body.message_id as string, '987654321'], async (bad) => {
      flutterError(await api().get(`/v1/conversations/${conv}/messages?before=${enc(bad)}`, a.token), 404);
      flutterError(await api().get(`/v1/conversations/${conv}/messages?after=${enc(bad)}`, a.token), 404);
      flutterError(await api().get(`/v1/conversations/${conv}/messages?before=${first.body.message_id}&after=${enc(bad)}`, a.token), 404);
    });
    assert.equal((await api().get(`/v1/conversations/${conv}/messages?before=${first.body.message_id}`, a.token)).body.messages.length, 0);

    // message_read over the socket: an error frame 404, and the read position does not move.
    const wb = await flutterSocket(base(), b.token);
    for (const bad of ['abc', '99999999999999999999', `0${first.body.message_id}`, elsewhere.body.message_id as string]) {
      wb.send({ type: 'message_read', data: { conversation_id: conv, message_id: bad } });
      const err = await wb.next('error');
      frameOk(err, 'error');
      assert.equal(err.data.code, 404, JSON.stringify(err));
    }
    for (const bad of ['abc', '99999999999999999999', `0${conv}`]) {
      wb.send({ type: 'message_read', data: { conversation_id: bad, message_id: first.body.message_id } });
      assert.equal((await wb.next('error')).data.code, 404);
    }
    const listed = (await api().get('/v1/conversations?type=private', b.token)).body.conversations[0];
    assert.equal(listed.unread_count, 1);
    await wb.close();
    assert.equal((await api().post(`/v1/calls/${callId}/end`, {}, a.token)).status, 200);
  });

  it('user search: nickname prefixes, total of all matches, offset paging and a default limit of 20 (C13)', async () => {
    const searcher = await user();
    const tag = `Nk${process.pid}${server().kind[0]}`;
    const made = (await Promise.all(Array.from({ length: 23 }, (_, i) => user({ nickname: `${tag} person ${i}` }, 'srch')))).map((u) => u.id);
    // Neither of these matches: the query is inside the nickname but not at its start, or only a prefix of an email.
    await user({ nickname: `The ${tag}` }, 'srch');
    await user({ email: `${tag.toLowerCase()}mail@example.com` }, 'srch');

    const all = await api().get(`/v1/users/search?query=${tag}`, searcher.token);
    assert.equal(all.status, 200, all.text);
    assert.equal(all.body.total, 23);
    assert.equal(all.body.users.length, 20, 'the default limit is 20');
    for (const u of all.body.users) assert.ok(fits(S.FoundUser, u), JSON.stringify(u));
    assert.ok(all.body.users.every((u: { nickname: string }) => u.nickname.startsWith(tag)));

    const rest = await api().get(`/v1/users/search?query=${tag}&offset=20`, searcher.token);
    assert.equal(rest.body.total, 23);
    assert.equal(rest.body.users.length, 3);
    const both = [...ids(all.body.users), ...ids(rest.body.users)];
    assert.equal(new Set(both).size, 23, 'the pages do not overlap');
    assert.deepEqual([...both].sort(), [...made].sort());

    const middle = await api().get(`/v1/users/search?query=${tag}&offset=10&limit=5`, searcher.token);
    assert.equal(middle.body.total, 23);
    assert.deepEqual(ids(middle.body.users), ids(all.body.users).slice(10, 15));
    const past = await api().get(`/v1/users/search?query=${tag}&offset=40`, searcher.token);
    assert.deepEqual([past.body.total, past.body.users], [23, []]);

    // A longer prefix narrows the matches; the total follows.
    const narrow = await api().get(`/v1/users/search?query=${enc(`${tag} person 1`)}`, searcher.token);
    assert.equal(narrow.body.total, 11, 'person 1 and person 10–19');
    const byEmailPrefix = await api().get(`/v1/users/search?query=${enc(`${tag.toLowerCase()}mail@example`)}`, searcher.token);
    assert.deepEqual([byEmailPrefix.body.total, byEmailPrefix.body.users], [0, []]);
    const byEmail = await api().get(`/v1/users/search?query=${enc(`${tag.toLowerCase()}mail@example.com`)}`, searcher.token);
    assert.equal(byEmail.body.total, 1);
  });

  it('group avatars: URLs kept, inline JPEG, GIF and WebP stored and public, non-images and other image types refused (C12, C27)', async () => {
    const owner = await user();
    const m = await user();
    const gid = (await newGroup(owner, [m])).target_id;
    const avatarOf = async () => (await api().get(`/v1/groups/${gid}`, m.token)).body.avatar as string | null;

    for (const url of ['https://cdn.example.com/groups/team.png', 'http://example.com/g.jpg']) {
      const res = await api().patch(`/v1/groups/${gid}`, { avatar: url }, owner.token);
      shaped(res, 200, S.UpdatedGroup);
      assert.equal(res.body.avatar, url);
      assert.equal(await avatarOf(), url);
    }
    const kept = 'http://example.com/g.jpg';

    for (const format of ['jpeg', 'gif', 'webp'] as const) {
      const bytes = await image(format);
      const res = await api().patch(`/v1/groups/${gid}`, { avatar: `base64:${bytes.toString('base64')}` }, owner.token);
      shaped(res, 200, S.UpdatedGroup);
      assert.match(res.body.avatar, /^http:\/\/127\.0\.0\.1:\d+\/flutter\/v1\/avatars\//, format);
      assert.equal(await avatarOf(), res.body.avatar);
      // Served to anyone, without a token: the exact bytes.
      const got = await fetch(res.body.avatar);
      assert.equal(got.status, 200, format);
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes, format);
    }
    assert.equal((await api().patch(`/v1/groups/${gid}`, { avatar: kept }, owner.token)).status, 200);

    // Bytes that decode but are no image, and images of a type outside PNG, JPEG, GIF and WebP:
    // 400, and nothing of the PATCH is applied (C4).
    const refused: [string, Buffer][] = [
      ['text', Buffer.from('this decodes fine but is plain text')],
      ['bytes', Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])],
      ['tiff', await image('tiff')],
      ['avif', await image('avif')],
      ['svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>')],
    ];
    for (const [what, bytes] of refused) {
      const res = await api().patch(`/v1/groups/${gid}`, { name: 'Renamed', announcement: 'changed', avatar: `base64:${bytes.toString('base64')}` }, owner.token);
      flutterError(res, 400);
      assert.ok(!res.text.includes('/avatars/'), what);
    }
    const after = (await api().get(`/v1/groups/${gid}`, owner.token)).body;
    assert.deepEqual([after.name, after.announcement, after.avatar], ['Edge Team', null, kept]);
  });

  it('length limits: username over 32 or with other characters, password over 128, group name over 64 answer 400 (C6, C27)', async () => {
    const tag = `l${process.pid}${server().kind[0]}`;
    const register = (body: unknown) => api().post('/v1/auth/register', body);
    for (const username of [`${tag}_${'u'.repeat(33)}`.slice(0, 33), `${tag} space`, `${tag}@at`, `${tag}/slash`, `${tag}😀`, `${tag};x`]) {
      const res = await register({ username, password: 'password-12' });
      flutterError(res, 400);
      assert.match(res.body.details, /username/, username);
    }
    const long = await register({ username: `${tag}pw`, password: 'p'.repeat(129) });
    flutterError(long, 400);
    assert.match(long.body.details, /password/);
    // At the limits: 32 characters of letters, digits, ., _ and -; a 128-character password.
    const edge = `${tag}.a_b-`.padEnd(32, 'z');
    assert.equal(edge.length, 32);
    const ok = await register({ username: edge, password: 'p'.repeat(128) });
    shaped(ok, 201, S.RegisterData);
    assert.equal((await api().post('/v1/auth/login', { username: edge, password: 'p'.repeat(128) })).status, 200);
    for (const name of [`${tag}pw`, `${tag}_${'u'.repeat(33)}`.slice(0, 33)]) {
      flutterError(await api().post('/v1/auth/login', { username: name, password: 'p'.repeat(128) }), [400, 401]);
    }

    const owner = await user();
    const m = await user();
    const tooLong = await api().post('/v1/conversations', { type: 'group', name: 'n'.repeat(65), members: [m.id] }, owner.token);
    flutterError(tooLong, 400);
    assert.match(tooLong.body.details, /name/);
    assert.equal((await api().get('/v1/conversations', owner.token)).body.total, 0);
    const g = await newGroup(owner, [m], 'n'.repeat(64));
    const renamed = await api().patch(`/v1/groups/${g.target_id}`, { name: 'r'.repeat(65), announcement: 'kept out' }, owner.token);
    flutterError(renamed, 400);
    assert.match(renamed.body.details, /name/);
    const now = (await api().get(`/v1/groups/${g.target_id}`, owner.token)).body;
    assert.deepEqual([now.name, now.announcement], ['n'.repeat(64), null]);
  });

  it('target_name falls back to the username; conversations without messages by creation, newest first; type=all is no filter (C17, C18)', async () => {
    const a = await user({ nickname: 'Ann' });
    const plain = await user();
    const c = await user({ nickname: 'Cy' });
    const created = await api().post('/v1/conversations', { type: 'private', target_id: plain.id }, a.token);
    shaped(created, 201, S.CreatedConversation);
    assert.equal(created.body.target_name, plain.username, 'no nickname: the username');
    const p1 = created.body.conversation_id as string;
    // The creator named among the members, and a member named twice: one owner, the others members once (C17, C26).
    const gRes = await api().post('/v1/conversations', { type: 'group', name: 'Middle', members: [a.id, plain.id, c.id, plain.id] }, a.token);
    shaped(gRes, 201, S.CreatedConversation);
    const g = gRes.body as { conversation_id: string; target_id: string };
    assert.deepEqual([g.target_id, gRes.body.target_name], [g.conversation_id, 'Middle']);
    const roles = await api().get(`/v1/groups/${g.target_id}/members`, c.token);
    assert.equal(roles.body.total, 3);
    assert.deepEqual(
      roles.body.members.map((m: { user_id: string; role: string }) => [m.user_id, m.role]).sort(),
      [[a.id, 'owner'], [plain.id, 'member'], [c.id, 'member']].sort(),
    );
    assert.equal(roles.body.members[0].user_id, a.id, 'the owner first');
    const p2 = await privateWith(a, c);

    const list = await api().get('/v1/conversations', a.token);
    assert.equal(list.status, 200, list.text);
    for (const conv of list.body.conversations) assert.ok(fits(S.Conversation, conv), JSON.stringify(conv));
    assert.deepEqual(ids(list.body.conversations), [p2, g.conversation_id, p1]);
    assert.equal(list.body.total, 3);
    const byId = new Map<string, { target_name: string; target_id: string }>(list.body.conversations.map((x: { conversation_id: string }) => [x.conversation_id, x]));
    assert.equal(byId.get(p1)!.target_name, plain.username);
    assert.equal(byId.get(p1)!.target_id, plain.id);
    assert.equal(byId.get(p2)!.target_name, 'Cy');
    // Seen from the user without a nickname, the other side's nickname.
    const theirs = await api().get('/v1/conversations?type=private', plain.token);
    assert.deepEqual([theirs.body.conversations[0].conversation_id, theirs.body.conversations[0].target_name], [p1, 'Ann']);

    // type=all is the list without a filter.
    const all = await api().get('/v1/conversations?type=all', a.token);
    assert.deepEqual(all.body, list.body);
    const privates = await api().get('/v1/conversations?type=private', a.token);
    assert.deepEqual([privates.body.total, ids(privates.body.conversations)], [2, [p2, p1]]);
    const groups = await api().get('/v1/conversations?type=group', a.token);
    assert.deepEqual([groups.body.total, ids(groups.body.conversations)], [1, [g.conversation_id]]);
    const paged = await api().get('/v1/conversations?type=all&limit=1&offset=1', a.token);
    assert.deepEqual([paged.body.total, ids(paged.body.conversations)], [3, [g.conversation_id]]);

    // Opening the existing private conversation again is not activity: the order stays by creation.
    const reopened = await api().post('/v1/conversations', { type: 'private', target_id: a.id }, plain.token);
    assert.deepEqual([reopened.status, reopened.body.conversation_id, reopened.body.created_at], [201, p1, created.body.created_at]);
    assert.deepEqual(ids((await api().get('/v1/conversations', a.token)).body.conversations), [p2, g.conversation_id, p1]);
    // A message moves its conversation to the top.
    assert.equal((await send(plain, p1, { type: 'text', content: 'hello' })).status, 201);
    assert.deepEqual(ids((await api().get('/v1/conversations', a.token)).body.conversations), [p1, p2, g.conversation_id]);
  });

  it('an invite of several users sends one new_member per added user to every member, none for users already in (C28, C34)', async () => {
    const owner = await user({ nickname: 'Owen' });
    const old = await user({ nickname: 'Old' });
    const n1 = await user({ nickname: 'Nia' });
    const n2 = await user({ nickname: 'Ned' });
    const outsider = await user();
    const gid = (await newGroup(owner, [old])).target_id;
    const socks = await Promise.all([owner, old, n1, n2, outsider].map((u) => flutterSocket(base(), u.token)));
    const [wOwner, wOld, w1, w2, wOut] = socks as [Chat8Socket, Chat8Socket, Chat8Socket, Chat8Socket, Chat8Socket];

    const inv = await api().post(`/v1/groups/${gid}/members`, { user_ids: [n1.id, old.id, n2.id, owner.id] }, owner.token);
    shaped(inv, 200, S.Invited);
    assert.equal(inv.body.success, true);
    assert.deepEqual([...inv.body.invited_users].sort(), [n1.id, n2.id].sort());
    for (const w of [wOwner, wOld, w1, w2]) {
      const got: [string, string][] = [];
      for (let i = 0; i < 2; i++) {
        const f = await w.next('group_update');
        frameOk(f, 'group_update');
        assert.equal(f.data.group_id, gid);
        assert.equal(f.data.update_type, 'new_member');
        got.push([f.data.user_id, f.data.user_name]);
      }
      assert.deepEqual(got.sort(), ([[n1.id, 'Nia'], [n2.id, 'Ned']] as [string, string][]).sort());
      await w.quiet('group_update');
    }
    await wOut.quiet('group_update');
    assert.equal((await api().get(`/v1/groups/${gid}`, owner.token)).body.member_count, 4);

    // A user named twice is added once, announced once.
    const n3 = await user({ nickname: 'Noa' });
    const twice = await api().post(`/v1/groups/${gid}/members`, { user_ids: [n3.id, n3.id] }, owner.token);
    shaped(twice, 200, S.Invited);
    assert.deepEqual(twice.body.invited_users, [n3.id]);
    for (const w of [wOwner, wOld, w1, w2]) {
      const f = await w.next('group_update');
      assert.deepEqual([f.data.update_type, f.data.user_id, f.data.user_name], ['new_member', n3.id, 'Noa']);
      await w.quiet('group_update');
    }
    await wOut.quiet('group_update');
    assert.equal((await api().get(`/v1/groups/${gid}`, owner.token)).body.member_count, 5);

    // Everyone named is already in: nobody added, nothing announced.
    const again = await api().post(`/v1/groups/${gid}/members`, { user_ids: [old.id, n1.id, n2.id, n3.id] }, owner.token);
    shaped(again, 200, S.Invited);
    assert.deepEqual(again.body.invited_users, []);
    for (const w of socks) await w.quiet('group_update');
    for (const w of socks) await w.close();
  });

  it('calls: call_offer reaches every socket of the callee; a callee with no socket is still rung and may accept over REST (C35)', async () => {
    const a = await user({ nickname: 'Cal' });
    const b = await user();
    const offline = await user();
    const wa = await flutterSocket(base(), a.token);
    const wb1 = await flutterSocket(base(), b.token);
    const wb2 = await flutterSocket(base(), b.token);

    const offer = await api().post('/v1/calls', { target_id: b.id, type: 'audio', offer_sdp: 'v=0 two sockets' }, a.token);
    assert.equal(offer.status, 201, offer.text);
    assert.equal(offer.body.status, 'ringing');
    for (const w of [wb1, wb2]) {
      const f = await w.next('call_offer');
      frameOk(f, 'call_offer');
      assert.deepEqual([f.data.call_id, f.data.caller_id, f.data.caller_name, f.data.type, f.data.offer_sdp], [offer.body.call_id, a.id, 'Cal', 'audio', 'v=0 two sockets']);
    }
    await wa.quiet('call_offer');
    const accepted = await api().post(`/v1/calls/${offer.body.call_id}/accept`, { answer_sdp: 'v=0 answer' }, b.token);
    assert.equal(accepted.status, 200, accepted.text);
    frameOk(await wa.next('call_answer'), 'call_answer');
    const ended = await api().post(`/v1/calls/${offer.body.call_id}/end`, {}, a.token);
    assert.equal(ended.status, 200, ended.text);
    for (const w of [wb1, wb2]) assert.equal((await w.next('call_end')).data.call_id, offer.body.call_id);
    await wa.quiet('call_end');

    // A callee with no socket: the REST offer rings all the same (the parties are users, not sockets).
    const ring = await api().post('/v1/calls', { target_id: offline.id, type: 'video', offer_sdp: 'v=0 nobody home' }, a.token);
    assert.equal(ring.status, 201, ring.text);
    assert.deepEqual(Object.keys(ring.body).sort(), ['call_id', 'created_at', 'status', 'target_id', 'type']);
    assert.deepEqual([ring.body.status, ring.body.target_id, ring.body.type], ['ringing', offline.id, 'video']);
    await wb1.quiet('call_offer');
    const answered = await api().post(`/v1/calls/${ring.body.call_id}/accept`, { answer_sdp: 'v=0 from rest' }, offline.token);
    assert.equal(answered.status, 200, answered.text);
    assert.equal(answered.body.status, 'connected');
    const answer = await wa.next('call_answer');
    frameOk(answer, 'call_answer');
    assert.deepEqual([answer.data.call_id, answer.data.answer_sdp], [ring.body.call_id, 'v=0 from rest']);
    const over = await api().post(`/v1/calls/${ring.body.call_id}/end`, {}, offline.token);
    assert.equal(over.status, 200, over.text);
    assert.equal(over.body.status, 'ended');
    const end = await wa.next('call_end');
    frameOk(end, 'call_end');
    assert.deepEqual([end.data.call_id, end.data.duration], [ring.body.call_id, over.body.duration]);
    for (const w of [wa, wb1, wb2]) await w.close();
  });

  it('video and audio whose size and playing time cannot be read: width, height and duration null (C25)', async () => {
    const a = await user();
    const b = await user();
    const conv = await privateWith(a, b);
    const video = await flutterUpload(base(), a.token, { type: 'video', file: { data: bareMp4, name: 'clip.mp4', type: 'video/mp4' } });
    assert.equal(video.status, 201, video.text);
    assert.ok(fits(S.Media, video.body), video.text);
    assert.deepEqual(
      { ...video.body, media_id: 'x', url: 'x' },
      { media_id: 'x', url: 'x', type: 'video', size: bareMp4.length, width: null, height: null, duration: null, filename: 'clip.mp4' },
    );
    const audio = await flutterUpload(base(), a.token, { type: 'audio', file: { data: brokenFlac, name: 'voice.flac', type: 'audio/flac' } });
    assert.equal(audio.status, 201, audio.text);
    assert.deepEqual([audio.body.type, audio.body.size, audio.body.width, audio.body.height, audio.body.duration], ['audio', brokenFlac.length, null, null, null]);

    // Sent as messages, the media object is the upload's, nulls included; the bytes are served as uploaded.
    const sent = await send(a, conv, { type: 'video', content: video.body.media_id, caption: 'clip' });
    shaped(sent, 201, S.SentMessage);
    assert.deepEqual(sent.body.media, video.body);
    const history = await api().get(`/v1/conversations/${conv}/messages`, b.token);
    assert.deepEqual(history.body.messages[0].media, video.body);
    const got = await fetch(video.body.url, { headers: { authorization: `Bearer ${b.token}` } });
    assert.equal(got.status, 200);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), bareMp4);
  });
});

interface Person {
  id: number;
  login: string;
  emails: { email: string; verified: boolean; primary: boolean }[];
}

/**
 * GitHub sign-in (C9): the token endpoint of an OAuth mock at GitHub's path and a small stand-in
 * for GitHub's REST API, both on loopback, as flutter-oauth.test.ts sets them up.
 */
describe('flutter GitHub sign-in by verified email', () => {
  const people = new Map<string, Person>();
  let github: OAuth2Server;
  let githubApi: Server;
  let lastToken = '';
  let lastPerson: Person | undefined;
  let configured: Record<string, string> = {};

  before(async () => {
    github = new OAuth2Server(undefined, undefined, { endpoints: { token: '/login/oauth/access_token' } });
    await github.issuer.keys.generate('RS256');
    await github.start(0, '127.0.0.1');
    github.service.on('beforeResponse', (res, req) => {
      const code = (req.body as { code?: string } | undefined)?.code;
      const who = code === undefined ? undefined : people.get(code);
      if (!who) {
        res.statusCode = 400;
        res.body = { error: 'invalid_grant', error_description: 'the code is not valid' };
        return;
      }
      lastPerson = who;
      lastToken = String((res.body as { access_token?: string }).access_token ?? '');
    });
    githubApi = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      const who = req.headers.authorization === `Bearer ${lastToken}` ? lastPerson : undefined;
      if (!who) return void res.writeHead(401).end('{}');
      if (req.url === '/user') return void res.end(JSON.stringify({ id: who.id, login: who.login, name: 'Octo' }));
      if (req.url === '/user/emails') return void res.end(JSON.stringify(who.emails));
      res.writeHead(404).end('{}');
    });
    await new Promise<void>((resolve) => githubApi.listen(0, '127.0.0.1', resolve));
    configured = {
      OAUTH_GITHUB_CLIENT_ID: 'parley-github',
      OAUTH_GITHUB_CLIENT_SECRET: 'github-secret',
      OAUTH_GITHUB_REDIRECT_URIS: 'app://callback',
      OAUTH_GITHUB_URL: github.issuer.url!,
      OAUTH_GITHUB_API_URL: `http://127.0.0.1:${(githubApi.address() as AddressInfo).port}`,
    };
  });

  after(async () => {
    await github?.stop();
    githubApi?.close();
  });

  describeEachStore('with github configured', (server) => {
    const api = () => new Api(`${server().url}/flutter`);
    const signIn = (body: unknown) => api().post('/v1/auth/oauth/github', body);
    const register = async (username: string, email: string) => {
      const res = await api().post('/v1/auth/register', { username, password: 'password-12', email });
      assert.equal(res.status, 201, res.text);
      return res.body.user_id as string;
    };

    it('a verified github email signs in to the account registered with it; an unverified one never does', async () => {
      const k = server().kind;
      const dora = await register(`dora_${k}`, `dora.${k}@example.com`);
      // The verified address is not the primary one: it still counts; the unverified primary does not.
      people.set(`gh-dora-${k}`, {
        id: 7001,
        login: `dora-gh-${k}`,
        emails: [
          { email: `other.${k}@example.com`, verified: false, primary: true },
          { email: `Dora.${k}@Example.com`, verified: true, primary: false },
        ],
      });
      const first = await signIn({ code: `gh-dora-${k}`, redirect_uri: 'app://callback' });
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(Object.keys(first.body).sort(), ['refresh_token', 'token', 'user_id', 'username']);
      assert.equal(first.body.user_id, dora);
      assert.equal(first.body.username, `dora_${k}`);
      const me = await api().get('/v1/user/me', { token: first.body.token });
      assert.deepEqual([me.status, me.body.user_id, me.body.email], [200, dora, `dora.${k}@example.com`]);
      // Linked now: found again by the github account.
      assert.equal((await signIn({ code: `gh-dora-${k}`, redirect_uri: 'app://callback' })).body.user_id, dora);

      const eve = await register(`eve_${k}`, `eve.${k}@example.com`);
      people.set(`gh-eve-${k}`, { id: 7002, login: `eve-gh-${k}`, emails: [{ email: `eve.${k}@example.com`, verified: false, primary: true }] });
      const stranger = await signIn({ code: `gh-eve-${k}`, redirect_uri: 'app://callback' });
      assert.equal(stranger.status, 200, stranger.text);
      assert.notEqual(stranger.body.user_id, eve);
      const theirs = await api().get('/v1/user/me', { token: stranger.body.token });
      assert.notEqual(theirs.body.email, `eve.${k}@example.com`);
      // eve's own account is untouched: she still logs in with her password and keeps her email.
      const login = await api().post('/v1/auth/login', { username: `eve_${k}`, password: 'password-12' });
      assert.equal(login.body.user_id, eve);
      assert.equal((await api().get('/v1/user/me', { token: login.body.token })).body.email, `eve.${k}@example.com`);
      flutterError(await signIn({ code: 'gh-refused', redirect_uri: 'app://callback' }), 401);
    });
  }, { env: () => configured });
});
