/** Monthly cost alerts (AWS Budgets) and who receives them and the alarms. */
import { z } from 'zod';

export const BudgetSchema = z
  .object({
    /** Monthly cost alert thresholds in USD (the guide's $200, $400, $600). @default [200, 400, 600] (production), [50, 100] (staging) */
    thresholdsUsd: z.array(z.number().positive()).min(1),
    /** Email addresses notified by budgets and alarms (SNS). @default [] */
    alertEmails: z.array(z.email('must be an email address')),
  })
  .strict();

export type BudgetConfig = z.infer<typeof BudgetSchema>;

/** The guide's thresholds; nobody notified until addresses are given. */
export const BUDGET_DEFAULTS: Readonly<BudgetConfig> = { thresholdsUsd: [200, 400, 600], alertEmails: [] };

/** Staging's thresholds. */
export const STAGING_BUDGET: Readonly<Partial<BudgetConfig>> = { thresholdsUsd: [50, 100] };
