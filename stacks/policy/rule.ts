/**
 * The shape of a policy rule and the small helpers rules share.
 *
 * A rule looks at one Terraform resource as it will be synthesized (snake_case
 * attributes, references rendered as `${type.id.attr}`) and, when it needs to,
 * at the rest of the stack through the {@link PolicyContext}.
 */
import { DefaultTokenResolver, StringConcat, TerraformResource, TerraformStack, Tokenization } from 'cdktf';

export type PolicyLevel = 'error' | 'warning';

/** What a rule says about one resource. A detail explains what exactly is wrong. */
export type RuleResult = 'compliant' | 'non-compliant' | 'not-applicable' | { readonly status: 'non-compliant'; readonly detail: string };

/** One Terraform resource as the rules see it. */
export interface PolicyResource {
  /** The construct (for annotations and suppressions). */
  readonly construct: TerraformResource;
  /** e.g. `aws_db_instance`. */
  readonly type: string;
  /** Logical id in the Terraform JSON. */
  readonly logicalId: string;
  /** Terraform address `type.logicalId`. */
  readonly address: string;
  /** Construct path, e.g. `production/database/instance`. */
  readonly path: string;
  /**
   * Resolved attributes exactly as in the synthesized JSON (snake_case keys,
   * escape-hatch overrides applied). Values that contain `${` are references or
   * expressions: set, but unknown until apply.
   */
  readonly config: Readonly<Record<string, any>>;
  /**
   * A JSON-document attribute (e.g. `container_definitions`) as a value. Reads
   * a JSON string (`JSON.stringify(...)`, references inside allowed) and
   * `Fn.jsonencode(...)` (from its argument); references inside become `${...}`
   * strings. `undefined` when absent or not decodable (e.g. the whole document
   * comes from a variable).
   */
  json(attribute: string): unknown;
}

/** Everything a rule may look at besides the resource itself. */
export interface PolicyContext {
  /** Every resource of the stack. */
  readonly resources: readonly PolicyResource[];
  /** True for production (the strict levels apply). */
  readonly production: boolean;
  /** Environment name, when given. */
  readonly environment?: string;
  /** The resources of the given Terraform types. */
  ofType(...types: string[]): PolicyResource[];
}

export interface PolicyRule {
  /** Stable id used in findings and suppressions, e.g. `VN-RDS-1`. */
  readonly id: string;
  /** Level in production. */
  readonly level: PolicyLevel;
  /**
   * Level outside production: `'warning'` relaxes an error, `'off'` skips the
   * rule (e.g. Multi-AZ in staging). @default the production level
   */
  readonly outsideProduction?: PolicyLevel | 'off';
  /** What the rule requires, one sentence. */
  readonly description: string;
  /** How to fix a finding, naming the attribute / construct prop. */
  readonly fix: string;
  appliesTo(resourceType: string): boolean;
  check(resource: PolicyResource, context: PolicyContext): RuleResult;
}

/** `appliesTo` for a fixed list of resource types. */
export function ofTypes(...types: string[]): (resourceType: string) => boolean {
  return (t) => types.includes(t);
}

/** A non-compliant result with an explanation. */
export function nonCompliant(detail: string): RuleResult {
  return { status: 'non-compliant', detail };
}

/** True for values only known at apply time (references, expressions). */
export function isUnknown(value: unknown): boolean {
  return typeof value === 'string' && value.includes('${');
}

/** `true`, `false`, `'unknown'` (a reference/expression) or `undefined` (not set). */
export function boolOf(value: unknown): boolean | 'unknown' | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return 'unknown';
}

/** A number, `'unknown'`, or `undefined` when not set. */
export function numberOf(value: unknown): number | 'unknown' | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return 'unknown';
}

/** Nested blocks come out as an object or a list of objects: always a list here. */
export function blocks(value: unknown): Record<string, any>[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter((b) => b !== null && typeof b === 'object');
}

/** A list attribute (strings), tolerating a single value. */
export function listOf(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True when `value` (a string or list) references any attribute of `target`, e.g. `${aws_vpc.main.id}`. */
export function references(value: unknown, target: PolicyResource): boolean {
  const pattern = new RegExp(`(?<![\\w.-])${escapeRegExp(target.address)}(?=[.\\[])`);
  return listOf(value).some((v) => typeof v === 'string' && v.includes('${') && pattern.test(v));
}

/**
 * True when `value` points at `target`: a reference to it, or the literal
 * `literalAttribute` value of it (e.g. a bucket named by its literal name).
 */
export function pointsAt(value: unknown, target: PolicyResource, literalAttribute?: string): boolean {
  if (references(value, target)) return true;
  if (!literalAttribute) return false;
  const literal = target.config[literalAttribute];
  return typeof literal === 'string' && !isUnknown(literal) && listOf(value).includes(literal);
}

const TOKEN_RESOLVER = new DefaultTokenResolver(new StringConcat());

/** Resolves tokens the way `TerraformStack.toTerraform()` does. */
export function resolveInStack(stack: TerraformStack, value: unknown): any {
  return Tokenization.resolve(value, { scope: stack, preparing: false, resolver: TOKEN_RESOLVER });
}

/**
 * Builds the rules' view of one resource. `config` is rendered on first read: the rules read about
 * half of the resources, and rendering is most of the pack's time at synth. The pack evaluates
 * synchronously at the end of the aspect pass, so a later render sees the same tree.
 */
export function describeResource(stack: TerraformStack, resource: TerraformResource): PolicyResource {
  const type = resource.terraformResourceType;
  const logicalId = resource.friendlyUniqueId;
  let config: Record<string, any> | undefined;
  const configOf = () => (config ??= renderedConfig(stack, resource, type, logicalId));
  const decoded = new Map<string, unknown>();
  return {
    construct: resource,
    type,
    logicalId,
    address: `${type}.${logicalId}`,
    path: resource.node.path,
    get config() {
      return configOf();
    },
    json(attribute: string): unknown {
      if (!decoded.has(attribute)) decoded.set(attribute, decodeJsonAttribute(stack, resource, attribute, configOf()[attribute]));
      return decoded.get(attribute);
    },
  };
}

/** The resource's arguments as in the synthesized JSON, without cdktf's `//` metadata. */
function renderedConfig(stack: TerraformStack, resource: TerraformResource, type: string, logicalId: string): Record<string, any> {
  const rendered = resolveInStack(stack, resource.toTerraform());
  const config: Record<string, any> = { ...(rendered?.resource?.[type]?.[logicalId] ?? {}) };
  delete config['//'];
  return config;
}

function decodeJsonAttribute(stack: TerraformStack, resource: TerraformResource, attribute: string, rendered: unknown): unknown {
  if (typeof rendered !== 'string') return rendered ?? undefined;
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };
  if (!rendered.includes('${')) return parse(rendered);
  // With references inside, read the attribute before resolution: token placeholders are plain JSON strings.
  const unresolved = (resource as unknown as { synthesizeAttributes(): Record<string, unknown> }).synthesizeAttributes()[attribute];
  if (typeof unresolved !== 'string') return undefined;
  // `Fn.jsonencode(value)` renders as `${jsonencode(...)}` (HCL, not JSON): take the function's argument.
  const fragments = Tokenization.reverseString(unresolved);
  const call = fragments.length === 1 ? (fragments.firstToken as unknown as { name?: unknown; args?: unknown } | undefined) : undefined;
  if (call && call.name === 'jsonencode' && Array.isArray(call.args) && call.args.length === 1) {
    const value = resolveInStack(stack, call.args[0]);
    return isUnknown(value) ? undefined : value;
  }
  // `JSON.stringify(value)` with references inside: JSON around `${TfToken[...]}` strings.
  const parsed = parse(unresolved);
  return parsed === undefined ? undefined : resolveInStack(stack, parsed);
}
