import { describe, expect, it } from 'vitest';
import { CommandExit } from '../../common/errors.js';
import { startFailure } from './start-failure.js';

const exitOf = (text: string) => {
  const r = startFailure(new Error(text), 'cmd');
  return r instanceof CommandExit ? r.exitCode : 'engine error';
};

describe('startFailure', () => {
  it("gives a command the engine could not exec a shell's status", () => {
    expect(exitOf('OCI runtime create failed: container_linux.go:380: starting container process caused: exec: "nosuch": executable file not found in $PATH: unknown')).toBe(127);
    expect(exitOf('starting container process caused: exec: "/nope": stat /nope: no such file or directory: unknown')).toBe(127);
    expect(exitOf('executable file `nosuch` not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found')).toBe(127);
    expect(exitOf('runc create failed: unable to start container process: exec: "/etc/passwd": permission denied: OCI permission denied')).toBe(126);
  });

  it('leaves mount failures (a project directory that vanished during the start) as engine errors', () => {
    expect(exitOf('error while creating mount source path \'/tmp/p/proj\': mkdir /tmp/p/proj: no such file or directory')).toBe('engine error');
    expect(exitOf('OCI runtime create failed: container_linux.go:380: starting container process caused: process_linux.go:545: container init caused: rootfs_linux.go:76: mounting "/tmp/p/proj" to rootfs at "/tmp/p/proj" caused: stat /tmp/p/proj: no such file or directory: unknown')).toBe('engine error');
    expect(exitOf('invalid mount config for type "bind": bind source path does not exist: /tmp/p/proj')).toBe('engine error');
    expect(exitOf('cannot connect: permission denied')).toBe('engine error');
  });
});
