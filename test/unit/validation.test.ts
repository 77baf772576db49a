import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'typebox';
import { compileStrict, fieldProblems } from '../../src/http/validation.ts';

describe('fieldProblems', () => {
  it('names the choices of a union of literals in one problem', () => {
    const check = compileStrict(Type.Object({ type: Type.Union([Type.Literal('audio'), Type.Literal('video')]), n: Type.Integer() }));
    assert.equal(check({ type: 'chat', n: 1 }), false);
    assert.deepEqual(fieldProblems(check.errors!), [{ field: 'type', message: 'must be one of "audio", "video"' }]);
  });

  it('leaves other problems as they are, with the missing field named', () => {
    const check = compileStrict(Type.Object({ a: Type.String(), b: Type.Union([Type.String(), Type.Integer()]) }));
    assert.equal(check({ b: 'x' }), false);
    assert.deepEqual(fieldProblems(check.errors!), [{ field: 'a', message: 'is required' }]);
    assert.equal(check({ a: 'x', b: 1.5 }), false);
    const problems = fieldProblems(check.errors!);
    assert.ok(problems.every((p) => p.field === 'b'));
    assert.ok(!problems.some((p) => p.message.startsWith('must be one of')));
  });
});
