"""Realistic synthetic returns, for the demo, the tests and the benchmarks.

Values are what a careful filler types, in the template's own cells; every clean return
validates without an issue as of the round's reference date. Deliberate mistakes are added by
the callers, so each one is known.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from ..form.load import Form
from ..form.normalize import USCC_CHARS, uscc_check_char
from ..form.roster import Unit
from ..output import save_workbook
from ..template import build_template
from ..template.fill import fill_workbook
from .words import CITY_DEPTS, CITY_OWNER, DOMAINS, PLATFORMS, SUFFIXES, VENDORS, WORK


def make_uscc(rng: random.Random, prefix: str = "11", region: str = "510000") -> str:
    body = prefix + region + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    return body + uscc_check_char(body)


def _date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(max((end - start).days, 1)))


def _month(d: dt.date) -> str:
    return f"{d.year}-{d.month:02d}"


def unit_values(unit: Unit, rng: random.Random, as_of: dt.date, regions: list[dict[str, str]] | None = None) -> dict[str, Any]:
    named = {r["code"]: r["name"] for r in regions or ()}
    region = "四川省（省本级）" if unit.level == "省级" else named.get(unit.region_code, unit.short_name)
    return {
        "unit_name": unit.name,
        "uscc": make_uscc(rng, "11", unit.region_code),
        "unit_nature": "行政机关",
        "level": unit.level,
        "region": region,
        "contact_name": rng.choice(["张敏", "李静", "王强", "刘洋", "陈晨", "杨帆", "赵磊", "黄丽"]),
        "contact_phone": f"13{rng.randrange(10**9):09d}",
        "contact_email": f"xxzx{rng.randrange(1000)}@sc.gov.cn",
        "fill_date": _date(rng, as_of, as_of + dt.timedelta(days=60)),
    }


def _owners(unit: Unit) -> list[str]:
    if unit.kind == "市（州）":  # a city's return gathers its departments' systems
        city = unit.short_name
        return [city + d[1:] if d.startswith("市") else d for d in CITY_DEPTS]
    return [unit.name]


def system_rows(unit: Unit, n: int, rng: random.Random, as_of: dt.date, start: int = 1) -> list[dict[str, Any]]:
    """`n` clean systems of `unit`, as the main sheet's values."""
    domains = DOMAINS.get(unit.short_name, DOMAINS[""])
    prefix = "四川省" if unit.level == "省级" else unit.short_name
    owners = _owners(unit)
    owner_codes = {o: make_uscc(rng, "11", unit.region_code) for o in owners}
    rows = []
    used: set[str] = set()
    for i in range(start, start + n):
        for _ in range(20):
            domain = rng.choice(domains)
            owner = owners[domains.index(domain) % len(owners)]  # each business belongs to one department
            if unit.kind == "市（州）" and domain in CITY_OWNER:
                owner = unit.short_name + CITY_OWNER[domain][1:]
            suffix = rng.choice(SUFFIXES)
            name = f"{prefix}{domain}{suffix}"
            if name not in used:
                break
            name = f"{prefix}{domain}（{rng.choice(['一期', '二期', '三期', '移动端', '内网版'])}）{suffix}"
            if name not in used:
                break
        else:  # large synthetic returns run out of realistic names
            name = f"{prefix}{domain}{i}号{suffix}"
        used.add(name)
        status = rng.choices(["在用", "在建", "停用"], [80, 12, 8])[0]
        category = rng.choices(
            ["业务应用系统", "办公及内部管理系统", "门户网站及公共服务", "信息资源库", "共性支撑平台"], [60, 12, 10, 10, 8]
        )[0]
        own = random.Random(f"{unit.code}:{i}")  # the description's own draws: every other value is as it always was
        work = [WORK[domain][k] for k in sorted(own.sample(range(len(WORK[domain])), 3))]  # a few wordings per business
        shared = [p for p in PLATFORMS if f"{prefix}{p}" not in used] if unit.kind in ("市（州）", "区（县）") else []
        platform = own.choice(shared) if category == "共性支撑平台" and shared else None
        if platform:  # a city's or county's own platform, for all its departments
            name, domain, work = f"{prefix}{platform}", platform.removesuffix("平台").removesuffix("系统"), list(PLATFORMS[platform])
            owner = next((o for o in owners if o.endswith("数据局")), owner)  # run by the data bureau where there is one
            used.add(name)
        layer = {"信息资源库": "应用支撑层", "共性支撑平台": "应用支撑层"}.get(category, "应用层")
        build = round(rng.choice([35, 48.5, 120, 260, 380, 560, 900, 1500, 2800]) * rng.uniform(0.8, 1.2), 2)
        golive = _date(rng, dt.date(2014, 1, 1), as_of - dt.timedelta(days=90))
        start_d = golive - dt.timedelta(days=rng.randrange(120, 500))
        approval = start_d - dt.timedelta(days=rng.randrange(30, 200))
        sources = rng.sample(["省级财政", "中央资金", "部门自筹", "市县财政"], rng.choice([1, 1, 2]))
        row: dict[str, Any] = {
            "owner_unit": owner,
            "owner_uscc": owner_codes[owner],
            "system_no": f"XT-{i:05d}",
            "system_name": name,
            "layer": layer,
            "category": category,
            "functions": f"{domain}：{'；'.join(work)}。",
            "basis": "本部门权责清单相关事项",
            "division": rng.choice(["信息中心", "办公室", "科技信息处", "政务服务处"]),
            "users": rng.choice(["政府内部", "政府内部、企业", "政府内部、企业、公众", "公众"]),
            "approval_dept": rng.choice(["省发展改革委", "省财政厅", "省数据局"]),
            "approval_date": _month(approval),
            "approval_doc": f"川发改数字〔{approval.year}〕{rng.randrange(10, 900)}号",
            "build_mode": rng.choices(["自行建设", "购买服务", "上级统建（省垂）"], [70, 20, 10])[0],
            "vendor": rng.choice(VENDORS),
            "status": status,
            "build_start": _month(start_d),
            "build_amount": build,
            "fund_source": "、".join(sources),
            "scope": rng.choice(["省级", "省市两级", "省市县三级", "本单位内部"]),
            "self_zombie": "否",
            "deploy_location": rng.choices(["省级政务云", "市（州）级政务云", "本单位自建机房"], [70, 20, 10])[0],
            "networks": rng.choice(["电子政务外网", "电子政务外网、互联网", "电子政务内网"]),
            "secret_class": "非涉密",
            "virtualized": "是",
            "virt_vendor": rng.choice(["华为", "深信服", "VMware"]),
            "architecture": "B/S",
            "os": rng.choice(["麒麟 V10", "统信 UOS 20", "CentOS 7"]),
            "database": rng.choice(["达梦 DM8", "人大金仓 V8", "MySQL 8.0", "Oracle 11g"]),
            "backup": "是",
            "backup_mode": rng.choice(["本地", "异地", "本地和异地"]),
            "disaster_recovery": rng.choice(["是", "否"]),
            "interconnect": rng.choice(["是，对接省政务信息共享平台", "是，对接其他系统", "否，无对接"]),
            "catalogued": "是",
            "catalogue_count": rng.randrange(3, 60),
            "mounted_count": rng.randrange(1, 40),
            "defer_integration": "否",
            "upgrade_need": "无",
            "evidence": "立项文件、合同、等保备案证明",
        }
        if platform:  # serves the city's (or county's) departments and the level below
            row["scope"] = "市县两级" if unit.kind == "市（州）" else "县乡两级"
        if category == "门户网站及公共服务":
            row["url"] = f"https://www.sc{rng.randrange(100, 999)}.gov.cn/"
        if status == "在用":
            level = rng.choices(["第二级", "第三级"], [65, 35])[0]
            om = round(build * rng.uniform(0.05, 0.25), 2)
            row.update(
                {
                    "golive_date": _month(golive),
                    "om_vendor": rng.choice(VENDORS),
                    "om_contract_end": _date(rng, as_of + dt.timedelta(days=30), as_of + dt.timedelta(days=700)),
                    "om_amount": om,
                    "om_fund_source": "省级财政",
                    "om_mode": rng.choice(["自主运维", "外包服务"]),
                    "registered_users": rng.randrange(200, 200000),
                    "monthly_active": rng.randrange(50, 20000),
                    "annual_volume": rng.randrange(1000, 500000),
                    "mlps_level": level,
                    "mlps_filing": "已备案",
                    "mlps_filing_no": f"{rng.randrange(10**10, 10**11)}-{rng.randrange(10**5):05d}",
                    "mlps_test_date": _date(rng, as_of - dt.timedelta(days=300), as_of - dt.timedelta(days=10)),
                    "mlps_test_result": rng.choice(["符合", "基本符合"]),
                    "crypto_status": "已开展-通过" if level == "第三级" else "不适用",
                }
            )
            if level == "第三级":
                row["crypto_date"] = _date(rng, as_of - dt.timedelta(days=300), as_of - dt.timedelta(days=10))
            row["total_invest"] = round(build + om * 2, 2)
        elif status == "在建":
            contract = build
            sign = _date(rng, as_of - dt.timedelta(days=400), as_of - dt.timedelta(days=30))
            row.update(
                {
                    "build_stage": rng.choice(["需求设计", "系统开发", "系统测试"]),
                    "build_start": _month(sign),
                    "contract_amount": contract,
                    "paid_amount": round(contract * rng.uniform(0.1, 0.6), 2),
                    "contract_sign_date": sign,
                    "contract_end_date": sign + dt.timedelta(days=rng.randrange(200, 600)),
                    "planned_golive": _month(as_of + dt.timedelta(days=rng.randrange(60, 400))),
                }
            )
            row.pop("approval_date")
        rows.append(row)
    return rows


def child_rows(form: Form, systems: Iterable[dict[str, Any]], rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """The child sheets' rows consistent with `systems` (funding sums, interconnections)."""
    interfaces: list[dict[str, Any]] = []
    funding: list[dict[str, Any]] = []
    for s in systems:
        if s.get("interconnect", "").startswith("是"):
            peer = (
                "四川省政务信息资源共享平台"
                if "共享平台" in s["interconnect"]
                else rng.choice(["国家企业信用信息公示系统", "四川省一体化政务服务平台", "全国社会保险公共服务平台"])
            )
            interfaces.append(
                {
                    "system_no": s["system_no"],
                    "peer_system": peer,
                    "peer_unit": "四川省大数据中心",
                    "direction": rng.choice(["推送", "接收", "双向"]),
                    "method": "共享平台接口",
                    "share_type": "有条件共享",
                }
            )
        if not s.get("fund_source"):
            continue  # no money of its own (上级统建): no funding rows
        sources = s["fund_source"].split("、")
        total = s["build_amount"]
        parts = [round(total * 0.7, 2), round(total - round(total * 0.7, 2), 2)] if len(sources) == 2 else [total]
        for src, amount in zip(sources, parts, strict=True):
            funding.append({"system_no": s["system_no"], "source": src, "amount": amount, "doc": "年度部门预算"})
    names = {c.name for c in form.children}
    out = {"系统对接": interfaces, "资金来源": funding}
    return {k: v for k, v in out.items() if k in names}


def write_return(path: Path, form: Form, unit: Unit | None, values: dict[str, Any] | None, rows: dict[str, list[dict[str, Any]]]) -> Path:
    """A filled return in the unit's own template."""
    return save_workbook(fill_workbook(build_template(form, unit), form, values, rows), path)


def clean_return(
    form: Form, unit: Unit, n: int, seed: int = 1, as_of: dt.date | None = None
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """(unit values, rows per sheet) for a clean return of `n` systems."""
    rng = random.Random(seed)
    as_of = as_of or form.as_of
    systems = system_rows(unit, n, rng, as_of)
    rows = {form.main.name: systems, **child_rows(form, systems, rng)}
    return unit_values(unit, rng, as_of, form.regions), rows


def write_fast_return(path: Path, form: Form, unit: Unit, values: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> Path:
    """A large return written in openpyxl's streaming mode (no styles or validations, same cells)."""
    from ..template import META_SHEET

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(form.unit_sheet.name)
    ws.append([form.unit_sheet.title])
    ws.append(["项目", "填写内容"])
    for f in form.unit_sheet.fields:
        ws.append([f.header, values.get(f.key)])
    for sheet_name, records in rows.items():
        spec = form.by_name[sheet_name]
        ws = wb.create_sheet(spec.name)
        for _ in range(spec.header_row - 1):
            ws.append([])
        ws.append([f.header for f in spec.fields])
        keys = [f.key for f in spec.fields]
        for rec in records:
            ws.append([rec.get(k) for k in keys])
    meta = wb.create_sheet(META_SHEET)
    for k, v in {"form_id": form.id, "form_version": form.version, "unit_name": unit.name}.items():
        meta.append([k, v])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
