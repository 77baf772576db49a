import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { limits } from '../../src/domain/validation.ts';
import { usernameOrEmail } from '../../src/services/auth.ts';

describe('usernameOrEmail', () => {
  it('takes a value with an @ as an email, since no username may contain one', () => {
    assert.deepEqual(usernameOrEmail('ann@example.com'), { email: 'ann@example.com' });
    assert.ok(!new RegExp(limits.username.pattern).test('ann@example'));
  });

  it('takes anything else as a username', () => {
    assert.deepEqual(usernameOrEmail('ann.lee_1'), { username: 'ann.lee_1' });
  });
});
