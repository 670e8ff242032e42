/**
 * The schema model the catalog readers (kinds/*.ts) fill and `ddl.ts` turns into statements.
 * Plain data: every name is already quoted and schema-qualified where it is an object name.
 */
import type { NotCarried } from './carried';

export interface Column {
  readonly name: string;
  readonly type: string;
  readonly typeOid: number;
  readonly notNull: boolean;
  /** '' | 'a' (ALWAYS) | 'd' (BY DEFAULT) */
  readonly identity: string;
  /** '' | 's' (stored generated column) */
  readonly generated: string;
  readonly defaultExpr: string | null;
  readonly collation: string | null;
  /** True when COPY BINARY can carry the type between clusters (built-in type). */
  readonly builtinType: boolean;
  readonly identitySequence: SequenceOptions | null;
}

export interface SequenceOptions {
  readonly qname: string;
  readonly dataType: string;
  readonly start: string;
  readonly increment: string;
  readonly min: string;
  readonly max: string;
  readonly cache: string;
  readonly cycle: boolean;
}

export interface Table {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly qname: string;
  /** 'r' plain table, 'p' partitioned table (holds no rows itself) */
  readonly kind: 'r' | 'p';
  readonly unlogged: boolean;
  readonly parent: string | null;
  readonly partitionBound: string | null;
  readonly partitionKey: string | null;
  readonly partitionDepth: number;
  readonly rootQname: string;
  readonly reloptions: string[] | null;
  readonly rlsEnabled: boolean;
  readonly rlsForced: boolean;
  readonly estimatedRows: number;
  /** Total size with indexes and TOAST. */
  readonly bytes: number;
  /** Heap pages of the table itself (for splitting big tables into block ranges). */
  readonly pages: number;
  readonly hasPrimaryKey: boolean;
  readonly replicaIdentity: string;
  /** Inherits from a non-partition parent (plain inheritance, not carried). */
  readonly plainInheritance: boolean;
  readonly columns: Column[];
  /** Check constraints created with the table: name and definition. */
  readonly checks: { readonly name: string; readonly def: string; readonly validated: boolean; readonly local: boolean; readonly inherited: boolean }[];
}

export interface View {
  readonly oid: number;
  readonly qname: string;
  readonly kind: 'v' | 'm';
  readonly definition: string;
  readonly reloptions: string[] | null;
  readonly populated: boolean;
  /** Tables and views this view reads. */
  readonly dependsOn: number[];
}

export interface Index {
  readonly oid: number;
  readonly qname: string;
  readonly tableOid: number;
  readonly table: string;
  readonly def: string;
  /** Parent index this one is a partition of (ALTER INDEX parent ATTACH PARTITION this). */
  readonly parentIndex: string | null;
  readonly tableDepth: number;
}

export interface Constraint {
  readonly name: string;
  readonly tableOid: number;
  readonly table: string;
  /** p primary key, u unique, x exclusion, f foreign key, c check */
  readonly type: 'p' | 'u' | 'x' | 'f' | 'c';
  readonly def: string;
  readonly refTableOid: number | null;
  readonly indexQname: string | null;
}

export interface Sequence extends SequenceOptions {
  readonly schema: string;
  readonly name: string;
  readonly unlogged: boolean;
  readonly ownedBy: { readonly table: string; readonly tableOid: number; readonly column: string } | null;
  /** Identity sequences are created by their table. */
  readonly identity: boolean;
}

export interface TypeDef {
  readonly oid: number;
  readonly qname: string;
  readonly kind: 'enum' | 'domain' | 'composite';
  readonly sql: string;
}

export interface FunctionDef {
  readonly oid: number;
  /** `schema.name(argument types)` */
  readonly identity: string;
  readonly sql: string;
}

export interface Trigger {
  readonly name: string;
  readonly tableOid: number;
  readonly table: string;
  readonly def: string;
  readonly enabled: string;
}

export interface Policy {
  readonly name: string;
  readonly tableOid: number;
  readonly table: string;
  readonly sql: string;
}

export interface CommentDef {
  readonly relOid: number | null;
  readonly sql: string;
  readonly key: string;
}

export interface SchemaModel {
  readonly serverVersion: string;
  readonly serverVersionNum: number;
  readonly schemas: { readonly name: string }[];
  readonly extensions: { readonly name: string; readonly schema: string; readonly version: string }[];
  readonly types: TypeDef[];
  readonly functions: FunctionDef[];
  readonly sequences: Sequence[];
  readonly tables: Table[];
  readonly views: View[];
  readonly indexes: Index[];
  readonly constraints: Constraint[];
  readonly triggers: Trigger[];
  readonly policies: Policy[];
  readonly comments: CommentDef[];
  /** What the copy cannot carry (also reported by db:audit); see carried.ts. */
  readonly unsupported: NotCarried[];
}

