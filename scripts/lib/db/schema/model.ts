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
  /** Per-column statistics target (`SET STATISTICS`); null for the default. */
  readonly statistics: number | null;
  /** attstorage: p plain, e external, m main, x extended (`SET STORAGE`). */
  readonly storage: string;
  /** The type's default storage. */
  readonly typeStorage: string;
  /** attcompression: '' default, p pglz, l lz4 (`SET COMPRESSION`). */
  readonly compression: string;
  /** Attribute options such as `n_distinct=100` (`SET (...)`). */
  readonly options: string[] | null;
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
  /** Options of the table's TOAST table (`toast.autovacuum_enabled=false`), without the `toast.` prefix. */
  readonly toastOptions: string[] | null;
  /** Tablespace (null for the database's default). */
  readonly tablespace: string | null;
  /**
   * A partition whose columns are in another order than its parent's (created apart, then
   * attached): created as a table of its own and attached, as pg_dump does.
   */
  readonly ownColumnOrder: boolean;
  readonly rlsEnabled: boolean;
  readonly rlsForced: boolean;
  readonly estimatedRows: number;
  /** Total size with indexes and TOAST. */
  readonly bytes: number;
  /** Heap pages of the table itself (for splitting big tables into block ranges). */
  readonly pages: number;
  readonly hasPrimaryKey: boolean;
  /** d default, n nothing, f full, i index (see replicaIndex). */
  readonly replicaIdentity: string;
  /** Index used by REPLICA IDENTITY USING INDEX (unqualified, quoted). */
  readonly replicaIndex: string | null;
  /** Index marked by CLUSTER ON (unqualified, quoted). */
  readonly clusterOn: string | null;
  /** Composite type of a typed table (`CREATE TABLE ... OF type`). */
  readonly ofType: string | null;
  /** Inherits from a non-partition parent (plain inheritance, not carried). */
  readonly plainInheritance: boolean;
  readonly columns: Column[];
  /** Check constraints created with the table: name and definition. */
  readonly checks: CheckDef[];
}

export interface CheckDef {
  readonly name: string;
  readonly def: string;
  readonly validated: boolean;
  readonly local: boolean;
  readonly inherited: boolean;
  /** Calls a function over a table's row type: added after that function (it cannot be created before the table). */
  readonly late?: boolean;
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
  /** Relies on a table's primary key or unique constraint (GROUP BY the key): created after the keys. */
  readonly dependsOnKey?: boolean;
  /** Materialized views: column settings (statistics, storage, compression, options). */
  readonly columns?: Column[];
  readonly toastOptions?: string[] | null;
  readonly tablespace?: string | null;
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
  /** False for an index left invalid by a failed CREATE INDEX CONCURRENTLY (skipped, as pg_dump does). */
  readonly valid?: boolean;
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
  readonly kind: 'enum' | 'domain' | 'composite' | 'range' | 'shell';
  readonly sql: string;
  /** Domain constraints added NOT VALID: added after the data (`ALTER DOMAIN ... ADD ... NOT VALID`). */
  readonly notValid?: { readonly name: string; readonly def: string }[];
}

export interface FunctionDef {
  readonly oid: number;
  /** `schema.name(argument types)` */
  readonly identity: string;
  readonly sql: string;
  /** Takes or returns a table's row type: created after the tables. */
  readonly late?: boolean;
}

export interface Trigger {
  readonly name: string;
  readonly tableOid: number;
  readonly table: string;
  readonly def: string;
  readonly enabled: string;
  /**
   * The clone of a partitioned table's trigger on a partition whose enabled state differs from
   * its parent trigger's: only its state is written (`ALTER TABLE partition DISABLE TRIGGER`).
   */
  readonly clone?: boolean;
  /** Depth of the partition (clones are set parent first). */
  readonly depth?: number;
}

export interface Policy {
  readonly name: string;
  /** Roles the policy applies to (unquoted names; PUBLIC left out). */
  readonly roles: string[];
  readonly tableOid: number;
  readonly table: string;
  readonly sql: string;
}

/** A rule (CREATE RULE) on a table or view; the `_RETURN` rule of a view is the view itself. */
export interface RuleDef {
  readonly name: string;
  readonly relOid: number;
  readonly table: string;
  readonly sql: string;
  /** O origin (default), D disabled, R replica, A always. */
  readonly enabled: string;
  /** Relations the rule reads or writes besides its own. */
  readonly dependsOn: number[];
}

/** An extended statistics object (CREATE STATISTICS). */
export interface StatisticsDef {
  readonly qname: string;
  readonly tableOid: number;
  readonly table: string;
  readonly sql: string;
  /** ALTER STATISTICS ... SET STATISTICS target; null for the default. */
  readonly target: number | null;
}

/** A collation or operator (created before the types and tables that use them). */
export interface NamedDef {
  readonly oid: number;
  /** e.g. `public.nocase` or `public.===(integer,integer)` */
  readonly identity: string;
  readonly sql: string;
}

/**
 * The GRANT and REVOKE statements that turn an object's default privileges into the
 * source's, as pg_dump computes them (the ACL against `acldefault` or the initial privileges).
 */
export interface PrivilegeDef {
  /** e.g. `TABLE public.users`, `FUNCTION public.f(integer)`, `COLUMN public.users.email`. */
  readonly object: string;
  /** Table (or view) the object belongs to, for table selection; null for schema-wide objects. */
  readonly relOid: number | null;
  /** Statements keyed by what they do, e.g. `GRANT TO app_reader`, `REVOKE FROM PUBLIC`. */
  readonly statements: AclStatement[];
  /** Roles named (unquoted; not PUBLIC, not the owner). */
  readonly roles: string[];
  /**
   * Objects the copying user does not own on the target (a member of an extension, a language,
   * a system catalog object): their privileges can be changed only by a superuser there.
   */
  readonly system?: 'extension' | 'language' | 'catalog';
  /** What the statements are built from (see kinds/privileges.ts `statementsFor`). */
  readonly acl?: unknown;
}

/** ALTER DEFAULT PRIVILEGES for one role, schema and object type. */
export interface DefaultPrivilegeDef {
  /** e.g. `postgres in public on TABLES` */
  readonly object: string;
  readonly statements: AclStatement[];
  readonly roles: string[];
}

export interface AclStatement {
  readonly key: string;
  readonly sql: string;
}

export interface CommentDef {
  readonly relOid: number | null;
  readonly sql: string;
  readonly key: string;
}

/** What belongs to the database itself: its privileges, comment and connection limit. */
export interface DatabaseDef {
  /** GRANT/REVOKE ON DATABASE against the default (owner written as CURRENT_USER). */
  readonly privileges: AclStatement[];
  /** Roles the grants name. */
  readonly roles: string[];
  /** COMMENT ON DATABASE text, or null. */
  readonly comment: string | null;
  /** -1 for no limit. */
  readonly connectionLimit: number;
}

/** The connected user, as the target's reader needs it to tell what the copy can change there. */
export interface SessionDef {
  readonly user: string;
  readonly superuser: boolean;
  /** The connected user owns (or is a member of the owner of) the database. */
  readonly ownsDatabase: boolean;
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
  readonly collations: NamedDef[];
  readonly operators: NamedDef[];
  readonly rules: RuleDef[];
  readonly statistics: StatisticsDef[];
  readonly privileges: PrivilegeDef[];
  readonly defaultPrivileges: DefaultPrivilegeDef[];
  /** `ALTER DATABASE ... SET` settings of the database (not role-specific), as `name=value`. */
  readonly settings: string[];
  readonly database?: DatabaseDef;
  readonly session?: SessionDef;
  /** What the copy cannot carry (also reported by db:audit); see carried.ts. */
  readonly unsupported: NotCarried[];
}

