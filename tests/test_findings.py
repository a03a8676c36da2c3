"""Findings: truthful gaps are accepted and reported, contradictions are errors, each kind applies only
where it is meant to, duplicates are grouped, and the office's reviews survive a re-submission."""

from __future__ import annotations

import copy
import json
import random
import shutil
import sys
from pathlib import Path

import pytest
from conftest import run_cli

from inventory.assess import System, duplicate_findings, load_rules
from inventory.assess.alike import for_encoder
from inventory.assess.duplicates import name_reader
from inventory.demo.synth import child_rows, clean_return, write_return
from inventory.errors import SetupError
from inventory.form import load_form
from inventory.intake import Validator
from inventory.report import Reports
from inventory.store.db import open_db
from inventory.store.importer import Importer

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"

# a truthful answer that reveals a gap -> (changes to an in-use, self-built, level-2 system, the finding it must give)
GAPS = {
    "未备案": ({"mlps_filing": "未备案", "mlps_filing_no": None}, "FIND_MLPS_NOT_FILED"),
    "备案中": ({"mlps_filing": "备案中", "mlps_filing_no": None}, "FIND_MLPS_NOT_FILED"),
    "未定级": (
        {"mlps_level": "未定级", "mlps_filing": None, "mlps_filing_no": None, "mlps_test_date": None, "mlps_test_result": None},
        "FIND_MLPS_NOT_GRADED",
    ),
    "未开展密评": (
        {"mlps_level": "第三级", "crypto_status": "未开展", "crypto_date": None, "disaster_recovery": "是"},
        "FIND_CRYPTO_MISSING",
    ),
    "自建机房": ({"deploy_location": "本单位自建机房"}, "FIND_NOT_ON_CLOUD"),
    "无备份": ({"backup": "否", "backup_mode": None}, "FIND_NO_BACKUP"),
    "测评超期": ({"mlps_test_date": "2022-05-10"}, "FIND_MLPS_TEST_OVERDUE"),
    "运维合同过期": ({"om_mode": "外包服务", "om_contract_end": "2024-06-30"}, "FIND_OM_CONTRACT_EXPIRED"),
    "未对接": ({"interconnect": "否，无对接", "category": "业务应用系统", "scope": "省市县三级"}, "FIND_NOT_SHARED"),
    "已备案无编号": ({"mlps_filing_no": None}, "FIND_MLPS_FILING_NO_MISSING"),
    "暂无运维": ({"om_mode": "暂无运维", "om_vendor": None, "om_contract_end": None, "om_amount": 0}, "FIND_NO_OM"),
}


def _fine(row: dict) -> dict:
    """An in-use, self-built, level-2 system with nothing to find."""
    row.update(
        status="在用",
        build_mode="自行建设",
        vendor="四川华西信息技术有限公司",
        category="业务应用系统",
        scope="省级",
        deploy_location="省级政务云",
        networks="电子政务外网",
        backup="是",
        backup_mode="本地和异地",
        disaster_recovery="是",
        interconnect="是，对接省政务信息共享平台",
        catalogued="是",
        mlps_level="第二级",
        mlps_filing="已备案",
        mlps_filing_no="51010099001-00001",
        mlps_test_date="2024-10-10",
        crypto_status="不适用",
        om_mode="外包服务",
        om_vendor="四川华西信息技术有限公司",
        om_contract_end="2026-12-31",
        monthly_active=800,
        registered_users=5000,
        om_amount=20,
        om_fund_source="省级财政",
        build_start="2019-05",
        golive_date="2020-06",
        mlps_test_result="符合",
    )
    for k in ("crypto_date", "build_stage", "contract_amount", "paid_amount", "contract_sign_date", "contract_end_date", "planned_golive"):
        row.pop(k, None)
    return row


def _apply(row: dict, changes: dict) -> dict:
    for k, v in changes.items():
        if v is None:
            row.pop(k, None)
        else:
            row[k] = v
    return row


@pytest.fixture(scope="module")
def gaps_round(tmp_path_factory, form, roster):
    """One return with a system per truthful gap, plus systems a kind must not apply to; imported."""
    tmp = tmp_path_factory.mktemp("gaps")
    unit = roster.resolve("人社厅")
    values, rows = clean_return(form, unit, 3, seed=3)
    base = _fine(rows[form.main.name][0])
    systems = []
    for i, (label, (changes, _code)) in enumerate(GAPS.items()):
        systems.append(_apply(copy.deepcopy(base), {**changes, "system_no": f"GAP-{i:02d}", "system_name": f"四川省{label}测试系统"}))
    # not meant for: an internal meeting-room system with no interconnection, a 省垂 system in the upper
    # department's room, a self-maintained system (no contract), a level-2 system with local backup only
    exempt = {
        "会议室预约": {"category": "办公及内部管理系统", "scope": "本单位内部", "interconnect": "否，无对接", "users": "政府内部"},
        "省垂使用": {
            "build_mode": "上级统建（省垂）",
            "deploy_location": "上级部门机房",
            "mlps_level": "未定级",
            "mlps_filing": None,
            "mlps_filing_no": None,
            "mlps_test_date": None,
            "build_start": None,
            "build_amount": 0,
            "fund_source": None,
            "om_mode": "上级统一运维",
            "om_vendor": None,
            "om_amount": 0,
            "om_fund_source": None,
            "total_invest": 0,
        },
        "自主运维": {"om_mode": "自主运维", "om_vendor": None, "om_contract_end": "2023-12-31"},
        "二级本地备份": {"backup_mode": "本地"},
        # honest answers that leave a detail out: accepted with a warning, no finding
        "本级未对接": {"interconnect": "否，无对接", "scope": "省级"},
        "使用量未统计": {"registered_users": None, "monthly_active": None},
        "部委备案编号": {"mlps_filing_no": "A110000123456"},
        "云上备份方式不明": {"backup_mode": None},
        "政务小程序": {"category": "门户网站及公共服务", "url": None, "users": "公众"},
        "已立项未采购": {
            "status": "在建",
            "build_stage": "已立项未采购",
            "contract_amount": 300,
            "planned_golive": "2026-06",
            "golive_date": None,
            "contract_sign_date": None,
            "contract_end_date": None,
            "om_amount": None,
        },
    }
    for i, (label, changes) in enumerate(exempt.items()):
        systems.append(_apply(copy.deepcopy(base), {**changes, "system_no": f"OK-{i:02d}", "system_name": f"四川省{label}测试系统"}))
    sheets = {form.main.name: systems, **child_rows(form, systems, random.Random(1))}
    path = write_return(tmp / "gaps.xlsx", form, unit, values, sheets)
    url = f"sqlite:///{tmp / 'g.db'}"
    result = Importer(open_db(url)).import_file(path)
    return result, Reports(open_db(url)).issues()


def test_truthful_gaps_are_accepted_not_rejected(gaps_round):
    result, _ = gaps_round
    errors = [(i.row, i.code, i.message) for i in result.report.issues if i.severity == "error"]
    assert errors == [] and result.status == "imported"


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("已备案无编号", "RULE_MLPS_FILING_NO"),
        ("使用量未统计", "RULE_IN_USE_USAGE"),
        ("部委备案编号", "RULE_MLPS_FILING_NO_FORMAT"),
        ("云上备份方式不明", "RULE_BACKUP_MODE"),
        ("政务小程序", "RULE_PORTAL_URL"),
    ],
)
def test_a_detail_left_out_is_a_warning_the_unit_sees(gaps_round, label, code):
    result, _ = gaps_round
    hits = [i for i in result.report.issues if i.code == code]
    assert hits and all(i.severity == "warning" for i in hits), [(i.code, i.severity) for i in result.report.issues]


@pytest.mark.parametrize("label", list(GAPS))
def test_each_truthful_gap_becomes_its_finding(gaps_round, label):
    _, data = gaps_round
    codes = {f["code"] for f in data["findings"] if f["system"] == f"四川省{label}测试系统"}
    assert GAPS[label][1] in codes, codes


EXEMPT = [
    "会议室预约",
    "省垂使用",
    "自主运维",
    "二级本地备份",
    "已立项未采购",
    "本级未对接",
    "使用量未统计",
    "部委备案编号",
    "云上备份方式不明",
    "政务小程序",
]


@pytest.mark.parametrize("label", EXEMPT)
def test_kinds_apply_only_where_they_are_meant_to(gaps_round, label):
    _, data = gaps_round
    codes = {f["code"] for f in data["findings"] if f["system"] == f"四川省{label}测试系统"}
    assert codes == set(), codes


CONTRADICTIONS = [
    ({"mlps_level": "未定级", "mlps_filing": "已备案"}, "RULE_MLPS_UNGRADED_FILED", "mlps_filing"),
    ({"om_mode": "外包服务", "om_vendor": None}, "RULE_OM_VENDOR", "om_vendor"),
    ({"status": "在建", "build_stage": "系统开发", "contract_sign_date": None}, "RULE_BUILDING_FIELDS", "contract_sign_date"),
]


@pytest.mark.parametrize(("changes", "code", "field"), CONTRADICTIONS)
def test_what_cannot_be_meant_is_still_an_error(tmp_path, form, roster, changes, code, field):
    unit = roster.resolve("人社厅")
    values, rows = clean_return(form, unit, 2, seed=5)
    _apply(_fine(rows[form.main.name][0]), changes)
    path = write_return(tmp_path / "c.xlsx", form, unit, values, rows)
    report = Validator(form, roster).validate(path)
    hits = [i for i in report.issues if i.code == code]
    assert hits and hits[0].severity == "error" and hits[0].field == field and hits[0].row == form.main.first_data_row
    needed = form.main.by_key[field].title  # the fix names the cell that lacks a value, where the rule requires one
    assert hits[0].hint.startswith(
        f"请补充填写“{needed}”。" if code in ("RULE_OM_VENDOR", "RULE_BUILDING_FIELDS") else "请按问题说明核对并改正。"
    )


def test_every_rule_carries_its_reasoning(tmp_path):
    """A rule without `x-why` is a setup error naming it (the reasoning sits next to every rule)."""
    folder = tmp_path / "forms"
    shutil.copytree(load_form().folder, folder)
    path = folder / "systems.schema.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["allOf"][0]["x-why"]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SetupError, match="x-why"):
        load_form(folder)


def _system(unit, owner, name, fn, **values):
    base = {"status": "在用", "category": "业务应用系统", "build_mode": "自行建设", "scope": "省级", "functions": fn}
    return System(
        unit=unit, submission_id=1, row=3, values={**base, **values, "system_name": name, "owner_unit": owner, "system_no": name[:6]}
    )


def _groups(found) -> list[list[str]]:
    """Each finding's system names, sorted: the groups a duplicate run found."""
    return sorted(sorted(m["系统名称"] for m in f.evidence["系统"]) for f in found)


def test_duplicates_are_grouped_verticals_counted_once_and_hard_negatives_kept_apart(roster):
    yb, cd, dy, my = (roster.resolve(n).name for n in ("省医保局", "成都", "德阳", "绵阳"))
    systems = [
        # a provincial system and two cities reporting it again as 上级统建（省垂）
        _system(yb, yb, "四川省医疗保障信息平台", "医保参保登记、基金结算和基金监管", scope="省市县三级"),
        _system(cd, "成都市医疗保障局", "四川省医疗保障信息平台（成都）", "使用省平台办理参保和结算", build_mode="上级统建（省垂）"),
        _system(my, "绵阳市医疗保障局", "医疗保障信息平台", "使用省平台办理参保登记和医保结算", build_mode="上级统建（省垂）"),
        # three cities each building the same platform, named differently (智慧/数字, 城管/城市管理)
        _system(cd, "成都市城市管理委员会", "成都市智慧城管综合平台", "城市管理问题发现、立案派遣、处置和考核评价"),
        _system(dy, "德阳市城市管理局", "德阳市数字城管系统", "城市部件事件巡查上报、案件派遣和处置结果核查"),
        _system(my, "绵阳市城市管理局", "绵阳市城市管理综合监管平台", "城市管理事件监管、处置调度和综合评价"),
        # hard negatives (the issue's own examples): same words, different business
        _system(cd, "成都市市场监督管理局", "成都市食品追溯平台", "食品进货查验、流向追溯和问题产品召回"),
        _system(dy, "德阳市市场监督管理局", "德阳市药品追溯平台", "药店和医疗机构药品购销追溯"),
        _system(cd, "成都市教育局", "成都市学籍管理系统", "学生学籍注册、转学和毕业管理"),
        _system(my, "绵阳市教育和体育局", "绵阳市教师资格管理系统", "教师资格认定申请受理和证书发放"),
        # every unit has its own portal: not duplicate building
        _system(cd, cd, "成都市人民政府门户网站", "政府信息公开和办事入口", category="门户网站及公共服务"),
        _system(dy, dy, "德阳市人民政府门户网站", "政府信息公开和办事入口", category="门户网站及公共服务"),
    ]
    found = duplicate_findings(systems, load_rules(), roster)
    groups = {f.code: [] for f in found}
    for f in found:
        groups[f.code].append({m["系统名称"] for m in f.evidence["系统"]})
    assert groups["FIND_DUPLICATE_REPORT"] == [{"四川省医疗保障信息平台", "四川省医疗保障信息平台（成都）", "医疗保障信息平台"}]
    assert groups["FIND_DUPLICATE_BUILD"] == [{"成都市智慧城管综合平台", "德阳市数字城管系统", "绵阳市城市管理综合监管平台"}]
    assert [s.counted for s in systems[:3]] == [True, False, False]  # the inventory counts the provincial system once
    build = next(f for f in found if f.code == "FIND_DUPLICATE_BUILD")
    assert "城市管理" in build.message and build.evidence["关联依据"][0]["依据"]


def test_pairs_the_rules_cannot_decide_are_listed_as_leads_not_held_against_anyone(roster):
    dy, my = (roster.resolve(n).name for n in ("德阳", "绵阳"))
    systems = [
        # one business (户外广告), each name with a word the other lacks: close in meaning, not close enough to claim
        _system(dy, "德阳市城市管理局", "德阳市户外广告招牌管理系统", "户外广告和门头招牌设置审批、巡查和安全隐患整治"),
        _system(my, "绵阳市城市管理局", "绵阳市户外广告设置审批管理平台", "户外广告设施设置许可申请、审批和到期巡查"),
        # shares 广告 and nothing else: not even a lead
        _system(dy, "德阳市市场监督管理局", "德阳市互联网广告监测系统", "网站和移动应用广告自动抓取、违法广告识别和处置"),
    ]
    found = duplicate_findings(systems, load_rules(), roster)
    assert [(f.code, names) for f, names in zip(found, _groups(found), strict=True)] == [
        ("FIND_DUPLICATE_POSSIBLE", ["德阳市户外广告招牌管理系统", "绵阳市户外广告设置审批管理平台"])
    ]
    why = found[0].evidence["关联依据"][0]
    assert (
        why["相同业务词"] == ["户外广告"] and why["业务功能语义相似度"] >= for_encoder(load_rules()["thresholds"])["dup_possible_function"]
    )
    assert "户外广告" in found[0].message
    assert [s.findings for s in systems] == [[], [], []]  # a lead costs no system any score until the office confirms it


def test_names_that_differ_in_how_they_say_one_system_are_linked(roster):
    edu, hrss, nc, dy, ls = (roster.resolve(n).name for n in ("教育厅", "人力资源社会保障厅", "南充", "德阳", "乐山"))
    vnat = {"build_mode": "上级统建（国垂）", "scope": "国家垂直"}
    systems = [
        # a national system: the province names it 全国…, the city's copy does not
        _system(edu, edu, "全国中小学生学籍信息管理系统（四川）", "使用部级系统办理学籍注册", **vnat),
        _system(nc, "南充市教育局", "中小学生学籍管理系统", "使用国家系统办理本市学籍变动", **vnat),
        # words between the halves of a term (应急指挥 / 应急管理综合指挥)
        _system(nc, "南充市应急管理局", "南充市应急指挥综合平台", "突发事件接报和资源调度"),
        _system(ls, "乐山市应急管理局", "乐山市应急管理综合指挥平台", "应急值守和指挥调度"),
        # a provincial system and a city's 省垂 copy, each name with a word the other lacks (核心 / 经办)
        _system(hrss, hrss, "四川省金保工程社会保险核心业务系统", "参保登记和待遇核发", scope="省市县三级"),
        _system(dy, "德阳市人力资源和社会保障局", "金保工程社保经办系统（德阳）", "使用省集中系统办理", build_mode="上级统建（省垂）"),
    ]
    found = duplicate_findings(systems, load_rules(), roster)
    groups = sorted((f.code, sorted(m["系统名称"] for m in f.evidence["系统"])) for f in found)
    assert groups == [
        ("FIND_DUPLICATE_BUILD", ["乐山市应急管理综合指挥平台", "南充市应急指挥综合平台"]),
        ("FIND_DUPLICATE_REPORT", ["中小学生学籍管理系统", "全国中小学生学籍信息管理系统（四川）"]),
        ("FIND_DUPLICATE_REPORT", ["四川省金保工程社会保险核心业务系统", "金保工程社保经办系统（德阳）"]),
    ]
    # synonyms (森林草原防灭火 / 森林防火), a dictionary word ending in a generic one (指挥系统), and names that
    # differ only in words for what a system does (指挥 / 监测预警) are one business; an earthquake system is not
    pzh, dz = (roster.resolve(n).name for n in ("攀枝花市", "达州市"))
    fire = [
        _system(pzh, "攀枝花市应急管理局", "攀枝花市森林草原防灭火指挥系统", "火情监测和扑救调度"),
        _system(dz, "达州市林业局", "达州市森林防火监测预警平台", "林区火情视频监测和预警发布"),
        _system(dz, "达州市防震减灾中心", "达州市地震监测预警系统", "地震烈度速报和预警发布"),
    ]
    found = duplicate_findings(fire, load_rules(), roster)
    assert [sorted(m["系统名称"] for m in f.evidence["系统"]) for f in found] == [
        ["攀枝花市森林草原防灭火指挥系统", "达州市森林防火监测预警平台"]
    ]
    # two trades' systems of one kind (交通运输 / 城市管理 综合执法) are kept apart, video surveillance is not;
    # a name made only of its owner's broad line of work (教育) says too little; 公共资源 … 交易 is 公共资源交易
    jt, cd, dy2 = (roster.resolve(n).name for n in ("交通运输厅", "成都", "德阳"))
    trades = [
        _system(jt, jt, "四川省交通运输综合执法信息系统", "路政运政执法办案"),
        _system(cd, "成都市城市管理委员会", "成都市城市管理综合执法信息系统", "城管执法办案"),
        _system(cd, "成都市教育局", "成都市智慧教育云平台", "课程资源共享"),
        _system(dy2, "德阳市教育局", "德阳市智慧教育管理平台", "教育事业统计"),
        _system(dy2, "德阳市公安局", "德阳市公共安全视频监控联网平台（雪亮工程）", "视频汇聚调阅"),
        _system(cd, "成都市交通运输局", "成都市交通运输视频监控系统", "干线视频监控"),
        _system(cd, "成都市公共资源交易服务中心", "成都市公共资源交易平台", "电子招投标"),
        _system(dy2, "德阳市公共资源交易服务中心", "德阳市公共资源电子交易系统", "电子招投标和开评标"),
    ]
    found = duplicate_findings(trades, load_rules(), roster)
    assert _groups(found) == [
        ["德阳市公共安全视频监控联网平台（雪亮工程）", "成都市交通运输视频监控系统"],
        ["德阳市公共资源电子交易系统", "成都市公共资源交易平台"],
    ]
    # a word jieba does not know (林长制) is still a word; a 国垂 copy is one system even when its only
    # business word is the owner's own line of work (退役军人)
    ya, bz, vet = (roster.resolve(n).name for n in ("雅安市", "巴中市", "退役军人厅"))
    unknown = [
        _system(ya, "雅安市林业局", "雅安市林长制智慧管理平台", "林长巡林履职"),
        _system(bz, "巴中市林业局", "巴中市林长制信息系统", "林长巡林和问题整改"),
        _system(vet, vet, "全国退役军人信息管理系统（四川）", "使用部级系统", **vnat),
        _system(bz, "巴中市退役军人事务局", "退役军人信息管理系统", "使用国家系统", **vnat),
    ]
    found = duplicate_findings(unknown, load_rules(), roster)
    assert sorted((f.code, len(f.about)) for f in found) == [("FIND_DUPLICATE_BUILD", 2), ("FIND_DUPLICATE_REPORT", 2)]
    # the same 省垂 rule does not link a copy to a provincial system of another business
    other = [systems[5], _system(hrss, hrss, "四川省社会保险基金监管系统", "社保基金运行监管", scope="省市县三级")]
    assert duplicate_findings(other, load_rules(), roster) == []


def test_descriptions_that_mean_the_same_link_names_with_no_word_in_common(roster, tmp_path, monkeypatch):
    monkeypatch.setenv("INVENTORY_CACHE", str(tmp_path / "cache"))
    zy, gy, ya = (roster.resolve(n).name for n in ("资阳市", "广元市", "雅安市"))
    systems = [
        _system(zy, "资阳市体育局", "资阳市全民健身公共服务平台", "体育场馆预约、赛事活动报名、社会体育指导员和健身指导"),
        _system(gy, "广元市文化广播电视和旅游局", "广元市智慧体育公共服务平台", "体育场馆预约、全民健身赛事报名和科学健身指导"),
        _system(ya, "雅安市住房和城乡建设局", "雅安市城市排水防涝监测预警平台", "易涝点积水深度、管网液位监测和内涝预警"),
        _system(zy, "资阳市城市管理局", "资阳市城市内涝监测系统", "城区易涝点积水监测、排水管网液位监测和内涝预警"),
        _system(zy, "资阳市人力资源和社会保障局", "资阳市公共就业服务平台", "求职招聘信息发布、就业登记和职业指导"),
    ]
    found = duplicate_findings(systems, load_rules(), roster)
    assert _groups(found) == [
        ["广元市智慧体育公共服务平台", "资阳市全民健身公共服务平台"],
        ["资阳市城市内涝监测系统", "雅安市城市排水防涝监测预警平台"],
    ]
    sport = next(f for f in found if "资阳市全民健身公共服务平台" in f.subject[0] + f.subject[1])
    link = sport.evidence["关联依据"][0]
    assert link["业务功能语义相似度"] >= 0.85 and link["名称语义相似度"] >= 0.45 and "意思" in link["依据"]
    assert any(f.name.startswith("dup-") for f in (tmp_path / "cache").iterdir())  # the vectors are kept for the next run
    # one template filled in with each business name links nothing, however alike its sentences are
    cities = [roster.resolve(n).name for n in ("成都", "德阳", "绵阳", "遂宁", "乐山", "南充", "宜宾", "泸州")]
    cores = ["不动产登记", "不动产交易", "社会信用", "出租汽车监管", "广告监测", "价格监测", "林地审批", "计量检定"] * 2
    filled = [
        _system(
            cities[i % 8],
            f"{cities[i % 8]}第{i}局",
            f"{c}（{i}）系统",
            f"支撑{c}相关业务的受理、审核、办结和统计分析，服务全省工作人员和办事群众。",
        )
        for i, c in enumerate(cores)
    ]
    found = duplicate_findings(filled, load_rules(), roster)
    assert not any("业务功能语义相似度" in link for f in found for link in f.evidence["关联依据"])


def test_a_shared_word_with_descriptions_and_names_that_mean_the_same_is_one_business(roster, tmp_path, monkeypatch):
    monkeypatch.setenv("INVENTORY_CACHE", str(tmp_path / "cache"))
    pzh, ms, nj = (roster.resolve(n).name for n in ("攀枝花市", "眉山市", "内江市"))
    science = [
        _system(pzh, "攀枝花市科学技术局", "攀枝花市科技计划项目管理系统", "市级科技计划项目申报、专家评审、立项、中期检查和结题验收"),
        _system(ms, "眉山市科学技术局", "眉山市科技项目申报管理平台", "科技项目网上申报、专家评审、立项和结题验收管理"),
    ]
    found = duplicate_findings(science, load_rules(), roster)
    assert [f.code for f in found] == ["FIND_DUPLICATE_BUILD"]
    link = found[0].evidence["关联依据"][0]
    t = for_encoder(load_rules()["thresholds"])
    assert "科技" in link["相同业务词"] and link["业务功能语义相似度"] >= t["dup_meaning_shared_function"]
    assert link["名称语义相似度"] >= t["dup_meaning_shared_name"]
    # a known business term on each side keeps two systems apart, however alike their descriptions read
    schools = [
        _system(nj, "内江市教育局", "内江市中小学学籍管理系统", "学生学籍注册、转学、休学和毕业管理"),
        _system(ms, "眉山市教育和体育局", "眉山市中小学教师资格管理系统", "教师资格认定申请、注册和证书管理"),
    ]
    assert duplicate_findings(schools, load_rules(), roster) == []


def test_a_short_form_is_its_long_form(roster):
    from inventory.assess.names import abbreviates, abbreviations

    assert abbreviates("危化", "危险化学品") and abbreviates("地灾", "地质灾害") and abbreviates("网约车", "网络预约出租汽车")
    assert not abbreviates("灾害", "地质灾害") and not abbreviates("交易", "公共资源交易") and not abbreviates("食品", "药品")
    assert abbreviations(["危险化学品", "危化", "食品"]) == {"危险化学品": ["危化"]}
    yb, lz = (roster.resolve(n).name for n in ("宜宾", "泸州"))
    systems = [
        _system(yb, "宜宾市应急管理局", "宜宾市危险化学品运输监管平台", "危险货物道路运输车辆动态监控"),
        _system(lz, "泸州市应急管理局", "泸州市危化品运输监管系统", "危化品运输车辆定位和违规报警"),
    ]
    found = duplicate_findings(systems, load_rules(), roster)
    assert [f.code for f in found] == ["FIND_DUPLICATE_BUILD"] and "危险化学品" in found[0].message
    # a word the dictionary has on its own is not read as a short form (公交 is 公共交通, not 公共资源交易)
    reader = name_reader(roster)
    assert abbreviations(["公共资源交易", "公交", "危险化学品", "危化"], reader.is_dictionary_word) == {"危险化学品": ["危化"]}
    buses = [
        _system(yb, "宜宾市公共资源交易服务中心", "宜宾市公共资源交易电子服务系统", "工程建设和政府采购项目电子招投标、开评标"),
        _system(lz, "泸州市交通运输局", "泸州市智慧公交信息服务系统", "公交实时到站查询、线路换乘规划和乘车码服务"),
    ]
    assert duplicate_findings(buses, load_rules(), roster) == []


def test_the_segmentation_dictionary_copy_is_jiebas_own_and_is_made_again_when_broken(tmp_path, monkeypatch):
    from inventory.assess.dictionary import tokenizer

    monkeypatch.setenv("INVENTORY_CACHE", str(tmp_path))
    made = tokenizer()  # the first time: from jieba's word list, and a copy kept
    [kept] = tmp_path.glob("jieba-*.words")
    again = tokenizer()  # then from the copy
    assert again.FREQ == made.FREQ and again.total == made.total and len(made.FREQ) > 300_000
    names = ["德阳市公共资源交易平台（二期）", "成都市林长制信息管理系统", "宜宾市智慧公交信息服务系统"]
    assert [again.lcut(n, HMM=False) for n in names] == [made.lcut(n, HMM=False) for n in names]
    size = kept.stat().st_size
    for broken in (kept.read_bytes()[: size // 2], b"", b"\xff" * 40):  # cut short, empty, garbage
        kept.write_bytes(broken)
        assert tokenizer().FREQ == made.FREQ and kept.stat().st_size == size


def test_names_read_past_brand_names_and_generic_halves_of_terms(roster):
    reader = name_reader(roster)
    # a quoted programme or brand name says nothing about the business unless the lexicon knows its words
    assert reader.read("宜宾市“宜步出行”智慧公交服务平台").words == {"公交"}
    assert reader.read("四川省“天府通办”平台").words == {"一体化政务服务"}
    assert reader.read("宜宾市“宜步出行”智慧公交服务平台").full == "宜宾市宜步出行智慧公交服务平台"  # one system's name, as written
    # 资源 alone is generic (数据资源中心), but 公共资源 … 交易 with words between is still the term
    assert reader.read("四川省生态环境数据资源中心").words == {"生态环境"}
    assert reader.read("遂宁市公共资源电子交易系统").words == {"公共资源交易"}


def test_two_units_of_one_trade_sharing_only_that_trade_are_not_duplicates(roster):
    yb, ls = (roster.resolve(n).name for n in ("宜宾", "乐山"))
    systems = [
        _system(
            roster.resolve("教育厅").name,
            roster.resolve("教育厅").name,
            "四川省教育统计信息系统",
            "各级各类学校基础统计数据填报、审核和汇总分析",
        ),
        _system(yb, "宜宾市教育和体育局", "宜宾市智慧教育服务平台", "中小学在线课堂、作业布置和家校沟通服务"),
        # 消防 is both owners' trade too, but they also share what the systems do (监控): one business
        _system(ls, "乐山市消防救援支队", "乐山市智慧消防物联网监控平台", "联网单位火灾报警、消防水压和电气火灾传感器实时监测"),
        _system(yb, "宜宾市消防救援支队", "宜宾市城市消防远程监控系统", "联网单位火灾自动报警信号接收、消防设施远程监测和告警处置"),
    ]
    assert _groups(duplicate_findings(systems, load_rules(), roster)) == [["乐山市智慧消防物联网监控平台", "宜宾市城市消防远程监控系统"]]


def test_reviews_hold_while_the_evidence_holds(tmp_path, form, roster, db_url):
    unit = roster.resolve("人社厅")
    values, rows = clean_return(form, unit, 2, seed=8)
    target = _fine(rows[form.main.name][0])
    target.update(deploy_location="本单位自建机房", system_name="四川省自建机房测试系统")
    _fine(rows[form.main.name][1])
    path = write_return(tmp_path / "v1.xlsx", form, unit, values, rows)
    assert run_cli("import", str(path), "--db", db_url).returncode == 0

    def listed(state="all"):
        proc = run_cli("findings", "list", "--json", "--state", state, "--code", "FIND_NOT_ON_CLOUD", "--db", db_url)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)["findings"]

    (finding,) = listed()
    assert finding["state"] == "open" and finding["evidence"] == {"部署位置": "本单位自建机房"}
    no_reason = run_cli("findings", "dismiss", finding["id"][:6], "--db", db_url)
    assert no_reason.returncode == 2 and "理由" in no_reason.stderr
    done = run_cli("findings", "dismiss", finding["id"][:6], "--reason", "已获批暂缓迁移", "--operator", "李四", "--json", "--db", db_url)
    assert done.returncode == 0 and json.loads(done.stdout)["reviewed"][0]["state"] == "dismissed"
    issues = json.loads(run_cli("report", "issues", "--json", "--db", db_url).stdout)
    assert not [f for f in issues["findings"] if f["id"] == finding["id"]] and issues["dismissed"][0]["id"] == finding["id"]
    # the unit re-submits: same evidence, the dismissal holds
    values["contact_name"] = "另一位联系人"
    assert run_cli("import", str(write_return(tmp_path / "v2.xlsx", form, unit, values, rows)), "--db", db_url).returncode == 0
    assert [f["state"] for f in listed()] == ["dismissed"]
    # a new round: the review carries on while the evidence holds; one made in the new round stays there
    first_round = json.loads(run_cli("round", "list", "--json", "--db", db_url).stdout)[0]["key"]
    assert run_cli("round", "open", "2026", "--name", "2026年度更新", "--as-of", "2026-06-30", "--db", db_url).returncode == 0
    values["contact_name"] = "第三位联系人"
    assert run_cli("import", str(write_return(tmp_path / "v2b.xlsx", form, unit, values, rows)), "--db", db_url).returncode == 0
    assert [f["state"] for f in listed()] == ["dismissed"]
    done = run_cli("findings", "confirm", finding["id"][:6], "--reason", "复核：应迁移", "--json", "--db", db_url)
    assert json.loads(done.stdout)["reviewed"][0]["round_id"] is not None
    assert [f["state"] for f in listed()] == ["confirmed"]
    earlier = run_cli("findings", "list", "--json", "--round", first_round, "--code", "FIND_NOT_ON_CLOUD", "--db", db_url)
    assert [f["state"] for f in json.loads(earlier.stdout)["findings"]] == ["dismissed"]
    # the evidence changes: the finding is open again
    target["deploy_location"] = "托管机房（运营商或第三方）"
    assert run_cli("import", str(write_return(tmp_path / "v3.xlsx", form, unit, values, rows)), "--db", db_url).returncode == 0
    (again,) = listed()
    assert again["id"] == finding["id"] and again["state"] == "open" and "review" not in again
    assert run_cli("findings", "confirm", "ffff0000", "--db", db_url).returncode == 2  # an unknown id is a usage error


def test_tuning_round_stays_found():
    """Regression guard on the tuning split (written beside the rules: not evidence of quality;
    the held-out split is measured separately by benchmarks/bench_findings.py holdout)."""
    sys.path.insert(0, str(BENCH))
    import tempfile

    from bench_findings import build_round, score

    with tempfile.TemporaryDirectory() as tmp:
        files, labels = build_round("tune", Path(tmp))
        engine = open_db(f"sqlite:///{Path(tmp) / 'e.db'}")
        importer = Importer(engine)
        assert all(importer.import_file(p).status == "imported" for p in files)
        s = score(Reports(engine).issues()["findings"], labels)
    assert s["recall"] >= 0.95 and s["precision"] >= 0.95 and not s["linked_negatives"], s


def test_words_the_lexicon_does_not_know_are_listed_for_the_office(tmp_path, form, roster):
    from inventory.assess import unknown_words

    ls, zy = (roster.resolve(n).name for n in ("乐山市", "资阳市"))
    systems = [
        _system(ls, "乐山市住房和城乡建设局", "乐山市城市内涝监测系统", "积水监测"),
        _system(zy, "资阳市城市管理局", "资阳市城市内涝预警平台", "积水预警"),
        _system(zy, "资阳市住房和城乡建设局", "资阳市城市排水防涝平台", "管网监测"),
    ]
    rows = {r["word"]: r for r in unknown_words(systems, roster)}
    assert rows["内涝"]["units"] == 2 and rows["内涝"]["systems"] == 2
    assert rows["内涝"]["examples"] == ["乐山市城市内涝监测系统", "资阳市城市内涝预警平台"]
    assert "排水防涝" not in rows and "监管" not in rows and "平台" not in rows  # known term, weak word, generic word
    common = unknown_words(systems, roster, min_units=2)
    assert "内涝" in [r["word"] for r in common] and all(r["units"] >= 2 for r in common)
    # from the command line, on an imported return
    unit = roster.resolve("德阳市")
    values, sheets = clean_return(form, unit, 6, seed=11)
    path = write_return(tmp_path / "德阳市.xlsx", form, unit, values, sheets)
    url = f"sqlite:///{tmp_path / 'w.db'}"
    Importer(open_db(url)).import_file(path)
    proc = run_cli("findings", "words", "--min-units", "1", "--json", "--db", url)
    assert proc.returncode == 0, proc.stderr
    words = json.loads(proc.stdout)["words"]
    assert words and all(w["units"] == 1 and w["systems"] >= 1 and w["examples"] for w in words)
    table = run_cli("findings", "words", "--db", url)  # one unit: nothing used by two units
    assert table.returncode == 0 and "没有查重词表不认识的业务词" in table.stdout


def test_a_kind_of_work_every_trade_does_links_nothing_across_trades(roster):
    """招生 in an education, a labour and a health system, 车辆 in a police, a fleet and a farm-machine
    system: a kind of work each trade does, not one business. No claim and no lead across trades; the
    same business of one trade in two places still is one."""
    city = "德阳市人民政府"
    systems = [
        _system(city, "德阳市教育局", "德阳市招生管理平台", "义务教育阶段新生入学报名、学区划片和录取结果查询"),
        _system(city, "德阳市人力资源和社会保障局", "德阳市招生管理系统", "技工院校招生计划下达、考生报名和录取管理"),
        _system(city, "德阳市卫生健康委员会", "德阳市招生考试系统", "医学院校定向生招生报名和资格审核"),
        _system(city, "德阳市公安局", "德阳市车辆管理系统", "机动车登记、年检和驾驶证业务办理"),
        _system(city, "德阳市机关事务管理局", "德阳市车辆管理平台", "公务用车派车申请、里程油耗和维修保养管理"),
        _system(city, "德阳市农业农村局", "德阳市农机车辆管理系统", "拖拉机和联合收割机登记、检验和驾驶人管理"),
        _system("中江县人民政府", "中江县教育和体育局", "中江县招生管理平台", "义务教育新生入学报名、划片招生和录取查询"),
    ]
    groups = _groups(duplicate_findings(systems, load_rules(), roster))
    assert ["中江县招生管理平台", "德阳市招生管理平台"] in groups, groups  # one trade, one business
    assert not [g for g in groups if any("车辆" in n for n in g)], groups
    assert not [g for g in groups if "德阳市招生管理系统" in g or "德阳市招生考试系统" in g], groups


def test_one_name_in_one_return_is_one_system_only_within_one_government(roster):
    """Two departments of a city reporting one platform under one name: one system counted twice. Two
    district governments of that city each running a platform of that name: each built its own."""
    city = "雅安市人民政府"
    fn = "社区居民信息管理、社区事务网上办理、志愿服务登记和便民服务预约"
    platform = "城市运行事件统一受理、分拨处置和运行体征监测"
    shared = [
        _system(city, "雅安市民政局", "雅安市城市运行管理服务平台", platform),
        _system(city, "雅安市数据局", "雅安市城市运行管理服务平台", platform),
    ]
    districts = [
        _system(city, "雅安市雨城区人民政府", "智慧社区综合服务平台", fn),
        _system(city, "雅安市名山区人民政府", "智慧社区综合服务平台", "覆盖城区各社区，提供居民事项代办、志愿服务登记和社区通知发布"),
    ]
    found = duplicate_findings(shared + districts, load_rules(), roster)
    kinds = {tuple(sorted(m["所属单位"] for m in f.evidence["系统"])): f.code for f in found}
    assert kinds.get(("雅安市数据局", "雅安市民政局")) == "FIND_DUPLICATE_REPORT", kinds
    assert kinds.get(("雅安市名山区人民政府", "雅安市雨城区人民政府")) == "FIND_DUPLICATE_BUILD", kinds


def test_the_same_platform_name_of_one_trade_in_two_places_is_built_twice(roster):
    """Names made only of the owners' own line of work (教育) say too little, unless the names are one and
    the same and so are the descriptions."""
    same = [
        _system(
            "巴中市人民政府", "巴中市教育局", "巴中市智慧教育云平台（二期）", "为全市中小学提供在线教学资源、网络教研和学生学习空间服务"
        ),
        _system("巴中市人民政府", "巴中市南江县教育局", "南江县智慧教育云平台", "为全县中小学提供同步课堂、教学资源共享和学生在线作业服务"),
    ]
    assert [f.code for f in duplicate_findings(same, load_rules(), roster)] == ["FIND_DUPLICATE_BUILD"]
    other = [
        _system("巴中市人民政府", "巴中市教育局", "巴中市教育管理平台", "中小学教师编制、职称评审和人事档案管理"),
        _system("巴中市人民政府", "巴中市南江县教育局", "南江县教育管理平台", "学生营养餐补助发放、食堂采购和餐费结算"),
    ]
    assert duplicate_findings(other, load_rules(), roster) == []


def test_one_owners_system_listed_twice_under_one_name_is_reported_once(roster):
    """Two rows of one owner with one name (two sections each listed it): one system, counted once, a
    duplicate report. Its 一期 and 二期, or a 移动端 beside it, are rows of their own."""
    unit = "内江市市场监督管理局"
    twice = [
        _system(unit, unit, "内江市特种设备安全监察信息系统", "登记锅炉、压力容器、电梯的使用登记和定期检验信息"),
        _system(unit, unit, "内江市特种设备安全监察信息系统", "记录全市特种设备台账、检验结论和安全监察执法检查"),
    ]
    found = duplicate_findings(twice, load_rules(), roster)
    assert [f.code for f in found] == ["FIND_DUPLICATE_REPORT"], [f.message for f in found]
    assert "填了 2 行" in found[0].message and [s.counted for s in twice] == [True, False]
    phases = [
        _system(unit, unit, "内江市特种设备安全监察信息系统", "登记锅炉、压力容器、电梯的使用登记和定期检验信息"),
        _system(unit, unit, "内江市特种设备安全监察信息系统（二期）", "特种设备风险预警和检验到期提醒"),
        _system(unit, unit, "内江市特种设备安全监察（移动端）信息系统", "监察人员现场检查记录和执法文书"),
    ]
    assert duplicate_findings(phases, load_rules(), roster) == []


def test_a_kind_of_work_named_by_the_lexicon_links_nothing_across_trades_in_a_small_round(roster):
    """执法 in two trades only (too few for the round to show it is a kind of work): the lexicon's
    work_words say so; no claim and no lead between a market regulator's and a farm bureau's case systems."""
    systems = [
        _system(
            "内江市人民政府",
            "内江市市场监督管理局",
            "内江市市场监管综合执法办案系统",
            "市场监管行政处罚案件的立案、调查取证、审核决定和结案归档",
        ),
        _system("资中县人民政府", "资中县农业农村局", "资中县农业综合行政执法系统", "农业行政处罚案件的立案、调查取证、处罚决定和结案归档"),
    ]
    assert duplicate_findings(systems, load_rules(), roster) == []
