import { boolOf, nonCompliant, ofTypes, PolicyRule } from '../rule';

/** A compromised process cannot write binaries or web shells into the image's file system. */
export const EcsTaskReadonlyRootFilesystem: PolicyRule = {
  id: 'VN-ECS-2',
  level: 'warning',
  description: 'ECS containers run with a read-only root file system.',
  fix: 'Set `readonlyRootFilesystem: true` in the container definition and mount writable volumes only where the app writes (e.g. /tmp, /app/.next/cache); config: environments.<env>.service.readonlyRootFilesystem.',
  appliesTo: ofTypes('aws_ecs_task_definition'),
  check(task) {
    const containers = task.json('container_definitions');
    // Not decodable (e.g. the whole document comes from a variable): nothing to judge.
    if (!Array.isArray(containers)) return 'not-applicable';
    const writable = containers
      .filter((c) => c !== null && typeof c === 'object')
      .filter((c) => {
        const v = boolOf((c as Record<string, unknown>).readonlyRootFilesystem);
        return v !== true && v !== 'unknown';
      })
      .map((c) => String((c as Record<string, unknown>).name ?? '(unnamed)'));
    return writable.length === 0 ? 'compliant' : nonCompliant(`container${writable.length > 1 ? 's' : ''} ${writable.join(', ')} without readonlyRootFilesystem: true`);
  },
};
