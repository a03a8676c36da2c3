"""The form in forms/: loaded, checked against the meta-schema, complete."""

from __future__ import annotations

import json
import shutil

import pytest

from inventory.errors import SetupError
from inventory.form.load import load_form, schema_description


def test_every_field_group_is_covered(form):
    groups = {f.group for s in form.sheets for f in s.fields}
    assert set("ABCDEFGHI") <= groups


def test_category_follows_gbt_40692_families(form):
    cats = form.main.by_key["category"].enum
    for family in ("业务应用系统", "门户网站及公共服务", "信息资源库", "共性支撑平台", "电子政务网络", "电子政务基础设施", "信息安全保障"):
        assert family in cats


def test_child_sheets_are_keyed_by_system_number(form):
    assert form.children, "the form needs at least one child sheet"
    for child in form.children:
        assert child.parent == form.main.name
        assert child.parent_key == form.main.key


def test_rule_codes_are_unique_and_have_severity(form):
    codes = [r.code for r in form.schema_rules()] + [r["code"] for r in form.rules]
    assert len(codes) == len(set(codes)) >= 20
    assert all(r.severity in ("error", "warning") for r in form.schema_rules())


def test_broken_schema_is_a_clear_setup_error(tmp_path):
    folder = tmp_path / "forms"
    shutil.copytree(load_form().folder, folder)
    path = folder / "systems.schema.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["properties"]["status"]["type"] = "stringg"  # not a JSON Schema type
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SetupError) as exc:
        load_form(folder)
    assert "systems.schema.json" in exc.value.message and "元模式" in exc.value.message


def test_rule_naming_an_unknown_field_is_rejected(tmp_path):
    folder = tmp_path / "forms"
    shutil.copytree(load_form().folder, folder)
    path = folder / "rules.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["rules"][0]["before"] = "no_such_field"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SetupError, match="no_such_field"):
        load_form(folder)


def test_schema_description_has_the_contract_shape(form):
    d = schema_description(form)
    assert d["form"] == form.id and d["version"] == form.version
    for sheet in d["sheets"]:
        assert {"name", "layout", "header_row", "first_data_row", "fields"} <= set(sheet)
        for f in sheet["fields"]:
            assert {"key", "title", "type", "required", "enum", "help"} <= set(f)
            assert ("column" in f) == (sheet["layout"] == "table")
            assert ("cell" in f) == (sheet["layout"] == "form")


def test_roster_has_all_cities_and_the_seven_pilots(roster):
    cities = [u for u in roster if u.kind == "市（州）"]
    assert len(cities) == 21 and all(u.parent == roster.root.code for u in cities)
    assert {u.region_code for u in cities} >= {"510100", "510600", "510900", "513400"}
    pilots = {u.short_name for u in roster.pilots()}
    assert pilots == {"人力资源社会保障厅", "自然资源厅", "交通运输厅", "省市场监管局", "成都市", "德阳市", "遂宁市"}
    # every unit that appears in the service hall's monthly reports resolves
    for short in ("省林草局", "四川测绘局", "省贸促会", "成都海关", "四川省税务局", "省新闻出版局"):
        assert roster.match(short).unit is not None, short


def test_alias_resolves_to_full_name_and_unknown_gets_suggestions(roster):
    m = roster.match("人社厅")
    assert m.unit and m.unit.name == "四川省人力资源和社会保障厅" and not m.exact
    unknown = roster.match("四川省人社局")
    assert unknown.unit is None and "四川省人力资源和社会保障厅" in unknown.suggestions
