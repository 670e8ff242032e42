/** WAF web ACLs (rules, requests inspected under the CloudFront assumption, paid managed groups) and rule groups. */
import { Pricer } from './pricer';
import { asList } from './util';

const PAID_MANAGED_RULE_GROUPS = ['AWSManagedRulesBotControlRuleSet', 'AWSManagedRulesATPRuleSet', 'AWSManagedRulesACFPRuleSet'];

export const WafPricer: Pricer = {
  family: 'WAF',
  types: ['aws_wafv2_web_acl', 'aws_wafv2_rule_group'],
  price({ prices, A, all, add, skip }) {
    for (const [id, acl] of all('aws_wafv2_web_acl')) {
      // Rules as blocks (`rule`) or as one JSON document (`rule_json`, literal or jsonencode()): every rule has a Priority.
      const blocks = asList<{ statement?: unknown }>(acl.rule);
      const ruleJson = typeof acl.rule_json === 'string' ? acl.rule_json : '';
      const ruleCount = blocks.length || (ruleJson.match(/"?Priority"?\s*[:=]/g) ?? []).length;
      const ruleText = blocks.length ? JSON.stringify(blocks) : ruleJson;
      add({ type: 'aws_wafv2_web_acl', item: `web ACL + ${ruleCount} rules`, count: 1, monthlyUsd: prices.waf.webAclMonth + ruleCount * prices.waf.ruleMonth, basis: `$${prices.waf.webAclMonth} + ${ruleCount} x $${prices.waf.ruleMonth}`, usageAssumption: false });
      const dists = all('aws_cloudfront_distribution').length;
      if (acl.scope === 'CLOUDFRONT' && dists) {
        const m = dists * A.cloudfrontRequestsMillions;
        add({ type: 'aws_wafv2_web_acl', item: `requests inspected (the CloudFront assumption: ${m} M)`, count: 1, monthlyUsd: m * prices.waf.requestsPerMillion, basis: `${m} M x $${prices.waf.requestsPerMillion}`, usageAssumption: true });
      } else skip('aws_wafv2_web_acl', 1, `${id}: request charges of a regional web ACL (no request assumption)`);
      const paid = PAID_MANAGED_RULE_GROUPS.filter((g) => ruleText.includes(g));
      for (const g of paid) skip('aws_wafv2_web_acl', 1, `${id}: ${g} subscription and per-request fees`);
    }
    const ruleGroups = all('aws_wafv2_rule_group').length;
    if (ruleGroups) add({ type: 'aws_wafv2_rule_group', item: 'custom rule groups', count: ruleGroups, monthlyUsd: ruleGroups * prices.waf.ruleMonth, basis: `${ruleGroups} x $${prices.waf.ruleMonth}`, usageAssumption: false });
  },
};
