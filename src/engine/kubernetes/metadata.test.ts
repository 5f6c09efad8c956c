import { describe, expect, it } from 'vitest';
import { podFilter } from './metadata.js';

describe('podFilter', () => {
  it('selects label values on the server and matches a run dir (not a label value) on the pods\' annotations', () => {
    expect(podFilter({ 'gobox.kind': 'sandbox', 'gobox.daemon': '/run/gobox', 'gobox.daemon-conn': 'a1b2c3' })).toEqual({
      selector: 'gobox.managed=true,gobox.kind=sandbox,gobox.daemon-conn=a1b2c3',
      byAnnotation: [['gobox.daemon', '/run/gobox']],
    });
    expect(podFilter({})).toEqual({ selector: 'gobox.managed=true', byAnnotation: [] });
  });
});
