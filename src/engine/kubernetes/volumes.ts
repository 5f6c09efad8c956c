import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { VolumeInfo } from '../engine.js';

/** A cache claim in the Engine's own terms: no mountpoint on this host, its class and size as options. */
export function volumeOf(pvc: V1PersistentVolumeClaim): VolumeInfo {
  return {
    name: pvc.metadata?.name ?? '',
    labels: pvc.metadata?.labels ?? {},
    mountpoint: '',
    driver: 'persistentvolumeclaim',
    options: {
      phase: pvc.status?.phase ?? 'Pending',
      ...(pvc.spec?.storageClassName ? { storageClass: pvc.spec.storageClassName } : {}),
      ...(pvc.spec?.resources?.requests?.storage ? { size: String(pvc.spec.resources.requests.storage) } : {}),
      ...(pvc.spec?.volumeName ? { volume: pvc.spec.volumeName } : {}),
    },
  };
}
