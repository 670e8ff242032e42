"""
moto 5.2.1 server with the gaps that the venture-nudge rehearsal hits filled in.

Usage (same arguments as `python3 -m moto.server`):
    python3 scripts/lib/rehearsal/moto_patched.py -H 127.0.0.1 -p 5000

Each patch makes moto answer the way AWS answers; none of them changes what the
stack asks for. scripts/lib/rehearsal/moto.ts starts this file and lists the patches in
MOTO_PATCHES (the rehearsal's verdict prints them). Patches that add a missing
operation or field assert that moto still lacks it (the server then refuses to
start, naming the patch to drop), `--list-patches` prints which patches
applied, and __tests__/aws/moto_patched_selftest.py checks each one with boto3,
so a moto upgrade that fixes (or moves) a gap is noticed.

Gaps (moto 5.2.1, hashicorp/aws 5.100.0):
  appautoscaling-tags  application-autoscaling TagResource/UntagResource/
                       ListTagsForResource are not implemented (HTTP 500, the
                       provider retries for 10+ minutes); RegisterScalableTarget
                       drops its Tags.
  budgets-subscribers  budgets DescribeSubscribersForNotification is not
                       implemented.
  budgets-tags         budgets TagResource/UntagResource/ListTagsForResource are
                       not implemented; CreateBudget drops ResourceTags.
  budgets-update       budgets UpdateBudget is not implemented (HTTP 500): a stage
                       that changes the stack's own estimate (ready runs a second
                       service) updates the budget's limit.
  ecs-service-echo     CreateService drops request fields moto does not model
                       (availabilityZoneRebalancing, ...), so DescribeServices
                       never returns them (perpetual diff).
  cloudfront-echo      a distribution always comes back with ForwardedValues,
                       CloudFrontDefaultCertificate=true and
                       SSLSupportMethod=sni-only, whatever was sent (perpetual
                       diff).
  rds-adjacent-windows a backup window that ends when the maintenance window
                       starts (the guide's 03:00-04:00 / sun:04:00-sun:05:00) is
                       rejected as overlapping; AWS accepts adjacent windows.
  rds-unique-resource-id
                       every DB instance has the same hard-coded DbiResourceId;
                       the provider reads instances by it, so with two instances
                       (both stacks on one moto) it finds two and fails with
                       "couldn't find resource".
  rds-monitoring-echo  DescribeDBInstances never returns MonitoringInterval,
                       MonitoringRoleArn or the Performance Insights settings
                       (perpetual diff).
  rds-parameter-source DescribeDBParameters returns user-set parameters without
                       Source=user, so the provider ignores them (perpetual
                       diff on aws_db_parameter_group parameters).
  ec2-rule-descriptions
                       DescribeSecurityGroupRules drops the description of rules
                       whose source is a security group or a prefix list
                       (perpetual diff on aws_vpc_security_group_*_rule).
  iam-evaluation       moto's IAM access control (on once the rehearsal enables
                       it) checks actions only: Resource patterns never match
                       (so scoped Allows deny everything), Conditions are
                       ignored, CloudWatch is checked as "monitoring:",
                       budgets under API names, S3 under a few wrong names,
                       and AssumeRoleWithWebIdentity neither is public nor
                       checks the trust policy. This evaluates Action,
                       NotAction, Resource, NotResource and the Condition
                       keys moto can know (aws:RequestedRegion,
                       iam:PermissionsBoundary, the OIDC token's claims in a
                       web-identity trust); keys it cannot know favour the
                       caller (an Allow applies, a Deny does not), and so
                       does an Allow's Resource when moto cannot name the
                       resource (most services but IAM, STS, S3, Secrets
                       Manager). Signatures are not compared (moto rejects
                       correct ones over encoded paths and queries: Route 53
                       GetChange, S3 prefix=env:/); the key and session token
                       must still be ones moto issued.
"""
import sys
import threading
from typing import Any, Callable, Dict, List

APPLIED: List[str] = []
_LOCK = threading.Lock()


def _patch(name: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(fn: Callable[[], None]) -> Callable[[], None]:
        fn()
        APPLIED.append(name)
        return fn

    return register


# --------------------------------------------------------------------------
# application-autoscaling: tagging
# --------------------------------------------------------------------------
@_patch("appautoscaling-tags")
def _appautoscaling_tags() -> None:
    import json

    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse as R

    assert not hasattr(R, "tag_resource"), "moto now implements TagResource: drop this patch"
    tags: Dict[str, Dict[str, str]] = {}
    original_register = R.register_scalable_target
    original_deregister = R.deregister_scalable_target

    def register_scalable_target(self: Any) -> str:
        body = original_register(self)
        arn = json.loads(body)["ScalableTargetARN"]
        with _LOCK:
            tags.setdefault(arn, {}).update(self._get_param("Tags") or {})
        return body

    def deregister_scalable_target(self: Any) -> str:
        namespace = self._get_param("ServiceNamespace")
        resource_id = self._get_param("ResourceId")
        dimension = self._get_param("ScalableDimension")
        backend = self.applicationautoscaling_backend
        gone = [t.arn for t in backend.describe_scalable_targets(namespace, [resource_id], dimension)]
        body = original_deregister(self)
        with _LOCK:
            for arn in gone:
                tags.pop(arn, None)
        return body

    def _known(self: Any, arn: str) -> bool:
        backend = self.applicationautoscaling_backend
        return any(t.arn == arn for by_id in list(backend.targets.values()) for t in list(by_id.values()))

    def _not_found(arn: str) -> Any:
        return (
            json.dumps({"__type": "ResourceNotFoundException", "message": f"No scalable target found for {arn}"}),
            {"status": 400},
        )

    def tag_resource(self: Any) -> Any:
        arn = self._get_param("ResourceARN")
        if not _known(self, arn):
            return _not_found(arn)
        with _LOCK:
            tags.setdefault(arn, {}).update(self._get_param("Tags") or {})
        return "{}"

    def untag_resource(self: Any) -> Any:
        arn = self._get_param("ResourceARN")
        if not _known(self, arn):
            return _not_found(arn)
        with _LOCK:
            for key in self._get_param("TagKeys") or []:
                tags.get(arn, {}).pop(key, None)
        return "{}"

    def list_tags_for_resource(self: Any) -> Any:
        arn = self._get_param("ResourceARN")
        if not _known(self, arn):
            return _not_found(arn)
        with _LOCK:
            return json.dumps({"Tags": dict(tags.get(arn, {}))})

    R.register_scalable_target = register_scalable_target
    R.deregister_scalable_target = deregister_scalable_target
    R.tag_resource = tag_resource
    R.untag_resource = untag_resource
    R.list_tags_for_resource = list_tags_for_resource


# --------------------------------------------------------------------------
# budgets: subscribers and tags
# --------------------------------------------------------------------------
_budget_tags: Dict[str, Dict[str, str]] = {}


def _budget_arn(account_id: str, name: str) -> str:
    return f"arn:aws:budgets::{account_id}:budget/{name}"


@_patch("budgets-subscribers")
def _budgets_subscribers() -> None:
    import json

    from moto.budgets.exceptions import NotFoundException
    from moto.budgets.responses import BudgetsResponse as R

    assert not hasattr(R, "describe_subscribers_for_notification"), "moto now implements it: drop this patch"

    def describe_subscribers_for_notification(self: Any) -> str:
        account_id = self._get_param("AccountId")
        budget_name = self._get_param("BudgetName")
        wanted = self._get_param("Notification")
        budget = self.backend.budgets[account_id].get(budget_name)
        if budget is None:
            raise NotFoundException(f"Unable to get budget: {budget_name} - the budget doesn't exist.")
        for n in budget.notifications:
            if all(n.details.get(k) == v for k, v in wanted.items()):
                subscribers = n.subscribers
                return json.dumps({"Subscribers": list(subscribers), "NextToken": None})
        raise NotFoundException("Unable to get subscribers - the notification doesn't exist.")

    R.describe_subscribers_for_notification = describe_subscribers_for_notification


@_patch("budgets-update")
def _budgets_update() -> None:
    import json

    from moto.budgets.exceptions import NotFoundException
    from moto.budgets.models import Budget
    from moto.budgets.responses import BudgetsResponse as R

    assert not hasattr(R, "update_budget"), "moto now implements it: drop this patch"

    def update_budget(self: Any) -> str:
        account_id = self._get_param("AccountId")
        new = self._get_param("NewBudget")
        budgets = self.backend.budgets[account_id]
        old = budgets.get(new["BudgetName"])
        if old is None:
            raise NotFoundException(f"Unable to update budget: {new['BudgetName']} - the budget doesn't exist.")
        fresh = Budget(new, [])
        fresh.notifications = old.notifications
        budgets[new["BudgetName"]] = fresh
        return json.dumps({})

    R.update_budget = update_budget


@_patch("budgets-tags")
def _budgets_tags() -> None:
    import json

    from moto.budgets.exceptions import NotFoundException
    from moto.budgets.responses import BudgetsResponse as R

    assert not hasattr(R, "list_tags_for_resource"), "moto now implements it: drop this patch"
    original_create = R.create_budget
    original_delete = R.delete_budget

    def create_budget(self: Any) -> str:
        body = original_create(self)
        arn = _budget_arn(self._get_param("AccountId"), self._get_param("Budget")["BudgetName"])
        with _LOCK:
            _budget_tags[arn] = {t["Key"]: t["Value"] for t in self._get_param("ResourceTags") or []}
        return body

    def delete_budget(self: Any) -> str:
        body = original_delete(self)
        with _LOCK:
            _budget_tags.pop(_budget_arn(self._get_param("AccountId"), self._get_param("BudgetName")), None)
        return body

    def _lookup(arn: str) -> Dict[str, str]:
        if arn not in _budget_tags:
            raise NotFoundException(f"Unable to find resource {arn}")
        return _budget_tags[arn]

    def list_tags_for_resource(self: Any) -> str:
        with _LOCK:
            found = _lookup(self._get_param("ResourceARN"))
            return json.dumps({"ResourceTags": [{"Key": k, "Value": v} for k, v in found.items()]})

    def tag_resource(self: Any) -> str:
        with _LOCK:
            found = _lookup(self._get_param("ResourceARN"))
            found.update({t["Key"]: t["Value"] for t in self._get_param("ResourceTags") or []})
        return "{}"

    def untag_resource(self: Any) -> str:
        with _LOCK:
            found = _lookup(self._get_param("ResourceARN"))
            for key in self._get_param("ResourceTagKeys") or []:
                found.pop(key, None)
        return "{}"

    R.create_budget = create_budget
    R.delete_budget = delete_budget
    R.list_tags_for_resource = list_tags_for_resource
    R.tag_resource = tag_resource
    R.untag_resource = untag_resource


# --------------------------------------------------------------------------
# ECS: CreateService echoes request fields moto does not model
# --------------------------------------------------------------------------
@_patch("ecs-service-echo")
def _ecs_service_echo() -> None:
    from moto.core.utils import camelcase_to_underscores
    from moto.ecs.responses import EC2ContainerServiceResponse as R

    original = R.create_service
    # Fields moto stores itself (or that are not part of the Service shape).
    handled = {"cluster", "service_name", "task_definition", "client_token"}

    def create_service(self: Any) -> Any:
        result = original(self)
        service = self.ecs_backend._get_service(self._get_param("cluster", "default"), self._get_param("serviceName"))
        for key, value in (self._get_params() or {}).items():
            attr = camelcase_to_underscores(key)
            if attr not in handled and value is not None and getattr(service, attr, None) is None:
                setattr(service, attr, value)
        return result

    R.create_service = create_service


# --------------------------------------------------------------------------
# CloudFront: echo ForwardedValues and ViewerCertificate as sent
# --------------------------------------------------------------------------
@_patch("cloudfront-echo")
def _cloudfront_echo() -> None:
    from moto.cloudfront import models as m

    original_behaviour = m.DefaultCacheBehaviour.__init__
    original_certificate = m.ViewerCertificate.__init__

    def behaviour_init(self: Any, config: Dict[str, Any]) -> None:
        sent = "ForwardedValues" in config
        original_behaviour(self, config)
        if not sent:  # a cache policy is used instead: AWS returns no ForwardedValues
            self.forwarded_values = None

    def certificate_init(self: Any, config: Dict[str, Any]) -> None:
        original_certificate(self, config)
        custom = bool(config.get("ACMCertificateArn") or config.get("IAMCertificateId"))
        if "CloudFrontDefaultCertificate" not in config:
            self.cloud_front_default_certificate = not custom
        if not config.get("SSLSupportMethod") and not custom:
            self.ssl_support_method = None
        if custom:
            self.certificate_source = "acm" if config.get("ACMCertificateArn") else "iam"
            self.certificate = config.get("ACMCertificateArn") or config.get("IAMCertificateId")

    m.DefaultCacheBehaviour.__init__ = behaviour_init
    m.ViewerCertificate.__init__ = certificate_init


# --------------------------------------------------------------------------
# RDS: adjacent backup and maintenance windows do not overlap
# --------------------------------------------------------------------------
@_patch("rds-adjacent-windows")
def _rds_adjacent_windows() -> None:
    from moto.rds import utils

    original = utils.get_overlap_between_two_date_ranges

    def overlap(*args: Any) -> int:
        seconds = original(*args)
        # moto tests `overlap >= 0`, so windows that only touch (03:00-04:00 and
        # 04:00-05:00) count as overlapping; AWS accepts them.
        return -1 if seconds == 0 else seconds

    utils.get_overlap_between_two_date_ranges = overlap


# --------------------------------------------------------------------------
# EC2: security group rules keep the description of SG and prefix-list sources
# --------------------------------------------------------------------------
@_patch("ec2-rule-descriptions")
def _ec2_rule_descriptions() -> None:
    from moto.ec2.models.security_groups import SecurityGroupRule as R

    original_init = R.__init__

    def init(self: Any, ec2_backend: Any, ip_protocol: str, group_id: str, from_port: Any, to_port: Any, ip_range: Any, source_group: Any = None, prefix_list_id: Any = None, *args: Any, **kwargs: Any) -> None:
        original_init(self, ec2_backend, ip_protocol, group_id, from_port, to_port, ip_range, source_group, prefix_list_id, *args, **kwargs)
        self._prefix_list_description = (prefix_list_id or {}).get("Description")

    def description(self: Any) -> Any:
        return self.ip_range.get("Description") or (self.source_group or {}).get("Description") or getattr(self, "_prefix_list_description", None)

    R.__init__ = init
    R.description = property(description)


# --------------------------------------------------------------------------
# RDS: every DB instance gets its own DbiResourceId
# --------------------------------------------------------------------------
@_patch("rds-unique-resource-id")
def _rds_unique_resource_id() -> None:
    import random
    import string

    from moto.rds.models import DBInstance

    original_init = DBInstance.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        assert self.dbi_resource_id == "db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U", "moto now generates DbiResourceId: drop this patch"
        self.dbi_resource_id = "db-" + "".join(random.choices(string.ascii_uppercase + string.digits, k=26))

    DBInstance.__init__ = init


# --------------------------------------------------------------------------
# RDS: enhanced monitoring and Performance Insights settings are echoed
# --------------------------------------------------------------------------
@_patch("rds-monitoring-echo")
def _rds_monitoring_echo() -> None:
    from moto.rds.models import DBInstance

    assert not hasattr(DBInstance, "monitoring_interval"), "moto now models monitoring: drop this patch"
    # request field (snake case) -> DBInstance response field (snake case)
    fields = {
        "monitoring_interval": "monitoring_interval",
        "monitoring_role_arn": "monitoring_role_arn",
        "enable_performance_insights": "performance_insights_enabled",
        "performance_insights_retention_period": "performance_insights_retention_period",
        "performance_insights_kms_key_id": "performance_insights_kms_key_id",
    }
    original_init = DBInstance.__init__
    original_update = DBInstance.update

    def _copy(self: Any, kwargs: Dict[str, Any]) -> None:
        for request, response in fields.items():
            if kwargs.get(request) is not None:
                setattr(self, response, kwargs[request])
        if getattr(self, "performance_insights_enabled", False) and not getattr(self, "performance_insights_retention_period", None):
            self.performance_insights_retention_period = 7  # AWS's default
        if getattr(self, "monitoring_interval", None) is None:
            self.monitoring_interval = 0

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        _copy(self, kwargs)

    def update(self: Any, *args: Any, **kwargs: Any) -> None:
        original_update(self, *args, **kwargs)
        _copy(self, kwargs)
        if kwargs.get("enable_performance_insights") is not None and hasattr(self, "enable_performance_insights"):
            del self.enable_performance_insights  # set by moto's generic update; not a response field

    DBInstance.__init__ = init
    DBInstance.update = update


# --------------------------------------------------------------------------
# RDS: parameters set on a parameter group are reported with Source=user
# --------------------------------------------------------------------------
@_patch("rds-parameter-source")
def _rds_parameter_source() -> None:
    from moto.rds.responses import RDSResponse as R

    original = R.describe_db_parameters

    def describe_db_parameters(self: Any) -> Any:
        result = original(self)
        params = result.result.get("Parameters") if isinstance(getattr(result, "result", None), dict) else None
        if params is not None:
            fixed = []
            for p in params:
                p = dict(p) if isinstance(p, dict) else p
                if isinstance(p, dict):
                    p.setdefault("Source", "user")
                    p.setdefault("IsModifiable", True)
                fixed.append(p)
            wanted = self.params.get("Source")
            result.result["Parameters"] = [p for p in fixed if not wanted or not isinstance(p, dict) or p.get("Source") == wanted]
        return result

    R.describe_db_parameters = describe_db_parameters


# --------------------------------------------------------------------------
# IAM: evaluate Resource and the Condition keys moto can know; public,
# trust-checked AssumeRoleWithWebIdentity (see the module docstring)
# --------------------------------------------------------------------------
#: Signing names whose IAM prefix differs.
IAM_PREFIX = {"monitoring": "cloudwatch"}
#: API operations moto reports under their API name where IAM uses another.
IAM_ACTION = {
    "budgets:DescribeBudget": "budgets:ViewBudget",
    "budgets:DescribeBudgets": "budgets:ViewBudget",
    "budgets:DescribeNotificationsForBudget": "budgets:ViewBudget",
    "budgets:DescribeSubscribersForNotification": "budgets:ViewBudget",
    "budgets:DescribeBudgetPerformanceHistory": "budgets:ViewBudget",
    "budgets:CreateBudget": "budgets:ModifyBudget",
    "budgets:UpdateBudget": "budgets:ModifyBudget",
    "budgets:DeleteBudget": "budgets:ModifyBudget",
    "budgets:CreateNotification": "budgets:ModifyBudget",
    "budgets:UpdateNotification": "budgets:ModifyBudget",
    "budgets:DeleteNotification": "budgets:ModifyBudget",
    "budgets:CreateSubscriber": "budgets:ModifyBudget",
    "budgets:UpdateSubscriber": "budgets:ModifyBudget",
    "budgets:DeleteSubscriber": "budgets:ModifyBudget",
    "s3:HeadBucket": "s3:ListBucket",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "s3:ListObjects": "s3:ListBucket",
    "s3:ListObjectsV2": "s3:ListBucket",
}
#: IAM actions whose iam:PermissionsBoundary is the role's existing boundary (CreateRole and
#: PutRolePermissionsBoundary: the one in the request).
ROLE_ACTIONS_WITH_BOUNDARY = {
    "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole",
    "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:DeleteRolePermissionsBoundary",
}
OIDC_HOST = "token.actions.githubusercontent.com"


def _glob(pattern: str, value: str) -> bool:
    """IAM wildcard match: `*` any run of characters, `?` one character."""
    import re

    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.S) is not None


def _as_list(v: Any) -> List[Any]:
    return v if isinstance(v, list) else [v]


def _condition_met(condition: Dict[str, Dict[str, Any]], context: Dict[str, List[str]], known: Any, allow: bool) -> bool:
    """AWS semantics for the keys in `known` (present in `context` or known absent); others favour the caller."""
    for operator, by_key in condition.items():
        op = operator.split(":", 1)[-1] if operator.startswith(("ForAnyValue:", "ForAllValues:")) else operator
        if_exists = op.endswith("IfExists")
        op = op[: -len("IfExists")] if if_exists else op
        for key, expected in by_key.items():
            k = key.lower()
            if not known(k):
                if not allow:
                    return False
                continue
            actual = context.get(k)
            wanted = [str(e) for e in _as_list(expected)]
            if op == "Null":
                if (actual is None) != (wanted[0].lower() == "true"):
                    return False
                continue
            if actual is None:
                if if_exists or op.startswith(("StringNot", "ArnNot")):
                    continue
                return False
            like = op in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike")
            hit = any((_glob(w, a) if like else (a.lower() == w.lower() if op == "StringEqualsIgnoreCase" else a == w)) for a in actual for w in wanted)
            if op in ("StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "Bool"):
                if op == "Bool":
                    hit = any(a.lower() == w.lower() for a in actual for w in wanted)
                if not hit:
                    return False
            elif op in ("StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike"):
                if hit:
                    return False
            elif not allow:
                return False
    return True


def _statement_applies(st: Dict[str, Any], action: str, resource: str, context: Dict[str, List[str]], known: Any) -> bool:
    allow = st.get("Effect") == "Allow"
    if "NotAction" in st:
        if any(_glob(p.lower(), action.lower()) for p in _as_list(st["NotAction"])):
            return False
    elif not any(_glob(p.lower(), action.lower()) for p in _as_list(st.get("Action", []))):
        return False
    if resource == "*":
        # moto cannot name the resource: an Allow's Resource is taken as met, a Deny applies only on "*".
        if not allow and not ("Resource" in st and "*" in _as_list(st["Resource"])):
            return False
    elif "NotResource" in st:
        if any(_glob(p, resource) for p in _as_list(st["NotResource"])):
            return False
    elif "Resource" in st and not any(_glob(p, resource) for p in _as_list(st["Resource"])):
        return False
    return _condition_met(st.get("Condition") or {}, context, known, allow)


def _denied(principal: str, action: str, resource: str, why: str) -> None:
    """One line per AccessDenied in the server log (the rehearsal prints the notable lines)."""
    print(f"iam-evaluation: AccessDenied {principal} {action} on {resource} ({why})", file=sys.stderr, flush=True)


@_patch("iam-evaluation")
def _iam_evaluation() -> None:
    import base64
    import json

    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.exceptions import AccessDeniedError
    from moto.iam import access_control as ac
    from moto.iam.models import iam_backends
    from moto.sts.responses import TokenResponse

    assert "TODO add support for the Resource and Condition parts" in (ac.__doc__ or ""), "moto now evaluates Resource/Condition: review the iam-evaluation patch"

    def documents(policies: List[Any]) -> List[Dict[str, Any]]:
        return [ac.IAMPolicy(p)._policy_json for p in policies]

    def request_resource(self: Any, action: str, resource: str) -> str:
        data = self._data or {}
        first = lambda k: (data.get(k) or [None])[0] if isinstance(data.get(k), list) else data.get(k)  # noqa: E731
        region = self._region
        if action.startswith("iam:") and first("RoleName"):
            return f"arn:aws:iam::{self.account_id}:role{first('Path') or '/'}{first('RoleName')}"
        if action.startswith("iam:") and first("PolicyArn") and "Role" not in action:
            return first("PolicyArn")
        if action.startswith("secretsmanager:"):
            try:
                body = json.loads(self._body or b"{}")
            except ValueError:
                body = {}
            sid = body.get("SecretId") or body.get("Name")
            if sid:
                return sid if sid.startswith("arn:") else f"arn:aws:secretsmanager:{region}:{self.account_id}:secret:{sid}"
        return resource

    def request_context(self: Any, action: str) -> Dict[str, List[str]]:
        data = self._data or {}
        first = lambda k: (data.get(k) or [None])[0] if isinstance(data.get(k), list) else data.get(k)  # noqa: E731
        context: Dict[str, List[str]] = {"aws:requestedregion": [self._region]}
        if action in ("iam:CreateRole", "iam:PutRolePermissionsBoundary"):
            if first("PermissionsBoundary"):
                context["iam:permissionsboundary"] = [first("PermissionsBoundary")]
        elif action in ROLE_ACTIONS_WITH_BOUNDARY and first("RoleName"):
            try:
                boundary = iam_backends[self.account_id]["aws"].get_role(first("RoleName")).permissions_boundary_arn
            except Exception:
                boundary = None
            if boundary:
                context["iam:permissionsboundary"] = [boundary]
        return context

    def check_action_permitted(self: Any, resource: str) -> None:
        service, _, name = self._action.partition(":")
        action = IAM_ACTION.get(f"{IAM_PREFIX.get(service, service)}:{name}", f"{IAM_PREFIX.get(service, service)}:{name}")
        if action == "sts:GetCallerIdentity":
            return
        resource = request_resource(self, action, resource)
        context = request_context(self, action)
        known = lambda k: k == "aws:requestedregion" or (k == "iam:permissionsboundary" and action.startswith("iam:") and "Role" in action)  # noqa: E731
        allowed = False
        for doc in documents(self._access_key.collect_policies()):
            for st in _as_list(doc.get("Statement", [])):
                if _statement_applies(st, action, resource, context, known):
                    if st.get("Effect") != "Allow":
                        _denied(self._access_key.arn, action, resource, f"explicit deny {st.get('Sid', '')}")
                        raise AccessDeniedError(user_arn=self._access_key.arn, action=f"{action} on resource {resource} (explicit deny, {st.get('Sid', 'no Sid')})")
                    allowed = True
        if allowed and self._is_assuming_role_operation(resource):
            allowed = self._check_role_trust_relationship(resource)
        if not allowed:
            _denied(self._access_key.arn, action, resource, "no Allow applies")
            raise AccessDeniedError(user_arn=self._access_key.arn, action=f"{action} on resource {resource}")

    ac.IAMRequestBase.check_action_permitted = check_action_permitted

    # moto recomputes SigV4 over the decoded path and query and so rejects correct signatures
    # (Route 53 GetChange; S3 ListObjectsV2 with prefix=env:/, which the S3 backend sends at init).
    # The signature is not compared; the access key (and a session's token) must still be ones
    # moto issued: that is checked when the request is built.
    def check_signature(self: Any) -> None:
        return None

    ac.IAMRequestBase.check_signature = check_signature

    # AssumeRoleWithWebIdentity is called unsigned (the token is the credential).
    original_auth = ActionAuthenticatorMixin._authenticate_and_authorize_action

    def authenticate(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        if self._get_action() == "AssumeRoleWithWebIdentity" and "Authorization" not in self.headers:
            return
        original_auth(self, iam_request_cls, resource)

    ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate

    original_web_identity = TokenResponse.assume_role_with_web_identity

    def claims_of(token: str) -> Dict[str, Any]:
        try:
            payload = token.split(".")[1]
            return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except Exception:
            return {}

    def assume_role_with_web_identity(self: Any) -> Any:
        role_arn = self._get_param("RoleArn")
        claims = claims_of(self._get_param("WebIdentityToken") or "")
        backend = iam_backends[self.current_account]["aws"]
        try:
            role = backend.get_role_by_arn(role_arn)
        except Exception:
            raise AccessDeniedError(user_arn="web identity", action=f"sts:AssumeRoleWithWebIdentity on {role_arn} (no such role)")
        context = {f"{OIDC_HOST}:{k}".lower(): [str(v)] for k, v in claims.items()}
        known = lambda k: k.startswith(OIDC_HOST)  # noqa: E731
        ok = False
        for st in _as_list(json.loads(role.assume_role_policy_document).get("Statement", [])):
            federated = (st.get("Principal") or {}).get("Federated") if isinstance(st.get("Principal"), dict) else None
            if federated != f"arn:aws:iam::{self.current_account}:oidc-provider/{OIDC_HOST}":
                continue
            if _statement_applies({**st, "Resource": "*"}, "sts:AssumeRoleWithWebIdentity", "x", context, known):
                if st.get("Effect") != "Allow":
                    ok = False
                    break
                ok = True
        if not ok:
            sub = claims.get("sub", "?")
            _denied(f"web identity {sub}", "sts:AssumeRoleWithWebIdentity", role_arn, f"trust, job_workflow_ref {claims.get('job_workflow_ref')}")
            raise AccessDeniedError(user_arn=f"web identity {sub} ({claims.get('job_workflow_ref', 'no job_workflow_ref')})", action=f"sts:AssumeRoleWithWebIdentity on {role_arn}")
        return original_web_identity(self)

    TokenResponse.assume_role_with_web_identity = assume_role_with_web_identity



def main(argv: List[str]) -> None:
    if "--list-patches" in argv:
        print("\n".join(APPLIED))
        return
    from moto.server import main as moto_main

    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
