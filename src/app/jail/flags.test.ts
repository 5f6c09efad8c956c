import { describe, expect, it } from 'vitest';
import { checkJailEnv, parseBuildArgs, withoutGoSettings } from './flags.js';

describe('parseBuildArgs', () => {
  it('splits flags (joined with their values) from packages; . by default', () => {
    expect(parseBuildArgs([])).toEqual({ flags: [], packages: ['.'] });
    expect(parseBuildArgs(['-ldflags', '-s -w', '-tags=netgo', '-v', './cmd/a', './cmd/b'])).toEqual({
      flags: ['-ldflags=-s -w', '-tags=netgo', '-v'],
      packages: ['./cmd/a', './cmd/b'],
    });
    expect(parseBuildArgs(['-trimpath', '--', './x'])).toEqual({ flags: ['-trimpath'], packages: ['./x'] });
  });

  it.each([
    [['-toolexec', '/bin/x'], /-toolexec is refused/],
    [['-o', 'x'], /-o is refused/],
    [['-mod=mod'], /-mod=mod is refused/],
    [['-trimpath=false'], /-trimpath=false is refused/],
    [['-buildvcs=false'], /-buildvcs=false is refused/],
    [['-race'], /-race is refused/],
    [['-nonsense'], /not one a jail build knows/],
    [['.', '-v'], /flags come before the packages/],
    [['-ldflags'], /needs a value/],
  ])('refuses %j', (words, msg) => {
    expect(() => parseBuildArgs(words)).toThrow(msg);
  });
});

describe('checkJailEnv', () => {
  it('lets an environment without Go build settings through', () => {
    expect(() => checkJailEnv({ PATH: '/bin', GOPROXY: 'https://p.example', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' })).not.toThrow();
  });

  it.each([
    [{ GOFLAGS: '-mod=mod' }, 'GOFLAGS from the environment is refused'],
    [{ GOFLAGS_EXTRA: '-toolexec=/x' }, 'GOFLAGS_EXTRA from the environment is refused in a jail build: it carries -toolexec'],
    [{ CGO_LDFLAGS: '-ldflags=-X main.t=1' }, 'CGO_LDFLAGS from the environment is refused in a jail build: it carries -ldflags'],
    [{ CGO_ENABLED: '1' }, 'CGO_ENABLED from the environment is refused'],
    [{ GOTOOLCHAIN: 'go1.23.0' }, 'GOTOOLCHAIN from the environment is refused'],
    [{ GOAMD64: 'v3' }, 'GOAMD64 from the environment is refused'],
  ])('refuses %j naming the key', (env, msg) => {
    expect(() => checkJailEnv(env)).toThrow(msg);
  });

  it('takes the Go settings out of what prepareRun sees, keeping gobox own', () => {
    expect(withoutGoSettings({ GOPROXY: 'x', GOFLAGS: 'y', https_proxy: 'z', GOBOX_STATE_DIR: '/s', HOME: '/h' })).toEqual({ GOBOX_STATE_DIR: '/s', HOME: '/h' });
  });
});
