/**
 * Reads a `terraform show -json <planfile>` document and says what a reviewer
 * needs first: what is added, changed, destroyed or replaced, by resource
 * type, and, loudly, any destroy or replacement of a stateful resource (the
 * database instance above all).
 *
 * Works on the JSON alone, so tests feed it real plans and small hand-made ones.
 */

/** One entry of `resource_changes` (only the fields we read). */
export interface ResourceChange {
  readonly address: string;
  readonly mode?: 'managed' | 'data';
  readonly type: string;
  readonly name?: string;
  readonly action_reason?: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before?: unknown;
    readonly after?: unknown;
    readonly replace_paths?: readonly (readonly (string | number)[])[];
  };
}

interface PlannedModule {
  readonly resources?: readonly { readonly address: string; readonly mode?: string; readonly type: string }[];
  readonly child_modules?: readonly PlannedModule[];
}

/** The parts of a `terraform show -json` plan document we read. */
export interface PlanDocument {
  readonly format_version?: string;
  readonly terraform_version?: string;
  readonly planned_values?: { readonly root_module?: PlannedModule; readonly outputs?: Record<string, unknown> };
  readonly resource_changes?: readonly ResourceChange[];
  readonly errored?: boolean;
  readonly timestamp?: string;
}

/** What happens to one resource instance. `replace` is delete+create in either order. */
export type ChangeKind = 'create' | 'update' | 'delete' | 'replace' | 'read' | 'no-op' | 'forget';

export function changeKind(actions: readonly string[]): ChangeKind {
  const a = [...actions].sort().join(',');
  switch (a) {
    case 'create':
      return 'create';
    case 'update':
      return 'update';
    case 'delete':
      return 'delete';
    case 'create,delete':
      return 'replace';
    case 'read':
      return 'read';
    case 'forget':
      return 'forget';
    case 'no-op':
    case '':
      return 'no-op';
    default:
      throw new Error(`plan.json: unknown action list [${actions.join(', ')}]; is this a newer Terraform plan format?`);
  }
}

/**
 * Resource types whose destroy or replacement loses data or breaks something
 * outside Terraform. `critical` is called out first and loudest.
 */
export const STATEFUL_TYPES: Readonly<Record<string, { readonly level: 'critical' | 'warning'; readonly loses: string }>> = {
  aws_db_instance: { level: 'critical', loses: 'the RDS database and all its data (automated backups go with it unless retained)' },
  aws_rds_cluster: { level: 'critical', loses: 'the Aurora cluster and all its data' },
  aws_rds_cluster_instance: { level: 'warning', loses: 'an Aurora instance (failover, cold cache)' },
  aws_s3_bucket: { level: 'warning', loses: 'the bucket and its objects (logs, assets)' },
  aws_route53_zone: { level: 'warning', loses: 'the hosted zone: a new zone gets new name servers, so the domain delegation breaks until the registrar is updated' },
  aws_kms_key: { level: 'warning', loses: 'the KMS key (scheduled for deletion): anything encrypted with it becomes unreadable' },
  aws_ecr_repository: { level: 'warning', loses: 'the ECR repository and every image in it' },
  aws_secretsmanager_secret: { level: 'warning', loses: 'the secret and its value' },
  aws_efs_file_system: { level: 'warning', loses: 'the file system and its files' },
  aws_dynamodb_table: { level: 'warning', loses: 'the table and its items' },
};

export interface TypeCounts {
  readonly type: string;
  add: number;
  change: number;
  destroy: number;
  replace: number;
}

export interface PlanAlert {
  readonly level: 'critical' | 'warning';
  readonly address: string;
  readonly type: string;
  readonly kind: 'delete' | 'replace';
  /** Attributes that force the replacement (from `replace_paths`). */
  readonly forcedBy: string[];
  readonly actionReason?: string;
  /** What is lost, in words. */
  readonly loses: string;
  /** The instance has deletion protection on in its prior state (apply would fail at the delete). */
  readonly deletionProtected: boolean;
}

export interface PlanSummary {
  readonly terraformVersion?: string;
  /** Per instance: creates, in-place updates, deletes, replacements, data reads, untouched, forgotten. */
  readonly totals: { add: number; change: number; destroy: number; replace: number; read: number; noop: number; forget: number };
  /** Terraform's own "Plan: N to add, M to change, K to destroy" (a replacement counts once in add and once in destroy). */
  readonly terraformTotals: { add: number; change: number; destroy: number };
  /** Managed resource types with at least one change, sorted by type. */
  readonly byType: TypeCounts[];
  /** Stateful resources that are destroyed or replaced, critical first. */
  readonly alerts: PlanAlert[];
  /** Managed resource instances in `planned_values` (what exists once the plan is applied). */
  readonly plannedResources: number;
  readonly errored: boolean;
}

/** Managed resource instances in `planned_values` (root and child modules). */
export function plannedResourceAddresses(doc: PlanDocument): string[] {
  const out: string[] = [];
  const walk = (m: PlannedModule | undefined): void => {
    if (!m) return;
    for (const r of m.resources ?? []) if ((r.mode ?? 'managed') === 'managed') out.push(r.address);
    for (const c of m.child_modules ?? []) walk(c);
  };
  walk(doc.planned_values?.root_module);
  return out;
}

function pathText(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export function summarizePlan(doc: PlanDocument): PlanSummary {
  if (!doc || typeof doc !== 'object' || (!doc.resource_changes && !doc.planned_values)) {
    throw new Error('plan.json: not a `terraform show -json <planfile>` document (no resource_changes or planned_values)');
  }
  const totals = { add: 0, change: 0, destroy: 0, replace: 0, read: 0, noop: 0, forget: 0 };
  const types = new Map<string, TypeCounts>();
  const alerts: PlanAlert[] = [];
  for (const rc of doc.resource_changes ?? []) {
    const kind = changeKind(rc.change.actions);
    if (kind === 'read') {
      totals.read++;
      continue;
    }
    if ((rc.mode ?? 'managed') !== 'managed') continue;
    if (kind === 'no-op') {
      totals.noop++;
      continue;
    }
    if (kind === 'forget') {
      totals.forget++;
      continue;
    }
    const t = types.get(rc.type) ?? { type: rc.type, add: 0, change: 0, destroy: 0, replace: 0 };
    types.set(rc.type, t);
    if (kind === 'create') (totals.add++, t.add++);
    else if (kind === 'update') (totals.change++, t.change++);
    else if (kind === 'delete') (totals.destroy++, t.destroy++);
    else (totals.replace++, t.replace++);

    const stateful = STATEFUL_TYPES[rc.type];
    if (stateful && (kind === 'delete' || kind === 'replace')) {
      const before = (rc.change.before ?? {}) as Record<string, unknown>;
      alerts.push({
        level: stateful.level,
        address: rc.address,
        type: rc.type,
        kind,
        forcedBy: (rc.change.replace_paths ?? []).map(pathText),
        actionReason: rc.action_reason,
        loses: stateful.loses,
        deletionProtected: before.deletion_protection === true,
      });
    }
  }
  alerts.sort((a, b) => (a.level === b.level ? a.address.localeCompare(b.address) : a.level === 'critical' ? -1 : 1));
  return {
    terraformVersion: doc.terraform_version,
    totals,
    terraformTotals: { add: totals.add + totals.replace, change: totals.change, destroy: totals.destroy + totals.replace },
    byType: [...types.values()].sort((a, b) => a.type.localeCompare(b.type)),
    alerts,
    plannedResources: plannedResourceAddresses(doc).length,
    errored: doc.errored === true,
  };
}

function alertLine(a: PlanAlert): string {
  const what = a.kind === 'replace' ? 'will be REPLACED (destroyed and re-created)' : 'will be DESTROYED';
  const forced = a.forcedBy.length ? ` Forced by: ${a.forcedBy.map((p) => `\`${p}\``).join(', ')}.` : '';
  const reason = a.actionReason ? ` Reason: ${a.actionReason}.` : '';
  const protectedNote = a.deletionProtected ? ' Deletion protection is on, so the apply would fail at the delete step.' : '';
  return `\`${a.address}\` ${what}: loses ${a.loses}.${forced}${reason}${protectedNote}`;
}

/** The short human summary (Markdown) written next to plan.json. */
export function renderSummaryMarkdown(s: PlanSummary, stack: string): string {
  const lines: string[] = [];
  const critical = s.alerts.filter((a) => a.level === 'critical');
  const warnings = s.alerts.filter((a) => a.level === 'warning');
  lines.push(`# Plan review: ${stack}`, '');
  for (const a of critical) {
    lines.push('> [!CAUTION]', `> **DANGER: DATA LOSS.** ${alertLine(a)}`, '> Do not apply without a fresh snapshot and a reviewed reason.', '');
  }
  if (warnings.length) {
    lines.push('> [!WARNING]', '> **Stateful resources destroyed or replaced:**');
    for (const a of warnings) lines.push(`> - ${alertLine(a)}`);
    lines.push('');
  }
  if (s.errored) lines.push('> [!CAUTION]', '> **The plan errored**: it is incomplete; do not apply it.', '');
  const t = s.totals;
  lines.push(
    `**${t.add} to add, ${t.change} to change, ${t.destroy} to destroy, ${t.replace} to replace**` +
      ` (Terraform counts: ${s.terraformTotals.add} to add, ${s.terraformTotals.change} to change, ${s.terraformTotals.destroy} to destroy).`,
    '',
  );
  if (!s.alerts.length) lines.push('No stateful resource (database, bucket, zone, key, repository, secret) is destroyed or replaced.', '');
  if (s.byType.length) {
    lines.push('| Resource type | add | change | destroy | replace |', '|---|---:|---:|---:|---:|');
    for (const r of s.byType) lines.push(`| ${r.type} | ${r.add || ''} | ${r.change || ''} | ${r.destroy || ''} | ${r.replace || ''} |`);
    lines.push('');
  } else {
    lines.push('No changes: the infrastructure matches the configuration.', '');
  }
  lines.push(
    `${s.plannedResources} managed resources after apply; ${t.noop} unchanged; ${t.read} data sources read.` +
      (s.terraformVersion ? ` Terraform ${s.terraformVersion}.` : ''),
    '',
  );
  return lines.join('\n');
}
