import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OutputRelay } from './output-relay.js';

describe('OutputRelay', () => {
  it('passes on what came before and after the run plugged in, in order', async () => {
    const relay = new OutputRelay();
    relay.write(Buffer.from('early '));
    const target = new PassThrough();
    const got: Buffer[] = [];
    target.on('data', (c: Buffer) => got.push(c));
    relay.plug(target);
    relay.write(Buffer.from('late'));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(got).toString()).toBe('early late');
  });
});
