import { describe, expect, it } from 'vitest';
import { parseAgentRun } from './argv.js';

describe('parseAgentRun', () => {
  it('takes a plain run, with or without --', () => {
    expect(parseAgentRun(['run', 'go', 'build', './...'])).toEqual({ command: ['go', 'build', './...'] });
    expect(parseAgentRun(['run', '--', 'go', '-x'])).toEqual({ command: ['go', '-x'] });
  });

  it("keeps the command's own options as the command's", () => {
    expect(parseAgentRun(['run', 'go', 'test', '-v', '--run=X', '-p', '1'])).toEqual({ command: ['go', 'test', '-v', '--run=X', '-p', '1'] });
  });

  it('takes --profile, -p and --go before run, in both spellings', () => {
    expect(parseAgentRun(['-p', 'jail', '--go', '1.22', 'run', 'go', 'version'])).toEqual({ command: ['go', 'version'], profile: 'jail', go: '1.22' });
    expect(parseAgentRun(['--profile=classroom', '--go=1.19', 'run', 'true'])).toEqual({ command: ['true'], profile: 'classroom', go: '1.19' });
  });

  it('leaves everything else to the full CLI', () => {
    for (const argv of [
      [],
      ['run'],
      ['run', '--'],
      ['run', '--help'],
      ['-v', 'run', 'true'],
      ['--json', 'run', 'true'],
      ['shell'],
      ['env'],
      ['-p', 'run', 'true'],
      ['-p=jail', 'run', 'true'],
      ['-p', 'a', '-p', 'b', 'run', 'true'],
      ['--go', '--verbose', 'run', 'true'],
      ['--help'],
      ['--version'],
    ]) {
      expect(parseAgentRun(argv), JSON.stringify(argv)).toBeUndefined();
    }
  });

  it('takes -v and --verbose only when the caller allows them (the direct run)', () => {
    expect(parseAgentRun(['-v', 'run', 'go', 'version'])).toBeUndefined();
    expect(parseAgentRun(['-v', '--go', '1.22', 'run', 'go', 'version'], { verbose: true })).toEqual({ command: ['go', 'version'], go: '1.22', verbose: true });
    expect(parseAgentRun(['--verbose', 'run', 'true'], { verbose: true })).toEqual({ command: ['true'], verbose: true });
    for (const argv of [['-v', '-v', 'run', 'true'], ['-vv', 'run', 'true'], ['--verbose=true', 'run', 'true'], ['run', '-v', 'true']]) {
      expect(parseAgentRun(argv, { verbose: true }), JSON.stringify(argv)).toBeUndefined();
    }
  });
});
