import { describe, expect, it } from 'vitest';
import { removableLater } from './execute.js';

describe('removableLater', () => {
  it('lets the agent remove the sandbox after the reply only when the command ended on its own', () => {
    expect(removableLater(0, undefined, undefined)).toBe(true);
    expect(removableLater(1, undefined, undefined)).toBe(true);
    expect(removableLater(127, undefined, undefined)).toBe(true);
  });

  it('removes it before the reply when the status may be the engine going away, or gobox stopped it', () => {
    // 128 + a signal: what a command gets when the engine stops (the removal then says so).
    expect(removableLater(143, undefined, undefined)).toBe(false);
    expect(removableLater(137, undefined, undefined)).toBe(false);
    expect(removableLater(124, 'timeout', undefined)).toBe(false);
    expect(removableLater(0, 'output-limit', undefined)).toBe(false);
    expect(removableLater(0, undefined, 'socket hang up')).toBe(false);
  });
});
