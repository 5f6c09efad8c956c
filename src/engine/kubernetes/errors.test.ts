import { describe, expect, it } from 'vitest';
import { ConflictError, EngineUnavailableError, NotFoundError } from '../../common/errors.js';
import { convertKubeError, kubeCall } from './errors.js';
import { hopeless } from './pod-start.js';

const api = (code: number, message: string) => Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: JSON.stringify({ kind: 'Status', message }) });

describe('Kubernetes errors in gobox terms', () => {
  it('keeps the API sentence and names RBAC for a 403', () => {
    const e = convertKubeError(api(403, 'pods is forbidden: User "u" cannot create resource "pods"'), 'create pod x', 'https://k:6443');
    expect(e.message).toBe('not allowed to create pod x (RBAC): pods is forbidden: User "u" cannot create resource "pods"');
    expect(e.hint).toMatch(/Role/);
    expect(convertKubeError(api(404, 'namespaces "nope" not found'), 'create pod x', 's')).toBeInstanceOf(NotFoundError);
    expect(convertKubeError(api(409, 'exists'), 'create claim', 's')).toBeInstanceOf(ConflictError);
  });

  it('says the API is unreachable for a refused connection, and bounds a call that never answers', async () => {
    const refused = Object.assign(new Error('request to https://10.0.0.1:6443/version failed, reason: connect ECONNREFUSED 10.0.0.1:6443'), { type: 'system' });
    const e = convertKubeError(refused, 'read the API version', 'https://10.0.0.1:6443');
    expect(e).toBeInstanceOf(EngineUnavailableError);
    expect(e.message).toBe('Kubernetes API at https://10.0.0.1:6443 unreachable while trying to read the API version: ECONNREFUSED');
    await expect(kubeCall('https://k', 'list pods', () => new Promise(() => {}), 50)).rejects.toThrow('Kubernetes API at https://k did not answer within 0.05s while trying to list pods');
  });

  it('fails a pod at once for a missing image with imagePullPolicy Never, and waits on anything else', () => {
    expect(hopeless([{ name: 'sandbox', image: 'gobox-base:nope', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImageNeverPull', message: 'never pull' } } }])).toBe(
      'container sandbox: ErrImageNeverPull (image gobox-base:nope is not on the node and imagePullPolicy is Never: import it on the node)',
    );
    expect(hopeless([{ name: 'sandbox', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }])).toBeUndefined();
  });
});
