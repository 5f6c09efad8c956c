import { describe, expect, it } from 'vitest';
import { separateRunCommand } from './argv.js';

describe('separateRunCommand', () => {
  it.each([
    [['run', 'go', 'test', '-v'], ['run', '--', 'go', 'test', '-v']],
    [['run', 'go', 'build', './...'], ['run', '--', 'go', 'build', './...']],
    [['--go', '1.19', 'run', '-p', 'jail', 'go', 'version'], ['--go', '1.19', 'run', '-p', 'jail', '--', 'go', 'version']],
    [['--profile', 'classroom', '--log-format', 'json', 'run', 'go', 'env'], ['--profile', 'classroom', '--log-format', 'json', 'run', '--', 'go', 'env']],
    [['-v', 'run', '--verbose', 'go', 'test', '-run', 'TestX'], ['-v', 'run', '--verbose', '--', 'go', 'test', '-run', 'TestX']],
    [['run', '--profile=jail', 'go', 'vet'], ['run', '--profile=jail', '--', 'go', 'vet']],
    // A command that looks like gobox's own option values stays whole.
    [['run', 'go', 'run', '-p', '4', '.'], ['run', '--', 'go', 'run', '-p', '4', '.']],
  ])('%j -> %j', (argv, want) => {
    expect(separateRunCommand(argv)).toEqual(want);
  });

  it('leaves an existing -- alone', () => {
    const argv = ['run', '--', 'go', 'test'];
    expect(separateRunCommand(argv)).toEqual(['run', '--', 'go', 'test']);
    expect(separateRunCommand(['-p', 'jail', 'run', '--', 'go', 'version'])).toEqual(['-p', 'jail', 'run', '--', 'go', 'version']);
  });

  it.each([
    [['gc']],
    [['env', '--json']],
    [['profile', 'list']],
    [['--go', '1.22', 'env']],
    [['image', 'build', 'run']],
    [[]],
    [['run']],
    [['run', '-p', 'jail']],
  ])('leaves %j untouched', (argv) => {
    expect(separateRunCommand(argv)).toEqual(argv);
  });

  it('does not mutate its input', () => {
    const argv = ['run', 'go', 'version'];
    separateRunCommand(argv);
    expect(argv).toEqual(['run', 'go', 'version']);
  });
});
