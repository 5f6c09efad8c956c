import { describe, expect, it } from 'vitest';
import { ConfigError } from '../common/errors.js';
import { parseYamlText } from './load-yaml.js';
import { hostConfigSchema, profileSchema } from './schema.js';

function failure(text: string, schema: typeof profileSchema | typeof hostConfigSchema = profileSchema): ConfigError {
  try {
    parseYamlText('x.yaml', text, schema);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseYamlText', () => {
  it('accepts a valid profile and fills the defaults', () => {
    const p = parseYamlText('x.yaml', 'limits:\n  memory: 512m\njail: true\n', profileSchema);
    expect(p.limits.memory).toBe('512m');
    expect(p.limits.cpus).toBe(2);
    expect(p.jail).toBe(true);
    expect(p.network).toBe('open');
  });

  it('treats an empty file as an empty mapping', () => {
    expect(parseYamlText('x.yaml', '', profileSchema).image).toBe('gobox-base:bookworm');
  });

  it('names the file and field path of a bad size', () => {
    const e = failure('limits:\n  memory: lots\n');
    expect(e.message).toMatch(/^x\.yaml: limits\.memory: expected a size/);
    expect(e.exitCode).toBe(125);
    expect(e.hint).toContain('x.yaml');
  });

  it('refuses a timeout longer than a timer can wait (it would fire at once), and takes 24d and 0', () => {
    for (const t of ['25d', '30d', '2147484s', 2_147_484]) {
      const e = failure(`limits:\n  timeout: ${t}\n`);
      expect(e.message).toMatch(/^x\.yaml: limits\.timeout: expected at most 24d/);
    }
    for (const t of ['24d', '0', '596h']) expect(parseYamlText('x.yaml', `limits:\n  timeout: ${t}\n`, profileSchema).limits.timeout).toEqual(t === '0' ? 0 : t);
    const host = failure('maxLimits:\n  timeout: 40d\n', hostConfigSchema);
    expect(host.message).toContain('maxLimits.timeout: expected at most 24d');
  });

  it('names unknown keys with their path', () => {
    const e = failure('limits:\n  cpu: 2\n');
    expect(e.message).toContain('x.yaml: limits:');
    expect(e.message).toContain('cpu');
  });

  it('refuses env keys outside the allowlist', () => {
    const e = failure('env:\n  LD_PRELOAD: /evil.so\n');
    expect(e.message).toContain('x.yaml: env');
    expect(e.message).toContain('LD_PRELOAD');
  });

  it('reports every problem in one message', () => {
    const e = failure('bogus: 1\nnetwork: wide\nlimits:\n  memory: 1x\n  timeout: soon\n');
    expect(e.message).toContain('x.yaml: limits.memory: expected a size');
    expect(e.message).toContain('x.yaml: limits.timeout: expected a duration');
    expect(e.message).toContain('x.yaml: network:');
    expect(e.message).toContain('bogus');
    expect(e.message.split('; ').length).toBeGreaterThanOrEqual(4);
  });

  it('gives the line of invalid YAML', () => {
    const e = failure('image: ok\nlimits: [\nb: c\n');
    expect(e.message).toMatch(/^x\.yaml:\d+: not valid YAML/);
    const line = Number(/^x\.yaml:(\d+):/.exec(e.message)![1]);
    expect(line).toBeGreaterThanOrEqual(2);
  });

  it('refuses a top-level list', () => {
    expect(failure('- 1\n- 2\n').message).toContain('x.yaml: (top level):');
  });

  it('validates host config too', () => {
    const e = failure('maxLimits:\n  memory: huge\ngoMirror: not a url\n', hostConfigSchema);
    expect(e.message).toContain('x.yaml: maxLimits.memory: expected a size');
    expect(e.message).toContain('x.yaml: goMirror:');
  });
});
