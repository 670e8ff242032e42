"""
Checks each patch of scripts/lib/rehearsal/moto_patched.py with boto3 against moto itself
(in-process). Run by __tests__/aws/moto-launcher.test.ts; prints one line per
check and exits non-zero when one fails.
"""
import os
import sys
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "lib", "rehearsal"))
os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIATEST")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import moto_patched  # noqa: E402  (applies the patches)
import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def ecs_service(ecs, **extra):
    ecs.create_cluster(clusterName="c")
    ecs.register_task_definition(family="f", containerDefinitions=[{"name": "app", "image": "x", "memory": 512}])
    return ecs.create_service(cluster="c", serviceName="s", taskDefinition="f", desiredCount=1, **extra)["service"]


@check
def appautoscaling_tags():
    ecs_service(boto3.client("ecs"))
    aas = boto3.client("application-autoscaling")
    arn = aas.register_scalable_target(ServiceNamespace="ecs", ResourceId="service/c/s", ScalableDimension="ecs:service:DesiredCount", MinCapacity=1, MaxCapacity=2, Tags={"Project": "vn"})["ScalableTargetARN"]
    aas.tag_resource(ResourceARN=arn, Tags={"Env": "test"})
    aas.untag_resource(ResourceARN=arn, TagKeys=["Project"])
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"Env": "test"}


@check
def budgets_subscribers_and_tags():
    b = boto3.client("budgets")
    n = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 200.0, "ThresholdType": "ABSOLUTE_VALUE"}
    sub = {"SubscriptionType": "EMAIL", "Address": "ops@example.com"}
    b.create_budget(
        AccountId="123456789012",
        Budget={"BudgetName": "b", "BudgetType": "COST", "TimeUnit": "MONTHLY", "BudgetLimit": {"Amount": "600", "Unit": "USD"}},
        NotificationsWithSubscribers=[{"Notification": n, "Subscribers": [sub]}],
        ResourceTags=[{"Key": "Project", "Value": "vn"}],
    )
    assert b.describe_subscribers_for_notification(AccountId="123456789012", BudgetName="b", Notification=n)["Subscribers"] == [sub]
    arn = "arn:aws:budgets::123456789012:budget/b"
    b.tag_resource(ResourceARN=arn, ResourceTags=[{"Key": "Env", "Value": "t"}])
    tags = {t["Key"]: t["Value"] for t in b.list_tags_for_resource(ResourceARN=arn)["ResourceTags"]}
    assert tags == {"Project": "vn", "Env": "t"}, tags


@check
def budgets_update():
    b = boto3.client("budgets")
    n = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 200.0, "ThresholdType": "ABSOLUTE_VALUE"}
    budget = {"BudgetName": "u", "BudgetType": "COST", "TimeUnit": "MONTHLY", "BudgetLimit": {"Amount": "600", "Unit": "USD"}}
    b.create_budget(AccountId="123456789012", Budget=budget, NotificationsWithSubscribers=[{"Notification": n, "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "ops@example.com"}]}])
    b.update_budget(AccountId="123456789012", NewBudget={**budget, "BudgetLimit": {"Amount": "750", "Unit": "USD"}})
    got = b.describe_budget(AccountId="123456789012", BudgetName="u")["Budget"]
    assert float(got["BudgetLimit"]["Amount"]) == 750.0, got
    assert b.describe_notifications_for_budget(AccountId="123456789012", BudgetName="u")["Notifications"][0]["Threshold"] == 200.0


@check
def ecs_service_echo():
    ecs = boto3.client("ecs")
    ecs_service(ecs, availabilityZoneRebalancing="ENABLED")
    assert ecs.describe_services(cluster="c", services=["s"])["services"][0]["availabilityZoneRebalancing"] == "ENABLED"


@check
def cloudfront_echo():
    cf = boto3.client("cloudfront")
    cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    config = {
        "CallerReference": "r",
        "Comment": "",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "origin.example.com", "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "redirect-to-https", "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"},
        "ViewerCertificate": {"ACMCertificateArn": cert, "SSLSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"},
    }
    d = cf.create_distribution(DistributionConfig=config)["Distribution"]["DistributionConfig"]
    assert "ForwardedValues" not in d["DefaultCacheBehavior"], d["DefaultCacheBehavior"]
    assert d["ViewerCertificate"]["CloudFrontDefaultCertificate"] is False
    assert d["ViewerCertificate"]["ACMCertificateArn"] == cert


@check
def ec2_rule_descriptions():
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    a = ec2.create_security_group(GroupName="a", Description="a", VpcId=vpc)["GroupId"]
    b = ec2.create_security_group(GroupName="b", Description="b", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=a,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "UserIdGroupPairs": [{"GroupId": b, "Description": "from b"}]},
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": "pl-3b927c52", "Description": "from cf"}]},
        ],
    )
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [a]}])["SecurityGroupRules"]
    assert sorted(r.get("Description") or "" for r in rules if not r["IsEgress"]) == ["from b", "from cf"], rules


def db(rds, name, **extra):
    return rds.create_db_instance(DBInstanceIdentifier=name, AllocatedStorage=20, Engine="postgres", DBInstanceClass="db.t3.small", MasterUsername="u", ManageMasterUserPassword=True, **extra)["DBInstance"]


@check
def rds_adjacent_windows_and_unique_ids_and_monitoring():
    rds = boto3.client("rds")
    first = db(rds, "a-db", PreferredBackupWindow="03:00-04:00", PreferredMaintenanceWindow="sun:04:00-sun:05:00", MonitoringInterval=60, MonitoringRoleArn="arn:aws:iam::123456789012:role/m", EnablePerformanceInsights=True, PerformanceInsightsRetentionPeriod=7)
    second = db(rds, "b-db")
    assert first["DbiResourceId"] != second["DbiResourceId"]
    found = rds.describe_db_instances(Filters=[{"Name": "dbi-resource-id", "Values": [second["DbiResourceId"]]}])["DBInstances"]
    assert [i["DBInstanceIdentifier"] for i in found] == ["b-db"]
    read = rds.describe_db_instances(DBInstanceIdentifier="a-db")["DBInstances"][0]
    assert (read["MonitoringInterval"], read["PerformanceInsightsEnabled"], read["PerformanceInsightsRetentionPeriod"]) == (60, True, 7), read


@check
def rds_parameter_source():
    rds = boto3.client("rds")
    rds.create_db_parameter_group(DBParameterGroupName="pg", DBParameterGroupFamily="postgres16", Description="d")
    rds.modify_db_parameter_group(DBParameterGroupName="pg", Parameters=[{"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}])
    params = rds.describe_db_parameters(DBParameterGroupName="pg", Source="user")["Parameters"]
    assert [(p["ParameterName"], p["Source"]) for p in params] == [("rds.force_ssl", "user")], params


def main():
    failed = 0
    for fn in CHECKS:
        try:
            with mock_aws():
                fn()
            print(f"ok   {fn.__name__}")
        except Exception:
            failed += 1
            print(f"FAIL {fn.__name__}\n{traceback.format_exc()}")
    print(f"applied patches: {', '.join(moto_patched.APPLIED)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
