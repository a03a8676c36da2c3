"""Every threshold in docs/findings.md and forms/rules.json, tested on each side: strict where the rule
says 超过 / 早于, inclusive where it says 不超过 / 不少于, windows counted to the day, scope conditions."""

from __future__ import annotations

import datetime as dt

import pytest

from inventory.assess import System, load_rules
from inventory.assess.findings import system_findings
from inventory.form import load_form
from inventory.form.rules import Context, compile_rule, latest_day, months_after

AS_OF = dt.date(2025, 6, 30)
FINE = {
    "status": "在用",
    "build_mode": "自行建设",
    "category": "业务应用系统",
    "scope": "省市两级",
    "deploy_location": "省级政务云",
    "networks": ["电子政务外网"],
    "interconnect": "是，对接省政务信息共享平台",
    "catalogued": "是",
    "mlps_level": "第二级",
    "mlps_filing": "已备案",
    "mlps_filing_no": "51010099001-00001",
    "mlps_test_date": "2024-10-10",
    "crypto_status": "不适用",
    "om_mode": "外包服务",
    "om_contract_end": "2026-12-31",
    "om_amount": 20,
    "build_amount": 300,
    "monthly_active": 800,
    "registered_users": 5000,
    "backup": "是",
    "backup_mode": "本地和异地",
    "disaster_recovery": "是",
}
L3 = {"mlps_level": "第三级", "mlps_test_date": "2025-03-01", "crypto_status": "已开展-通过", "crypto_date": "2025-03-01"}


def codes(**changes) -> set[str]:
    values = {**FINE, **changes, "system_name": "测试系统"}
    values = {k: v for k, v in values.items() if v is not None}
    system = System(unit="四川省测试厅", submission_id=1, row=3, values=values)
    return {f.code for f in system_findings([system], load_rules(), AS_OF)}


def test_a_fine_system_has_no_findings():
    assert codes() == set()


# (label, changes, finding, expected to fire)
EDGES = [
    # 疑似僵尸：月均活跃不超过10人而年度运维不少于5万元 (both inclusive)
    ("zombie at both limits", {"monthly_active": 10, "om_amount": 5}, "FIND_ZOMBIE_SUSPECT", True),
    ("zombie: 11 active", {"monthly_active": 11, "om_amount": 5}, "FIND_ZOMBIE_SUSPECT", False),
    ("zombie: 4.99 万元", {"monthly_active": 10, "om_amount": 4.99}, "FIND_ZOMBIE_SUSPECT", False),
    # 使用率低：注册不少于1000人，月均活跃11至50人
    ("low usage at the limits", {"registered_users": 1000, "monthly_active": 50}, "FIND_LOW_USAGE", True),
    ("low usage: 51 active", {"registered_users": 1000, "monthly_active": 51}, "FIND_LOW_USAGE", False),
    ("low usage: 11 active", {"registered_users": 1000, "monthly_active": 11, "om_amount": 4}, "FIND_LOW_USAGE", True),
    ("low usage: 999 registered", {"registered_users": 999, "monthly_active": 30}, "FIND_LOW_USAGE", False),
    # 金额疑似按元：建设金额超过1亿元（10000万元），年度运维超过5000万元 (strict)
    ("build exactly 10000", {"build_amount": 10000, "om_amount": 20}, "FIND_AMOUNT_YUAN", False),
    ("build 10000.01", {"build_amount": 10000.01}, "FIND_AMOUNT_YUAN", True),
    ("om exactly 5000", {"om_amount": 5000, "build_amount": 20000}, "FIND_AMOUNT_YUAN", True),  # the build amount fires
    ("om exactly 5000 alone", {"om_amount": 5000, "build_amount": 9000}, "FIND_AMOUNT_YUAN", False),
    ("om 5000.5", {"om_amount": 5000.5, "build_amount": 9000}, "FIND_AMOUNT_YUAN", True),
    # 等保测评：第三级超过12个月、第二级超过24个月，按日计
    ("L3 tested 12 months to the day", {**L3, "mlps_test_date": "2024-06-30"}, "FIND_MLPS_TEST_OVERDUE", False),
    ("L3 tested 12 months and a day", {**L3, "mlps_test_date": "2024-06-29"}, "FIND_MLPS_TEST_OVERDUE", True),
    ("L3 tested 12 months and 11 days", {**L3, "mlps_test_date": "2024-06-19"}, "FIND_MLPS_TEST_OVERDUE", True),
    ("L3 tested in June 2024 (month only)", {**L3, "mlps_test_date": "2024-06"}, "FIND_MLPS_TEST_OVERDUE", False),
    ("L3 tested in May 2024 (month only)", {**L3, "mlps_test_date": "2024-05"}, "FIND_MLPS_TEST_OVERDUE", True),
    ("L2 tested 24 months to the day", {"mlps_test_date": "2023-06-30"}, "FIND_MLPS_TEST_OVERDUE", False),
    ("L2 tested 24 months and a day", {"mlps_test_date": "2023-06-29"}, "FIND_MLPS_TEST_OVERDUE", True),
    ("L2 no test date", {"mlps_test_date": None}, "FIND_MLPS_TEST_OVERDUE", True),
    # 密评：三级以上超过12个月
    ("crypto 12 months to the day", {**L3, "crypto_date": "2024-06-30"}, "FIND_CRYPTO_MISSING", False),
    ("crypto 12 months and a day", {**L3, "crypto_date": "2024-06-29"}, "FIND_CRYPTO_MISSING", True),
    ("crypto on a level-2 system", {"crypto_status": "未开展"}, "FIND_CRYPTO_MISSING", False),
    # 运维合同：到期时间早于统计截止日期
    ("contract ends on the reference date", {"om_contract_end": "2025-06-30"}, "FIND_OM_CONTRACT_EXPIRED", False),
    ("contract ended the day before", {"om_contract_end": "2025-06-29"}, "FIND_OM_CONTRACT_EXPIRED", True),
    ("contract ends in June 2025 (month only)", {"om_contract_end": "2025-06"}, "FIND_OM_CONTRACT_EXPIRED", False),
    ("contract ended in May 2025 (month only)", {"om_contract_end": "2025-05"}, "FIND_OM_CONTRACT_EXPIRED", True),
    ("self-maintained, old contract date", {"om_mode": "自主运维", "om_contract_end": "2023-01-01"}, "FIND_OM_CONTRACT_EXPIRED", False),
    # 在建延期：原计划投入使用时间早于统计截止日期
    ("planned June 2025 (month of the reference date)", {"status": "在建", "planned_golive": "2025-06"}, "FIND_BUILD_DELAYED", False),
    ("planned May 2025", {"status": "在建", "planned_golive": "2025-05"}, "FIND_BUILD_DELAYED", True),
    ("planned on the reference date", {"status": "在建", "planned_golive": "2025-06-30"}, "FIND_BUILD_DELAYED", False),
    ("planned the day before", {"status": "在建", "planned_golive": "2025-06-29"}, "FIND_BUILD_DELAYED", True),
    # 未对接共享平台：只看跨层级使用的系统
    ("not connected, 省市两级", {"interconnect": "否，无对接"}, "FIND_NOT_SHARED", True),
    ("not connected, 市县两级", {"interconnect": "否，无对接", "scope": "市县两级"}, "FIND_NOT_SHARED", True),
    ("not connected, 省级 only", {"interconnect": "否，无对接", "scope": "省级"}, "FIND_NOT_SHARED", False),
    ("not connected, 市（州）本级", {"interconnect": "否，无对接", "scope": "市（州）本级"}, "FIND_NOT_SHARED", False),
    ("not connected, 县乡两级", {"interconnect": "否，无对接", "scope": "县乡两级"}, "FIND_NOT_SHARED", True),
    ("not connected, 县（市、区）本级", {"interconnect": "否，无对接", "scope": "县（市、区）本级"}, "FIND_NOT_SHARED", False),
    ("not connected, 本单位内部", {"interconnect": "否，无对接", "scope": "本单位内部"}, "FIND_NOT_SHARED", False),
    ("not connected, an office system", {"interconnect": "否，无对接", "category": "办公及内部管理系统"}, "FIND_NOT_SHARED", False),
    # 备案证明编号待补
    ("filed, number blank", {"mlps_filing_no": None}, "FIND_MLPS_FILING_NO_MISSING", True),
    ("filed, number given", {}, "FIND_MLPS_FILING_NO_MISSING", False),
    ("filing in progress, no number", {"mlps_filing": "备案中", "mlps_filing_no": None}, "FIND_MLPS_FILING_NO_MISSING", False),
    (
        "a vertical system's copy, number blank",
        {"build_mode": "上级统建（省垂）", "mlps_filing_no": None},
        "FIND_MLPS_FILING_NO_MISSING",
        False,
    ),
    # 三级以上只有本地备份
    ("L3 local backup only", {**L3, "backup_mode": "本地"}, "FIND_NO_BACKUP", True),
    ("L2 local backup only", {"backup_mode": "本地"}, "FIND_NO_BACKUP", False),
]


@pytest.mark.parametrize(("label", "changes", "code", "fires"), EDGES, ids=[e[0] for e in EDGES])
def test_each_side_of_each_threshold(label, changes, code, fires):
    assert (code in codes(**changes)) is fires


def test_the_windows_count_calendar_days():
    assert latest_day("2024-02") == dt.date(2024, 2, 29) and latest_day("2023") == dt.date(2023, 12, 31)
    assert months_after(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert months_after(dt.date(2024, 6, 19), 12) == dt.date(2025, 6, 19)


@pytest.mark.parametrize(
    ("rule", "values", "fires"),
    [
        ("RULE_OM_RATIO", {"om_amount": 50, "build_amount": 100}, False),  # 超过一半: exactly half is not
        ("RULE_OM_RATIO", {"om_amount": 50.01, "build_amount": 100}, True),
        ("RULE_AMOUNT_LOOKS_YUAN", {"build_amount": 10000}, False),
        ("RULE_AMOUNT_LOOKS_YUAN", {"build_amount": 10000.5}, True),
        ("RULE_OM_AMOUNT_LOOKS_YUAN", {"om_amount": 5000}, False),
        ("RULE_OM_AMOUNT_LOOKS_YUAN", {"om_amount": 5001}, True),
        ("RULE_PAID_OVER_CONTRACT", {"paid_amount": 100, "contract_amount": 100}, False),
        ("RULE_PAID_OVER_CONTRACT", {"paid_amount": 100.5, "contract_amount": 100}, True),
        ("RULE_TOTAL_BELOW_BUILD", {"total_invest": 100, "build_amount": 100}, False),
        ("RULE_TOTAL_BELOW_BUILD", {"total_invest": 99.9, "build_amount": 100}, True),
        ("RULE_GOLIVE_AFTER_AS_OF", {"status": "在用", "golive_date": "2025-06"}, False),  # the same month: not after
        ("RULE_GOLIVE_AFTER_AS_OF", {"status": "在用", "golive_date": "2025-07"}, True),
        ("RULE_DATE_START_GOLIVE", {"build_start": "2020-05", "golive_date": "2020-05"}, False),
        ("RULE_DATE_START_GOLIVE", {"build_start": "2020-06", "golive_date": "2020-05"}, True),
    ],
)
def test_named_rules_at_their_limits(rule, values, fires):
    form = load_form()
    compiled = {r["code"]: compile_rule(r, form.main.key) for r in form.rules}[rule]
    ctx = Context(as_of=AS_OF, children={}, titles={})
    assert (compiled.check(values, ctx) is not None) is fires
