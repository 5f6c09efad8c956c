import type { z } from 'zod';
import { ConfigError } from '../common/errors.js';

/** One line per problem: "FILE: field.path: what was expected". */
export function describeIssues(file: string, issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const where = issue.path.length ? issue.path.join('.') : '(top level)';
      return `${file}: ${where}: ${issue.message}`;
    })
    .join('; ');
}

export function configError(file: string, issues: readonly z.core.$ZodIssue[], hint?: string): ConfigError {
  return new ConfigError(describeIssues(file, issues), { hint: hint ?? `fix ${file}, then check it with: gobox profile validate ${file}` });
}
