/**
 * What an ECS task definition connects to, declared by the construct that builds it and
 * checked against the security groups by VN-ECS-3 (stacks/policy/rules/ecs-task-reaches-database.ts).
 *
 * The construct says which endpoint the task's settings point at (e.g. the source database
 * at the web stages, RDS at `rds`); the rule does not trust the construct's security-group
 * code: it reads every egress and ingress rule of the synthesized stack.
 */
import { IConstruct } from 'constructs';

/** Node metadata type the declarations are stored under. */
export const REACH_METADATA_TYPE = 'venture-nudge:database-reach';

/** A database behind a security group of the stack (RDS). */
export interface SecurityGroupEndpoint {
  /** What it is, for findings, e.g. "RDS". */
  readonly name: string;
  /** Security group of the database (a token). */
  readonly securityGroupId: string;
  readonly port: number;
}

/** A database outside the VPC, e.g. Vercel Postgres reached through NAT. */
export interface CidrEndpoint {
  readonly name: string;
  readonly cidrs: readonly string[];
  readonly port: number;
}

export type DatabaseEndpoint = SecurityGroupEndpoint | CidrEndpoint;

export interface DatabaseReach {
  /**
   * Security groups the task runs with. Those of an ECS service running the task definition
   * are found by the rule; give them here for tasks run on demand (RunTask). @default []
   */
  readonly securityGroupIds?: readonly string[];
  /** Every database the task's settings point at. */
  readonly endpoints: readonly DatabaseEndpoint[];
}

/** Declares, on a task definition, the databases its containers connect to. */
export function declareDatabaseReach(taskDefinition: IConstruct, reach: DatabaseReach): void {
  taskDefinition.node.addMetadata(REACH_METADATA_TYPE, reach);
}

/** The declarations on a construct (usually one). */
export function databaseReachOf(construct: IConstruct): DatabaseReach[] {
  return construct.node.metadata.filter((m) => m.type === REACH_METADATA_TYPE).map((m) => m.data as DatabaseReach);
}
