import { describe, expect, it } from 'vitest';
import { UsageError } from '../../common/errors.js';
import { parseGoTestCommand } from './go-test-command.js';

describe('parseGoTestCommand', () => {
  it('splits packages, build flags and test binary flags', () => {
    expect(parseGoTestCommand(['go', 'test', '-race', '-run', 'TestAdd|TestSub', '-timeout=30s', '-short', '-tags', 'grading', './...'])).toEqual({
      packages: ['./...'],
      buildFlags: ['-race', '-tags=grading'],
      testFlags: ['-test.run=TestAdd|TestSub', '-test.timeout=30s', '-test.short'],
    });
  });

  it('grades ./... when no package is named', () => {
    expect(parseGoTestCommand(['go', 'test']).packages).toEqual(['./...']);
  });

  it.each([
    [['go', 'build', './...'], /grades with go test/],
    [['go', 'test', '-json'], /set by the class run/],
    [['go', 'test', '-count=3'], /set by the class run/],
    [['go', 'test', '-exec', 'x'], /set by the class run/],
    [['go', 'test', '-frobnicate'], /not supported/],
    [['go', 'test', '-run'], /needs a value/],
    [['go', 'test', '$(rm -rf /)'], /not a package pattern/],
  ])('refuses %j with one line', (argv, msg) => {
    expect(() => parseGoTestCommand(argv)).toThrow(UsageError);
    expect(() => parseGoTestCommand(argv)).toThrow(msg);
  });
});
