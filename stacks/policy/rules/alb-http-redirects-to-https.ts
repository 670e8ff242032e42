import { blocks, isUnknown, nonCompliant, ofTypes, PolicyRule, references } from '../rule';

/** Plain HTTP only ever answers with a redirect to HTTPS. */
export const AlbHttpRedirectsToHttps: PolicyRule = {
  id: 'VN-ELB-2',
  level: 'error',
  description: 'HTTP listeners redirect to HTTPS and forward nothing.',
  fix: 'Give the port-80 listener one default action `{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }` and no forwarding listener rules.',
  appliesTo: ofTypes('aws_lb_listener', 'aws_alb_listener'),
  check(listener, context) {
    const protocol = listener.config.protocol;
    if (protocol !== undefined && protocol !== 'HTTP') return 'not-applicable';
    const actions = blocks(listener.config.default_action);
    const redirects = actions.some((a) => a.type === 'redirect' && blocks(a.redirect).some((rd) => rd.protocol === 'HTTPS' || isUnknown(rd.protocol)));
    const problems: string[] = [];
    if (!redirects) problems.push(`default action is ${actions.map((a) => a.type).join(', ') || 'missing'}, not a redirect to HTTPS`);
    const forwarding = context
      .ofType('aws_lb_listener_rule', 'aws_alb_listener_rule')
      .filter((rule) => references(rule.config.listener_arn, listener) && blocks(rule.config.action).some((a) => a.type === 'forward' || a.type?.startsWith('authenticate')));
    if (forwarding.length > 0) problems.push(`${forwarding.map((f) => f.address).join(', ')} forward plain HTTP`);
    return problems.length === 0 ? 'compliant' : nonCompliant(problems.join('; '));
  },
};
