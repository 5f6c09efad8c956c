import { describe, expect, it } from 'vitest';
import { hostConfigSchema } from '../../config/schema.js';
import { mayGrade, policyProblems, rulesFor } from './grading-policy.js';

// Rules as the host config parses them, so the policy is tested on the real shape.
const { classes } = hostConfigSchema.parse({
  classes: [
    { group: 'teachers', groups: ['students'] },
    { group: 'ta', users: ['alice'], classes: ['go101'] },
  ],
});
const teacher = { name: 'tom', groups: ['tom', 'teachers'] };
const ta = { name: 'tina', groups: ['tina', 'ta'] };
const student = { name: 'bob', groups: ['bob', 'students'] };
const alice = { id: 's1', user: 'alice', groups: ['alice'] };
const bob = { id: 's2', user: 'bob', groups: ['bob', 'students'] };
const sub = { id: 's3', groups: [] };

describe('class grading policy', () => {
  it('lets a group grade the users and groups its rule names, in its classes', () => {
    expect(mayGrade(classes, teacher, 'go101', bob)).toBe(true);
    expect(mayGrade(classes, teacher, 'go101', alice)).toBe(false);
    expect(mayGrade(classes, ta, 'go101', alice)).toBe(true);
    expect(mayGrade(classes, ta, 'go102', alice)).toBe(false);
    expect(rulesFor(classes, ta, 'go102')).toEqual([]);
  });

  it('lets no student grade, not even themselves', () => {
    expect(mayGrade(classes, student, 'go101', bob)).toBe(false);
    expect(mayGrade(classes, { name: 'bob', groups: ['teachers'] }, 'go101', bob)).toBe(false);
  });

  it('covers submissions without an account only for graders of the class', () => {
    expect(mayGrade(classes, teacher, 'go101', sub)).toBe(true);
    expect(mayGrade(classes, student, 'go101', sub)).toBe(false);
    expect(mayGrade([], teacher, 'go101', sub)).toBe(false);
  });

  it('gives one line per student left out', () => {
    expect(policyProblems(classes, teacher, 'go101', [alice, bob, sub])).toEqual(['student s1: tom may not grade user alice in class go101 (host config classes:)']);
  });
});
