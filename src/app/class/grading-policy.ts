import type { ClassGraderRule } from '../../config/class-schema.js';

/** Someone asking the daemon to grade: the unix groups their account is in. */
export interface Grader {
  name: string;
  groups: readonly string[];
}

/** A student as the policy sees them: their account and its groups (none without an account). */
export interface PolicyStudent {
  id: string;
  user?: string;
  groups: readonly string[];
}

/** The rules of host config `classes:` that let this grader grade this class. */
export function rulesFor(rules: readonly ClassGraderRule[], grader: Grader, className: string): ClassGraderRule[] {
  return rules.filter((r) => grader.groups.includes(r.group) && (r.classes === undefined || r.classes.includes(className)));
}

/**
 * Whether the daemon may run this student's code on this grader's behalf. No rule means no:
 * grading runs code as another user, so it is allowed only where the admin said so. A submission
 * without an account runs as the class's grading uid and is the grader's own material, so any rule
 * for the class covers it (the daemon still checks its directory as the grader).
 */
export function mayGrade(rules: readonly ClassGraderRule[], grader: Grader, className: string, student: PolicyStudent): boolean {
  const mine = rulesFor(rules, grader, className);
  if (mine.length === 0) return false;
  if (student.user === undefined) return true;
  if (student.user === grader.name) return false;
  return mine.some((r) => r.users.includes(student.user!) || student.groups.some((g) => r.groups.includes(g)));
}

/** One line per student the grader may not grade; the daemon leaves them out and grades the rest. */
export function policyProblems(rules: readonly ClassGraderRule[], grader: Grader, className: string, students: readonly PolicyStudent[]): string[] {
  return students
    .filter((s) => !mayGrade(rules, grader, className, s))
    .map((s) => `student ${s.id}: ${grader.name} may not grade user ${s.user ?? '(none)'} in class ${className} (host config classes:)`);
}
