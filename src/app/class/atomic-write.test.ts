import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTempTree } from '../../common/temp-tree.test-util.js';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';

const temp = useTempTree('gobox-atomic-');

describe('writeFileAtomic', () => {
  it('replaces a file whole, owner-only by default, and leaves no temp behind', async () => {
    const f = path.join(temp.dir(), 'r.json');
    await writeFile(f, 'old');
    await writeJsonAtomic(f, { students: [{ id: 's1' }] });
    expect(JSON.parse(await readFile(f, 'utf8'))).toEqual({ students: [{ id: 's1' }] });
    expect((await stat(f)).mode & 0o777).toBe(0o600);
    expect(await readdir(temp.dir())).toEqual(['r.json']);
  });

  it('keeps the old file when the write cannot finish', async () => {
    const target = path.join(temp.dir(), 'taken');
    await mkdir(path.join(target, 'inside'), { recursive: true });
    await expect(writeFileAtomic(target, 'new')).rejects.toThrow();
    expect((await stat(target)).isDirectory()).toBe(true);
    expect((await readdir(temp.dir())).sort()).toEqual(['taken']);
  });

  it('never leaves half a file when the writer is killed mid-write', async () => {
    const f = path.join(temp.dir(), 'result.json');
    const size = 4 * 1024 * 1024;
    await writeFile(f, 'A'.repeat(size));
    const module = path.join(path.dirname(fileURLToPath(import.meta.url)), 'atomic-write.ts');
    // A writer that replaces the file over and over with another whole content, until killed.
    const script = `const { writeFileAtomic } = await import(${JSON.stringify(module)});
      for (let i = 0; ; i++) { await writeFileAtomic(${JSON.stringify(f)}, (i % 2 ? 'A' : 'B').repeat(${size})); if (i === 1) process.stdout.write('going\\n'); }`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
    });
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const text = await readFile(f, 'utf8');
    expect(text.length).toBe(size);
    expect(new Set(text).size).toBe(1);
  }, 30_000);
});
