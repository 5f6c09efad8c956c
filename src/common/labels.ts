/** Every label gobox puts on engine objects. Listing, admin and reaping all go through these names. */
export const LABEL = {
  managed: 'gobox.managed',
  owner: 'gobox.owner',
  session: 'gobox.session',
  profile: 'gobox.profile',
  pid: 'gobox.pid',
  pidStart: 'gobox.pid-start',
  /** Inode of the owning process's PID namespace: its pid means nothing in another namespace. */
  pidns: 'gobox.pidns',
  host: 'gobox.host',
  created: 'gobox.created',
  expires: 'gobox.expires',
  command: 'gobox.command',
  toolchain: 'gobox.toolchain',
  kind: 'gobox.kind',
  recipe: 'gobox.recipe',
  /** On a user's network: the network mode it serves (open or proxy). */
  networkMode: 'gobox.network-mode',
  /** On a class's grading sandbox: the class, its run and the student graded (gobox class status). */
  className: 'gobox.class',
  classRun: 'gobox.class-run',
  student: 'gobox.student',
} as const;

export interface SandboxLabelInput {
  owner: number;
  session: string;
  profile: string;
  pid: number;
  pidStart: string;
  /** Absent on labels made before namespaces were recorded; readers then judge by pid alone. */
  pidns?: string;
  host: string;
  created: Date;
  expires: Date;
  command: readonly string[];
  toolchain: string;
}

export function createLabels(input: SandboxLabelInput): Record<string, string> {
  return {
    [LABEL.managed]: 'true',
    [LABEL.kind]: 'sandbox',
    [LABEL.owner]: String(input.owner),
    [LABEL.session]: input.session,
    [LABEL.profile]: input.profile,
    [LABEL.pid]: String(input.pid),
    [LABEL.pidStart]: input.pidStart,
    ...(input.pidns ? { [LABEL.pidns]: input.pidns } : {}),
    [LABEL.host]: input.host,
    [LABEL.created]: input.created.toISOString(),
    [LABEL.expires]: input.expires.toISOString(),
    // Truncated: labels are for listing, not for replaying the command.
    [LABEL.command]: input.command.join(' ').slice(0, 200),
    [LABEL.toolchain]: input.toolchain,
  };
}
