import { describe, expect, it } from 'vitest';
import { hostConfigSchema, profileSchema } from '../config/schema.js';
import { applyPolicy, effectivePolicy } from './policy.js';

const profile = profileSchema.parse({ limits: { memory: '4g', timeout: '1h', pids: 2048 }, cache: { size: '10g' } });

describe('daemon policy', () => {
  const config = hostConfigSchema.parse({
    allowedProfiles: ['default', 'classroom'],
    maxLimits: { memory: '2g', timeout: '30m', cacheSize: '1g' },
    policy: { maxSandboxes: 2, networks: ['none', 'open'], rules: [{ groups: ['staff'], maxLimits: { memory: '8g' }, maxSandboxes: 8 }] },
  });

  it('applies rules for the user or their groups, later rules winning', () => {
    expect(effectivePolicy(config, 'ann', ['students']).maxSandboxes).toBe(2);
    const staff = effectivePolicy(config, 'bob', ['staff']);
    expect(staff.maxSandboxes).toBe(8);
    expect(staff.maxLimits).toMatchObject({ memory: '8g', timeout: '30m' });
  });

  it("lowers the profile's own values to the maximum, and refuses requests over it naming the limit", () => {
    const p = effectivePolicy(config, 'ann', []);
    const got = applyPolicy('default', profile, {}, p, '/etc/gobox/config.yaml');
    expect(got.limits.memory).toBe('2g');
    expect(got.limits.timeout).toBe('30m');
    expect(got.cache.size).toBe('1g');
    expect(() => applyPolicy('default', profile, { memory: '3g' }, p)).toThrow(/requested memory 3 GiB exceeds the policy maximum 2 GiB \(maxLimits.memory\)/);
    expect(() => applyPolicy('default', profile, { timeout: 0 }, p)).toThrow(/requested timeout none exceeds/);
    expect(applyPolicy('default', profile, { memory: '1g', pids: 64 }, p).limits).toMatchObject({ memory: '1g', pids: 64 });
  });

  it('refuses profiles and network modes the policy does not allow', () => {
    const p = effectivePolicy(config, 'ann', []);
    expect(() => applyPolicy('jail', profile, {}, p)).toThrow(/profile 'jail' is not allowed/);
    expect(() => applyPolicy('default', { ...profile, network: 'proxy' }, {}, p)).toThrow(/network mode 'proxy'.*policy.networks: none, open/);
  });
});
