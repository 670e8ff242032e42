/** Monthly cost alerts (AWS Budgets) and who receives them and the alarms. */
import { z } from 'zod';

export const BudgetSchema = z
  .object({
    /** Monthly cost alert thresholds in USD (the guide's $200, $400, $600). @default [200, 400, 600] (production), [50, 100] (staging) */
    thresholdsUsd: z.array(z.number().positive()).min(1).default([200, 400, 600]),
    /** Email addresses notified by budgets and alarms (SNS). @default [] */
    alertEmails: z.array(z.email('must be an email address')).default([]),
  })
  .strict();

export type BudgetConfig = z.infer<typeof BudgetSchema>;

/** The schema's defaults: the guide's thresholds; nobody notified until addresses are given. */
export const BUDGET_DEFAULTS: Readonly<BudgetConfig> = BudgetSchema.parse({});

/** Staging's thresholds. */
export const STAGING_BUDGET: Readonly<Partial<BudgetConfig>> = { thresholdsUsd: [50, 100] };
