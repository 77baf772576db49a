import type { FieldProblem } from '../../domain/errors.ts';
import type { Message, UserSummary } from '../../domain/types.ts';
import { clockDuration, type CallNotice, type SystemNotice } from '../../services/posting.ts';

/**
 * The texts a server writes into a chat — system notices and call records — in a document's
 * language, from the structured record the core keeps (`metadata.system`, `metadata.call`).
 */
export interface NoticeTexts {
  /** How a user is named in a notice, and as a private chat's title. */
  who(u: UserSummary): string;
  system(n: SystemNotice): string;
  call(n: CallNotice): string;
  /** A message's text as shown: notices rendered, everything else as sent. */
  content(m: Message): string;
}

interface Phrases {
  anonymous(id: number): string;
  list: string;
  system: { [A in SystemNotice['action']]: (actor: string, names: string, role?: string) => string };
  callKind(video: boolean): string;
  talked(clock: string): string;
  outcomes: Record<string, string>;
  missed: string;
  callLine(kind: string, outcome: string): string;
}

const zh: Phrases = {
  anonymous: (id) => `用户${id}`,
  list: '、',
  system: {
    created: (a) => `${a} 创建了群聊`,
    added: (a, n) => `${a} 邀请 ${n} 加入了群聊`,
    removed: (a, n) => `${a} 将 ${n} 移出了群聊`,
    left: (a) => `${a} 退出了群聊`,
    owner: (a, n) => `${a} 将群主转让给 ${n}`,
    role: (a, n, role) => (role === 'admin' ? `${a} 将 ${n} 设为管理员` : `${a} 取消了 ${n} 的管理员身份`),
  },
  callKind: (video) => (video ? '视频通话' : '语音通话'),
  talked: (clock) => `通话时长 ${clock}`,
  outcomes: { cancelled: '已取消', rejected: '已拒绝', busy: '忙线未接通', timeout: '无人接听' },
  missed: '未接通',
  callLine: (kind, outcome) => `${kind} ${outcome}`,
};

const en: Phrases = {
  anonymous: (id) => `user ${id}`,
  list: ', ',
  system: {
    created: (a) => `${a} created the group`,
    added: (a, n) => `${a} added ${n}`,
    removed: (a, n) => `${a} removed ${n}`,
    left: (a) => `${a} left the group`,
    owner: (a, n) => `${a} made ${n} the owner`,
    role: (a, n, role) => `${a} made ${n} ${role === 'admin' ? 'an admin' : 'a member'}`,
  },
  callKind: (video) => (video ? 'Video call' : 'Audio call'),
  talked: (clock) => clock,
  outcomes: { cancelled: 'cancelled', rejected: 'declined', busy: 'busy', timeout: 'no answer' },
  missed: 'missed',
  callLine: (kind, outcome) => `${kind}, ${outcome}`,
};

export function noticeTexts(locale: 'zh' | 'en'): NoticeTexts {
  const p = locale === 'zh' ? zh : en;
  const who = (u: UserSummary) => u.nickname || u.username || p.anonymous(u.id);
  const system = (n: SystemNotice) => p.system[n.action](who(n.actor), n.users.map(who).join(p.list), n.role);
  const call = (n: CallNotice) => p.callLine(p.callKind(n.media === 'video'), n.answered ? p.talked(clockDuration(n.duration)) : (p.outcomes[n.reason] ?? p.missed));
  return {
    who,
    system,
    call,
    content(m) {
      if (m.type === 'system') {
        const n = m.metadata.system as SystemNotice | undefined;
        return n ? system(n) : m.content;
      }
      const c = m.type === 'call' ? (m.metadata.call as CallNotice | undefined) : undefined;
      return c ? call(c) : m.content;
    },
  };
}

export type Locale = 'zh' | 'en';

/**
 * The language an HTTP client asks for in `Accept-Language`: Chinese or English, whichever it
 * prefers first (any other language counts as English); `fallback` when it names none (or `*`).
 */
export function localeOf(acceptLanguage: string | undefined, fallback: Locale): Locale {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = Number(/^\s*q=([0-9.]+)\s*$/.exec(params.find((x) => x.trim().startsWith('q=')) ?? '')?.[1] ?? 1);
      return { tag: tag.trim(), q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((x) => x.tag !== '' && x.tag !== '*' && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  const first = ranked[0];
  if (!first) return fallback;
  return first.tag === 'zh' || first.tag.startsWith('zh-') ? 'zh' : 'en';
}

const invalidPhrases: Record<Locale, { missing: string; invalid: string; list: string; sentence(parts: string[]): string }> = {
  zh: { missing: '缺少参数：', invalid: '参数格式不正确：', list: '、', sentence: (parts) => parts.join('；') },
  en: {
    missing: 'missing ',
    invalid: 'invalid ',
    list: ', ',
    sentence: (parts) => {
      const text = parts.join('; ');
      return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
    },
  },
};

/**
 * A validation error as one short sentence a client can show a person, naming the fields (as
 * the document names them): missing ones, then invalid ones. The problems themselves stay in
 * the error's details.
 */
export function invalidInputText(problems: readonly FieldProblem[], locale: Locale): string {
  const p = invalidPhrases[locale];
  const names = (list: readonly FieldProblem[]) => [...new Set(list.map((x) => x.field))].join(p.list);
  const missing = problems.filter((x) => x.message === 'is required');
  const invalid = problems.filter((x) => x.message !== 'is required');
  return p.sentence([...(missing.length ? [p.missing + names(missing)] : []), ...(invalid.length ? [p.invalid + names(invalid)] : [])]);
}
