import { describe, expect, it } from 'vitest';
import { shortId } from './short-id.js';

describe('shortId', () => {
  it('cuts a container id to 12 hex digits and keeps a pod name whole', () => {
    const docker = 'f'.repeat(12) + '0123456789abcdef'.repeat(3) + '0123';
    expect(docker).toHaveLength(64);
    expect(shortId(docker)).toBe('ffffffffffff');
    expect(shortId('gobox-24340-1764690000000-ab12cd')).toBe('gobox-24340-1764690000000-ab12cd');
    // A name that only looks hex but is not a full id is a name.
    expect(shortId('abcdef0123456789')).toBe('abcdef0123456789');
  });
});
