import { describe, expect, it } from 'vitest';
import { UserDirectory } from './user-directory.js';
import { UserLookupError } from '../common/errors.js';

const ann = { name: 'ann', uid: 1000, gid: 1000, home: '/home/ann' };
const bob = { name: 'bob', uid: 1001, gid: 1001, home: '/home/bob' };

describe('UserDirectory', () => {
  it('keeps the last good answer when the host database fails, and takes a new one when it answers', async () => {
    const answers: (() => Promise<{ users: typeof ann[]; groups: [] }>)[] = [
      async () => ({ users: [ann, bob], groups: [] }),
      async () => Promise.reject(new UserLookupError('getent passwd failed')),
      async () => ({ users: [ann], groups: [] }),
    ];
    const dir = new UserDirectory(() => answers.shift()!());
    expect((await dir.current()).users).toEqual([ann, bob]);
    expect((await dir.current()).users).toEqual([ann, bob]);
    expect((await dir.current()).users).toEqual([ann]);
  });

  it('fails, rather than answering "nobody", before it has ever read the database', async () => {
    const dir = new UserDirectory(() => Promise.reject(new UserLookupError('getent passwd failed')));
    await expect(dir.current()).rejects.toThrow('getent passwd failed');
  });
});
