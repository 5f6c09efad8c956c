import { describe, expect, it } from 'vitest';
import { dieCode } from './exit-event.js';

const ID = 'a'.repeat(64);
const event = (over: Record<string, unknown>) => JSON.stringify({ status: 'die', id: ID, Type: 'container', Action: 'die', Actor: { ID, Attributes: { exitCode: '0', image: 'x' } }, ...over });

describe('dieCode', () => {
  it('reads the exit code of this container\'s die event', () => {
    expect(dieCode(event({}), ID)).toBe(0);
    expect(dieCode(event({ Actor: { ID, Attributes: { exitCode: '137' } } }), ID)).toBe(137);
  });

  it('ignores other containers, other actions and lines that are not events', () => {
    expect(dieCode(event({ Actor: { ID: 'b'.repeat(64), Attributes: { exitCode: '0' } }, id: 'b'.repeat(64) }), ID)).toBeUndefined();
    expect(dieCode(event({ Action: 'start', status: 'start' }), ID)).toBeUndefined();
    expect(dieCode('{"status":', ID)).toBeUndefined();
    expect(dieCode(event({ Actor: { ID, Attributes: {} } }), ID)).toBeUndefined();
  });
});
