import { describe, expect, it } from 'vitest';
import { unstorableReason, unstorableStrings } from './storable-strings.ts';

describe('strings a database can keep', () => {
  it('accepts any well-formed text, pairs of surrogates (emoji) included', () => {
    for (const ok of ['', 'Ada Lovelace', 'Zoë 🫖 東京', '\uD83D\uDE00', 'tab\tand\nnewline', '\uFFFE'])
      expect(unstorableReason(ok)).toBeUndefined();
  });

  it('refuses NUL and a high or low surrogate without its pair', () => {
    expect(unstorableReason('a\u0000b')).toMatch(/NUL/);
    for (const bad of ['\uD800', 'x\uD83Dy', '\uDE00x', '\uDE00\uD83D']) expect(unstorableReason(bad)).toMatch(/surrogate/);
  });

  it('points at every bad string in a parsed body, keys included, escaping ~ and /', () => {
    const body = JSON.parse('{"name":"ok","lines":[{"sku":"A\\u0000"},{"sku":"B"}],"a/b~c":"\\ud800","bad\\u0000key":1}');
    expect(unstorableStrings(body, '/body')).toEqual([
      { pointer: '/body/lines/0/sku', message: 'must not contain U+0000 (NUL)' },
      { pointer: '/body/a~1b~0c', message: 'must not contain a lone UTF-16 surrogate' },
      { pointer: '/body/bad\u0000key', message: 'name must not contain U+0000 (NUL)' },
    ]);
    expect(unstorableStrings('plain\u0000text', '/body')).toEqual([{ pointer: '/body', message: 'must not contain U+0000 (NUL)' }]);
  });
});
