/** AWS Budgets: budgets and action-enabled budgets. */
import { Pricer } from './pricer';

export const BudgetsPricer: Pricer = {
  family: 'budgets',
  types: ['aws_budgets_budget', 'aws_budgets_budget_action'],
  price({ prices, all, add }) {
    const budgets = all('aws_budgets_budget').length;
    if (budgets) add({ type: 'aws_budgets_budget', item: 'budgets (no charge without actions)', count: budgets, monthlyUsd: budgets * prices.budgets.budgetMonth, basis: `${budgets} x $${prices.budgets.budgetMonth}`, usageAssumption: false });
    const actions = all('aws_budgets_budget_action').length;
    if (actions) {
      const paid = Math.max(0, actions - prices.budgets.freeActionBudgets);
      add({ type: 'aws_budgets_budget_action', item: `action-enabled budgets (${prices.budgets.freeActionBudgets} free per account)`, count: actions, monthlyUsd: paid * prices.budgets.actionBudgetDay * 30.4, basis: `${paid} x $${prices.budgets.actionBudgetDay}/day x 30.4`, usageAssumption: false });
    }
  },
};
