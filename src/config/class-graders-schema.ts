import { z } from '../common/zod.js';

/*
 * Kept apart from class-schema.ts so that schema.ts (the host config) can include it without a
 * cycle: class-schema.ts reuses schema.ts's duration and network validators.
 */

/**
 * A class name becomes a directory under the state dir and a label value, so it is kept to
 * characters that are safe in both (no dots: "..", ".tmp-" and hidden names stay impossible).
 */
export const CLASS_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const className = z.string().regex(CLASS_NAME_RE, { message: 'expected a class name of lowercase letters, digits, "-" and "_" (at most 63), starting with a letter or digit' });

/** A unix user or group name as useradd accepts it (and the daemon's policy names them). */
const unixName = z.string().regex(/^[a-z_][a-z0-9_.-]*\$?$/i, { message: 'expected a unix user or group name' });

/**
 * Host config `classes:`: members of `group` may grade the listed users and the members of the
 * listed groups through the daemon. Nobody else may start a class run on a shared host.
 */
export const classGraderRuleSchema = z
  .strictObject({
    group: unixName,
    users: z.array(unixName).default([]),
    groups: z.array(unixName).default([]),
    /** Classes this rule covers; absent means every class. */
    classes: z.array(className).optional(),
  })
  .refine((r) => r.users.length + r.groups.length > 0, { message: 'expected users or groups that this group may grade' })
  .refine((r) => !r.users.includes('root'), { message: 'root is never graded: remove it from users', path: ['users'] });
export type ClassGraderRule = z.infer<typeof classGraderRuleSchema>;
export const classGradersSchema = z.array(classGraderRuleSchema).default([]);
