import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYaml } from '../../src/apiserver/body.js';
import { ApiError } from '../../src/api/status.js';

test('a YAML body becomes its JSON object', () => {
  assert.deepEqual(parseYaml(Buffer.from('kind: Pod\nmetadata:\n  name: a\n  labels: {x: "1"}\n')), {
    kind: 'Pod',
    metadata: { name: 'a', labels: { x: '1' } },
  });
});

test('a duplicate key is a 400 naming the line, at any depth', () => {
  for (const [body, line] of [['a: 1\nb: 2\na: 3\n', 3], ['m:\n  x: 1\n  y: 2\n  x: 3\n', 4]] as const) {
    assert.throws(
      () => parseYaml(Buffer.from(body)),
      (e: unknown) => e instanceof ApiError && e.code === 400 && e.message.includes(`line ${line}: key "${body[0] === 'a' ? 'a' : 'x'}" already set in map`),
    );
  }
});

test('a map with many keys parses (the duplicate check is linear)', () => {
  const n = 50_000;
  const body = Array.from({ length: n }, (_, i) => `k${i}: ${i}`).join('\n');
  const parsed = parseYaml(Buffer.from(body)) as Record<string, number>;
  assert.equal(Object.keys(parsed).length, n);
  assert.equal(parsed.k49999, 49999);
});

test('more than one document, or alias bombs, are rejected', () => {
  assert.throws(() => parseYaml(Buffer.from('a: 1\n---\nb: 2\n')), ApiError);
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
  assert.throws(() => parseYaml(Buffer.from(bomb)), ApiError);
});
