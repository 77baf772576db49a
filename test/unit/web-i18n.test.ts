import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { localeOf, pickLanguage, translate, untranslated } from '../../web/src/lib/i18n.ts';

describe('web i18n', () => {
  test('the first language the client speaks wins; English otherwise', () => {
    assert.equal(pickLanguage(['zh-CN', 'en']), 'zh');
    assert.equal(pickLanguage(['zh-Hant-TW']), 'zh');
    assert.equal(pickLanguage(['fr-FR', 'en-GB', 'zh']), 'en');
    assert.equal(pickLanguage(['fr-FR', 'de']), 'en');
    assert.equal(pickLanguage([]), 'en');
  });

  test('placeholders are filled, and unknown ones left visible', () => {
    assert.equal(translate('en', 'typing', { name: 'Ann' }), 'Ann is typing…');
    assert.equal(translate('zh', 'typing', { name: 'Ann' }), 'Ann 正在输入…');
    assert.equal(translate('en', 'typing'), '{name} is typing…');
  });

  test('Chinese covers every English phrase, so nothing falls back by accident', () => {
    assert.deepEqual(untranslated('zh'), []);
    assert.notEqual(translate('zh', 'offline'), translate('en', 'offline'));
    assert.equal(localeOf('zh'), 'zh-CN');
  });
});
