import fc from 'fast-check';
import { REMOVE, Raw, type Json } from './json.ts';
import { valid, type Schema } from './schema.ts';

/**
 * The hostile inputs, by family. Each is labelled `family:detail` so failures group by what was
 * sent. Whether a server must refuse one is not decided here but by the oracle (plans.ts), from
 * the route's own schema: a wrong type must be refused, an emoji in a nickname need not be.
 */

export interface Labelled<T> {
  label: string;
  value: T;
}

export type FieldValue = Json | typeof REMOVE;

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const raw = (label: string, ...parts: (string | number[])[]) => ({ label, value: new Raw(bytes(...parts), label) });
const text = (label: string, value: string) => ({ label, value });

const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

/** Bytes that are not UTF-8, inside a JSON string. */
export const invalidUtf8: Labelled<Json>[] = [
  raw('invalid-utf8:ff-fe', '"A', [0xff, 0xfe, 0xc3, 0x28], 'A"'),
  raw('invalid-utf8:overlong', '"', [0xc0, 0xae], '"'),
  raw('invalid-utf8:encoded-surrogate', '"a', [0xed, 0xa0, 0x80], 'b"'),
  raw('invalid-utf8:truncated', '"ab', [0xe4, 0xb8], '"'),
  raw('invalid-utf8:lone-continuation', '"', [0x80], '"'),
  raw('invalid-utf8:beyond-10ffff', '"', [0xf4, 0x90, 0x80, 0x80], '"'),
  raw('invalid-utf8:latin1', '"caf', [0xe9], '"'),
];

/** JSON escapes of UTF-16 surrogates without their partner. */
export const loneSurrogates: Labelled<Json>[] = [
  raw('lone-surrogate:high', '"\\ud800"'),
  raw('lone-surrogate:low-inside', '"a\\udfffb"'),
  raw('lone-surrogate:64-high', `"${'\\ud800'.repeat(64)}"`),
  raw('lone-surrogate:reversed-pair', '"\\udc00\\ud800"'),
];

const unicode: Labelled<Json>[] = [
  text('unicode:emoji', '😀👨‍👩‍👧'),
  text('unicode:astral', '𝒜𝓑'),
  text('unicode:rtl-override', 'a\u202Egnp.exe'),
  text('unicode:zero-width', 'a\u200B\u200Cb\uFEFF'),
  text('unicode:combining', `e${'\u0301'.repeat(30)}`),
  text('unicode:cjk', '中文名字'),
  text('unicode:fullwidth-digits', '１２３'),
  text('unicode:noncharacter', '\uFFFF\uFFFE'),
];

const control: Labelled<Json>[] = [
  text('control:nul', 'a\u0000b'),
  text('control:bell', 'a\u0007b'),
  text('control:escape', '\u001b[31mred\u001b[0m'),
  text('control:crlf', 'a\r\nSet-Cookie: x=1'),
  text('control:line-separators', 'a\u2028b\u2029'),
  text('control:delete', '\u007f'),
];

const traversal: Labelled<Json>[] = [
  text('traversal:dot-dot', '../../../../etc/passwd'),
  text('traversal:backslash', '..\\..\\..\\boot.ini'),
  text('traversal:encoded', '%2e%2e%2f%2e%2e%2fetc%2fpasswd'),
  text('traversal:nul-suffix', '/etc/passwd\u0000.png'),
];

const injection: Labelled<Json>[] = [
  text('injection:sql', "' OR '1'='1' --"),
  text('injection:html', '<script>alert(1)</script>'),
  text('injection:template', '${7*7}{{7*7}}'),
];

/** Values a client would render as a link; URL fields must refuse them. */
export const hostileUrls: Labelled<Json>[] = [
  text('url:javascript', 'javascript:alert(1)'),
  text('url:javascript-mixed-case', ' JaVaScRiPt:alert(document.cookie)'),
  text('url:data-html', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='),
  text('url:vbscript', 'vbscript:msgbox(1)'),
  text('url:file', 'file:///etc/passwd'),
];

const numbers: Labelled<Json>[] = [
  { label: 'number:negative', value: -1 },
  { label: 'number:zero', value: 0 },
  { label: 'number:float', value: 1.5 },
  { label: 'number:negative-float', value: -0.5 },
  { label: 'number:huge', value: 1e308 },
  { label: 'number:2^31', value: 2147483648 },
  raw('number:2^53+1', '9007199254740993'),
  raw('number:-2^63', '-9223372036854775808'),
  raw('number:1e999', '1e999'),
  raw('number:minus-zero', '-0'),
  raw('number:exponent', '1E3'),
];

/** Not JSON at all where a value should be. */
const notJson: Labelled<Json>[] = [raw('not-json:NaN', 'NaN'), raw('not-json:hex', '0x10'), raw('not-json:leading-zero', '012'), raw('not-json:single-quotes', "'x'"), raw('not-json:undefined', 'undefined')];

const numericText: Labelled<Json>[] = [text('numeric-text:12', '12'), text('numeric-text:hex', '0x10'), text('numeric-text:exp', '1e3'), text('numeric-text:space', ' 12'), text('numeric-text:negative', '-1')];

function huge(schema: Schema): Labelled<Json>[] {
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
  return [
    ...(max !== undefined ? [text('huge-string:max+1', 'x'.repeat(max + 1)), text('huge-string:max+1-multibyte', 'é'.repeat(max + 1))] : []),
    text('huge-string:100k', 'x'.repeat(100_000)),
    text('empty-string', ''),
  ];
}

const deep: Labelled<Json>[] = [raw('deep-nesting:arrays-1000', deepArray(1000)), raw('deep-nesting:objects-1000', deepObject(1000))];

const wrongTypes: Labelled<Json>[] = [
  { label: 'wrong-type:null', value: null },
  { label: 'wrong-type:string', value: 'text' },
  { label: 'wrong-type:number', value: 12345 },
  { label: 'wrong-type:boolean', value: true },
  { label: 'wrong-type:object', value: {} },
  { label: 'wrong-type:array', value: [] },
];

const pick = (list: Labelled<Json>[]) => fc.constantFrom(...list);

/** A hostile replacement for one field with this schema: some family, then one of its members. */
export function hostileValue(schema: Schema, name: string): fc.Arbitrary<Labelled<FieldValue>> {
  const wrapped = valid(schema, name);
  return fc.oneof(
    pick(wrongTypes),
    wrapped.map((v) => ({ label: 'array-for-value', value: [v] as Json })),
    wrapped.map((v) => ({ label: 'object-for-value', value: { value: v } })),
    pick(deep),
    pick(huge(schema)),
    pick(numbers),
    pick(notJson),
    pick(numericText),
    pick(unicode),
    pick(control),
    pick(loneSurrogates),
    pick(invalidUtf8),
    pick(traversal),
    pick(injection),
    pick(hostileUrls),
    fc.constant({ label: 'removed', value: REMOVE }),
  );
}

/** Unknown fields added beside the known ones. */
export const extraFields: Labelled<[string, Json]>[] = [
  { label: 'extra-field:unknown', value: ['zz_unknown', 1] },
  { label: 'extra-field:__proto__', value: ['__proto__', { is_admin: true }] },
  { label: 'extra-field:constructor', value: ['constructor', { prototype: { is_admin: true } }] },
  { label: 'extra-field:empty-name', value: ['', 'x'] },
  { label: 'extra-field:long-name', value: ['k'.repeat(2000), 1] },
];

/** Path parameter values a strict id codec refuses; already percent-encoded as they are sent. */
export const badIds: Labelled<string>[] = [
  ['negative', '-1'],
  ['zero', '0'],
  ['minus-zero', '-0'],
  ['float', '1.5'],
  ['exponent', '1e3'],
  ['hex', '0x10'],
  ['leading-space', '%2012'],
  ['trailing-space', '12%20'],
  ['plus', '+12'],
  ['leading-zero', '012'],
  ['huge', '9'.repeat(30)],
  ['2^53+1', '9007199254740993'],
  ['fullwidth-digits', '%EF%BC%91%EF%BC%92'],
  ['nul', '%00'],
  ['nul-suffix', '1%00'],
  ['traversal-encoded-slash', '..%2F..'],
  ['dot-dot', '..'],
  ['encoded-dot-dot', '%2e%2e'],
  ['invalid-percent-ff', '%FF'],
  ['invalid-percent-overlong', '%C0%AE'],
  ['invalid-percent-surrogate', '%ED%A0%80'],
  ['bare-percent', '%'],
  ['bad-percent-hex', '%G0'],
  ['300-chars', 'a'.repeat(300)],
  ['200-digits', '1'.repeat(200)],
  ['null-word', 'null'],
  ['list', '1,2'],
  ['semicolon', '1;x=2'],
  ['crlf', '1%0D%0ASet-Cookie:%20x=1'],
  ['emoji', '%F0%9F%98%80'],
].map(([label, value]) => ({ label: `id:${label}`, value: value! }));

/** Query values, percent-encoded as sent; `strict` ones a strict integer decoder refuses though Ajv's coercion takes them. */
export const badQueryValues: (Labelled<string> & { strictInteger?: boolean; invalidText?: boolean })[] = [
  { label: 'query:empty', value: '' },
  { label: 'query:word', value: 'abc' },
  { label: 'query:negative', value: '-1' },
  { label: 'query:zero', value: '0' },
  { label: 'query:float', value: '1.5' },
  { label: 'query:huge', value: '9'.repeat(30) },
  { label: 'query:nan', value: 'NaN' },
  { label: 'query:infinity', value: 'Infinity' },
  { label: 'query:true', value: 'true' },
  { label: 'query:exponent', value: '1e1', strictInteger: true },
  { label: 'query:hex', value: '0x10', strictInteger: true },
  { label: 'query:leading-space', value: '%2012', strictInteger: true },
  { label: 'query:plus', value: '%2B12', strictInteger: true },
  { label: 'query:leading-zero', value: '012', strictInteger: true },
  { label: 'query:nul', value: '%00' },
  { label: 'query:invalid-percent-ff', value: '%FF', invalidText: true },
  { label: 'query:invalid-percent-surrogate', value: '%ED%A0%80', invalidText: true },
  { label: 'query:truncated-percent', value: '%E4%B8', invalidText: true },
  { label: 'query:bare-percent', value: '%', invalidText: true },
  { label: 'query:control', value: '%1B%5B31m' },
  { label: 'query:unicode', value: '%E4%B8%AD%F0%9F%98%80' },
  { label: 'query:long-8000', value: 'x'.repeat(8000) },
];

/** Content types for a JSON body; `json` ones are JSON by the media type. */
export const contentTypes: (Labelled<string | null> & { json: boolean })[] = [
  { label: 'content-type:none', value: null, json: false },
  { label: 'content-type:text-plain', value: 'text/plain', json: false },
  { label: 'content-type:xml', value: 'application/xml', json: false },
  { label: 'content-type:form-urlencoded', value: 'application/x-www-form-urlencoded', json: false },
  { label: 'content-type:multipart-no-boundary', value: 'multipart/form-data', json: false },
  { label: 'content-type:multipart', value: 'multipart/form-data; boundary=XB', json: false },
  { label: 'content-type:octet-stream', value: 'application/octet-stream', json: false },
  { label: 'content-type:jsonx', value: 'application/jsonx', json: false },
  { label: 'content-type:json-patch', value: 'application/json-patch+json', json: false },
  { label: 'content-type:text-json', value: 'text/json', json: false },
  { label: 'content-type:wildcard', value: '*/*', json: false },
  { label: 'content-type:garbage', value: ';;;', json: false },
  { label: 'content-type:upper-case', value: 'APPLICATION/JSON', json: true },
  { label: 'content-type:charset-utf16', value: 'application/json; charset=utf-16', json: true },
  { label: 'content-type:charset-latin1', value: 'application/json; charset=iso-8859-1', json: true },
  { label: 'content-type:list', value: 'application/json, text/plain', json: true },
];

/** Authorization headers other than a valid bearer token (`{{token}}` is the fixture's token). */
export const badAuth: (Labelled<string | null> & { accepted?: boolean })[] = [
  { label: 'auth:none', value: null },
  { label: 'auth:empty-bearer', value: 'Bearer' },
  { label: 'auth:bearer-space', value: 'Bearer ' },
  { label: 'auth:garbage', value: 'Bearer garbage' },
  { label: 'auth:basic', value: 'Basic dXNlcjpwYXNz' },
  { label: 'auth:lower-case-scheme', value: 'bearer {{token}}', accepted: true },
  { label: 'auth:tampered', value: 'Bearer {{token}}x' },
  { label: 'auth:truncated', value: 'Bearer {{token-truncated}}' },
  { label: 'auth:unsigned-jwt', value: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOjEsInNpZCI6IngifQ.' },
  { label: 'auth:two-tokens', value: 'Bearer {{token}} {{token}}' },
  { label: 'auth:long', value: `Bearer ${'a'.repeat(8000)}` },
];
