/**
 * Every object kind the copy knows, in catalog-reading order (a kind may read the fields of
 * the kinds before it). The reader (catalog.ts), the DDL (ddl.ts), the drops and undo
 * (copy/pre-data.ts) and --force (copy/force.ts) loop over this list, as the policy pack loops
 * over its rules: adding a kind is one module here plus its test.
 */
import type { Kind } from './kind';
import { schemas } from './schemas';
import { extensions } from './extensions';
import { collations } from './collations';
import { types } from './types';
import { sequences } from './sequences';
import { functions } from './functions';
import { operators } from './operators';
import { casts } from './casts';
import { tables } from './tables';
import { views } from './views';
import { indexes } from './indexes';
import { constraints } from './constraints';
import { triggers } from './triggers';
import { rules } from './rules';
import { policies } from './policies';
import { statistics } from './statistics';
import { comments } from './comments';
import { database, defaultPrivileges, privileges } from './privileges';
import { settings } from './settings';
import { notCarried } from './not-carried';

export const KINDS: readonly Kind[] = [
  schemas,
  extensions,
  collations,
  types,
  sequences,
  functions,
  operators,
  casts,
  tables,
  views,
  indexes,
  constraints,
  triggers,
  rules,
  policies,
  statistics,
  comments,
  privileges,
  defaultPrivileges,
  settings,
  database,
  notCarried,
];
