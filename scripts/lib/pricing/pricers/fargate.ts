/** Fargate services: task size from the task definition, tasks = autoscaling floor (else desired_count). */
import { Pricer } from './pricer';
import { asList, num, references, usd } from './util';

export const FargatePricer: Pricer = {
  family: 'Fargate',
  types: ['aws_ecs_service'],
  price({ prices, H, res, all, add, skip, note }) {
    for (const [id, svc] of all('aws_ecs_service')) {
      const providers = asList<{ capacity_provider?: string }>(svc.capacity_provider_strategy).map((c) => c.capacity_provider);
      const fargate = svc.launch_type === 'FARGATE' || providers.includes('FARGATE') || providers.includes('FARGATE_SPOT');
      if (!fargate) {
        skip('aws_ecs_service', 1, `${id}: not a Fargate service (EC2 capacity is priced by its instances)`);
        continue;
      }
      const tdRef = references(svc.task_definition).find((r) => r.type === 'aws_ecs_task_definition');
      const td = tdRef ? res.aws_ecs_task_definition?.[tdRef.id] : undefined;
      if (!td) {
        skip('aws_ecs_service', 1, `${id}: task definition not found in the stack, so its size is unknown`);
        continue;
      }
      const vcpu = num(td.cpu, NaN) / 1024;
      const gb = num(td.memory, NaN) / 1024;
      if (!Number.isFinite(vcpu) || !Number.isFinite(gb)) {
        skip('aws_ecs_service', 1, `${id}: task cpu/memory not set at the task level`);
        continue;
      }
      const target = all('aws_appautoscaling_target').find(([, t]) => t.service_namespace === 'ecs' && references(t.resource_id).some((r) => r.type === 'aws_ecs_service' && r.id === id));
      // A bootstrap service (no image tag yet) runs 0 tasks and has no scalable target; its tags say
      // what it runs once deployed, which is what a monthly estimate is for.
      const tags = (svc.tags ?? {}) as Record<string, unknown>;
      const steady = !target && num(svc.desired_count, 1) === 0 && tags.SteadyStateMinTasks !== undefined;
      const tasks = target ? num(target[1].min_capacity, 1) : steady ? num(tags.SteadyStateMinTasks, 1) : num(svc.desired_count, 1);
      const arch = String(asList<{ cpu_architecture?: string }>(td.runtime_platform)[0]?.cpu_architecture ?? 'X86_64').toUpperCase() === 'ARM64' ? 'arm64' : 'x86';
      const p = prices.fargate[arch];
      const from = target ? 'autoscaling min_capacity' : steady ? 'minTasks; bootstrap runs 0 until an image tag is deployed' : 'desired_count';
      add({ type: 'aws_ecs_service', item: `Fargate vCPU (${arch}, ${tasks} tasks from ${from})`, count: 1, monthlyUsd: vcpu * tasks * H * p.vcpuHour, basis: `${vcpu} vCPU x ${tasks} x ${H} h x $${p.vcpuHour}`, usageAssumption: false, guide: 'compute' });
      add({ type: 'aws_ecs_service', item: `Fargate memory (${arch})`, count: 1, monthlyUsd: gb * tasks * H * p.gbHour, basis: `${gb} GB x ${tasks} x ${H} h x $${p.gbHour}`, usageAssumption: false, guide: 'compute' });
      const eph = num(asList<{ size_in_gib?: number }>(td.ephemeral_storage)[0]?.size_in_gib, 20);
      if (eph > 20) add({ type: 'aws_ecs_service', item: 'Fargate ephemeral storage above 20 GB', count: 1, monthlyUsd: (eph - 20) * tasks * H * prices.fargate.ephemeralGbHourAbove20, basis: `${eph - 20} GB x ${tasks} x ${H} h`, usageAssumption: false, guide: 'compute' });
      if (providers.includes('FARGATE_SPOT')) note(`${id}: uses FARGATE_SPOT; priced at on-demand rates (Spot is up to 70% less)`);
      if (steady) note(`Bootstrap: ${id} runs 0 tasks until the first apply with an image tag; priced at its ${tasks}-task floor`);
      if (target || steady) {
        const max = target ? num(target[1].max_capacity, tasks) : num(tags.SteadyStateMaxTasks, tasks);
        if (max > tasks) note(`Scale-out: ${id} may run up to ${max} tasks; at the ceiling Fargate adds ${usd((max - tasks) * H * (vcpu * p.vcpuHour + gb * p.gbHour))}/month over this baseline`);
      }
    }
  },
};
