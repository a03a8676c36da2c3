"""Evidence files on SQLite and PostgreSQL: the type judged by the bytes (hostile files refused with a
clear reason and nothing kept), the portal's upload beside the return, downloads that a browser never
renders, the office's check and the unit's zip, the lock of a signed return, and the CLI's evidence
folder beside a workbook."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile

import test_portal
from conftest import run_cli
from test_portal import Browser, make_return, sid_of, upload

from inventory.form.evidence import load_evidence
from inventory.intake.sniff import sniff_attachment

portal = test_portal.portal  # the portal fixture: SQLite and PostgreSQL, an office and two units signed in

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def a_zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


DOCX = a_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
OFD = a_zip({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<ofd:Document/>"})
BOMB = a_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\x00" * (20 * 1024 * 1024)})
HOSTILE = {
    "scan.pdf": (b"\x00\x01garbage that is no document", "ATTACH_TYPE"),
    "备案证明.pdf": (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "ATTACH_ACTIVE"),
    "截图.png": (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "ATTACH_ACTIVE"),
    "看起来是svg.pdf": (b"  \n<svg onload=alert(1)>", "ATTACH_ACTIVE"),
    "测评报告.docx": (BOMB, "ATTACH_ZIP_BOMB"),
    "改了扩展名.pdf": (PNG, "ATTACH_EXT_MISMATCH"),
    "压缩包.docx": (a_zip({"a.txt": b"x"}), "ATTACH_TYPE"),
    "空.pdf": (b"", "ATTACH_EMPTY"),
}


def test_the_bytes_decide_what_a_file_is(tmp_path):
    ev = load_evidence()
    for name, data in {"a.pdf": PDF, "a.png": PNG, "a.JPG": JPEG, "a.docx": DOCX, "a.ofd": OFD}.items():
        (tmp_path / "f").write_bytes(data)
        media, issue = sniff_attachment(tmp_path / "f", name, ev)
        assert issue is None and media == {"a.pdf": "pdf", "a.png": "png", "a.JPG": "jpeg", "a.docx": "docx", "a.ofd": "ofd"}[name]
    for name, (data, code) in HOSTILE.items():
        (tmp_path / "f").write_bytes(data)
        media, issue = sniff_attachment(tmp_path / "f", name, ev)
        assert media is None and issue.code == code, name
        assert issue.file == name and "没有保存" in issue.message and issue.hint
    (tmp_path / "f").write_bytes(PDF)
    media, issue = sniff_attachment(tmp_path / "f", "big.pdf", dataclasses.replace(ev, max_bytes=10))
    assert issue.code == "ATTACH_TOO_LARGE" and "10 B" in issue.message
    # every kind's field is a field of the form, and every kind has a title the folder rule can use
    from inventory.form import load_form

    fields = load_form().main.by_key
    assert all(k.field is None or k.field in fields for k in ev.kinds.values())


def post_file(b, name, data, kind="mlps_filing", system="XT-00001"):
    return b.post(
        "/unit/evidence", {"kind": kind, "system": system}, files={"file": (name, data, "application/pdf")}, page="/unit/evidence"
    )


def test_a_unit_uploads_evidence_and_the_office_checks_and_zips_it(portal, form, roster):
    app, office, units, tmp, _ = portal
    hr, cd = units["人社厅"], units["成都"]
    assert "还没有校验通过的报表" in hr.get("/unit/evidence").text
    assert "ATTACH_SYSTEM" not in post_file(hr, "a.pdf", PDF).text
    assert "没有系统编号" in post_file(hr, "a.pdf", PDF).text  # no return yet: nothing to attach to
    upload(hr, make_return(tmp, form, roster, "人社厅", "hr.xlsx"))
    page = hr.get("/unit/evidence").text
    assert "XT-00001" in page and "等保备案证明" in page
    # hostile files: each refused with its reason, nothing kept
    for name, (data, _code) in HOSTILE.items():
        r = post_file(hr, name, data)
        assert "没有保存" in r.text, name
    assert "还没有上传证明材料" in hr.get("/unit/evidence").text
    # a name with path parts is only shown, never used as a path
    r = post_file(hr, "../../outside/备案证明.pdf", PDF)
    assert "已保存" in r.text and "备案证明.pdf" in r.text and "../" not in r.text
    assert not (tmp / "outside").exists() and not (app.state.settings.files.parent / "outside").exists()
    post_file(hr, "测评.pdf", PDF + b"2", kind="mlps_test", system="XT-00002")
    post_file(hr, "说明.docx", DOCX, kind="unit_other", system="")
    assert "没有系统编号" in post_file(hr, "x.pdf", PDF, system="XT-99999").text
    rows = json.loads(run_cli("evidence", "list", "--json", "--db", app.state.settings.db).stdout)
    assert sorted((a["system_no"] or "", a["kind"]) for a in rows) == [
        ("", "unit_other"),
        ("XT-00001", "mlps_filing"),
        ("XT-00002", "mlps_test"),
    ]
    first = next(a for a in rows if a["kind"] == "mlps_filing")
    # downloads only: never rendered, never cached, never sniffed
    d = hr.get(f"/unit/evidence/{first['id']}/download")
    assert d.status_code == 200 and d.content == PDF
    assert d.headers["content-disposition"].startswith("attachment;") and d.headers["content-type"] == "application/octet-stream"
    assert (
        d.headers["x-content-type-options"] == "nosniff"
        and d.headers["cache-control"] == "no-store"
        and "sandbox" in d.headers["content-security-policy"]
    )
    assert cd.get(f"/unit/evidence/{first['id']}/download").status_code == 404  # another unit's: does not exist for it
    assert cd.get("/office/evidence").status_code == 403
    # the office checks: not matching needs a note, which the unit then reads
    assert "须写明哪里不符" in office.post(f"/office/evidence/{first['id']}/check", {"state": "mismatch"}, page="/office/evidence").text
    office.post(f"/office/evidence/{first['id']}/check", {"state": "mismatch", "note": "备案编号与所报不一致"}, page="/office/evidence")
    assert "备案编号与所报不一致" in hr.get("/unit/evidence").text
    # the unit's zip: every file under our own names, and a manifest with the hashes
    page = office.get("/office/evidence").text
    zip_link = page.split('href="/office/evidence/unit/')[1].split('"')[0]
    z = office.get(f"/office/evidence/unit/{zip_link}")
    assert z.status_code == 200 and "attachment" in z.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
        names = zf.namelist()
        manifest = zf.read("清单.csv").decode("utf-8-sig")
        assert zf.read(next(n for n in names if n.startswith("XT-00001_"))) == PDF
    assert len(names) == 4 and all("/" not in n and ".." not in n for n in names)
    assert first["sha256"] in manifest and "与所报不符" in manifest
    # signed: locked, no more uploads or removals
    hr.post("/unit/signoff", {"name": "张三", "role": "主任", "password": "temp-pass-1234"}, page="/unit/signoff")
    assert "已签署承诺书并锁定" in post_file(hr, "later.pdf", PDF + b"3").text
    r = hr.post(f"/unit/evidence/{first['id']}/remove", {}, page="/unit/evidence")
    assert "不能删除" in r.text
    # the CLI's zip is the same files
    out = tmp / "hr.zip"
    files = str(app.state.settings.files)
    assert run_cli("evidence", "zip", "--unit", "人社厅", "-o", str(out), "--files", files, "--db", app.state.settings.db).returncode == 0
    assert sorted(zipfile.ZipFile(out).namelist()) == sorted(names)


def test_the_cli_imports_the_evidence_folder_beside_a_workbook(tmp_path, form, roster, db_url):
    path = make_return(tmp_path, form, roster, "人社厅", "人社厅.xlsx")
    folder = tmp_path / "人社厅-证明材料"
    folder.mkdir()
    (folder / "XT-00001_等保备案证明.pdf").write_bytes(PDF)
    (folder / "XT-00005_政务云资源开通单_2025.pdf").write_bytes(PDF + b"5")
    (folder / "单位_说明.docx").write_bytes(DOCX)
    (folder / "XT-00002_等保备案证明.pdf").write_bytes(b"<html><script>x</script></html>")
    (folder / "XT-99999_测评报告.pdf").write_bytes(PDF)
    (folder / "随便起的名字.pdf").write_bytes(PDF)
    (folder / "XT-00003_宣传册.pdf").write_bytes(PDF)
    files = tmp_path / "files"
    r = run_cli("import", str(path), "--db", db_url, "--json", env={"INVENTORY_FILES": str(files)})
    assert r.returncode == 0, r.stderr
    done = json.loads(r.stdout)["files"][0]
    assert done["status"] == "imported" and done["evidence"]["kept"] == 3
    codes = sorted(i["code"] for i in done["evidence"]["issues"])
    assert codes == ["ATTACH_ACTIVE", "ATTACH_KIND", "ATTACH_NAME", "ATTACH_SYSTEM"]
    rows = json.loads(run_cli("evidence", "list", "--json", "--db", db_url).stdout)
    assert sorted((a["system_no"] or "", a["kind"]) for a in rows) == [
        ("", "unit_other"),
        ("XT-00001", "mlps_filing"),
        ("XT-00005", "cloud"),
    ]
    assert all((files / "attachments" / a["sha256"]).read_bytes()[:4] in (b"%PDF", b"PK\x03\x04") for a in rows)
    # the table says the same in Chinese, and the office's check from the CLI
    again = run_cli("import", str(path), "--db", db_url, env={"INVENTORY_FILES": str(files), "COLUMNS": "200"})
    assert "保存 3 个" in again.stdout and "没有保存" in again.stdout and "XT-99999" in again.stdout
    assert run_cli("evidence", "check", str(rows[0]["id"]), "--mismatch", "--db", db_url).returncode == 2  # a note is required
    assert run_cli("evidence", "check", str(rows[0]["id"]), "--db", db_url).returncode == 0


def test_evidence_pages_are_guarded(portal):
    app, _office, units, _, _ = portal
    cd = units["成都"]
    for path in ("/office/evidence", "/office/evidence/1/download", "/office/evidence/unit/1.zip"):
        assert cd.get(path).status_code == 403, path
    assert cd.post("/office/evidence/1/check", {"state": "checked"}, page="/unit").status_code == 403
    anon = Browser(app)
    for path in ("/unit/evidence", "/unit/evidence/1/download", "/office/evidence", "/office/evidence/unit/1.zip"):
        r = anon.c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login", path
    assert anon.post("/unit/evidence", {}, page="/login").status_code == 401
    assert sid_of  # the shared helpers are the portal tests'


def test_the_unit_report_says_which_self_reports_are_evidenced(tmp_path, form, roster, db_url):
    path = make_return(tmp_path, form, roster, "人社厅", "人社厅.xlsx")
    folder = tmp_path / "人社厅-证明材料"
    folder.mkdir()
    (folder / "XT-00001_等保备案证明.pdf").write_bytes(PDF)
    (folder / "XT-00002_备案证明.pdf").write_bytes(PDF + b"2")
    env = {"INVENTORY_FILES": str(tmp_path / "files")}
    assert run_cli("import", str(path), "--db", db_url, env=env).returncode == 0
    rows = json.loads(run_cli("evidence", "list", "--json", "--db", db_url).stdout)
    second = next(a for a in rows if a["system_no"] == "XT-00002")
    assert run_cli("evidence", "check", str(second["id"]), "--mismatch", "--note", "编号不符", "--db", db_url).returncode == 0
    report = json.loads(run_cli("report", "unit", "--unit", "人社厅", "--json", "--db", db_url).stdout)
    filing = {e["system_no"]: e["state"] for e in report["evidence"] if e["kind"] == "mlps_filing"}
    assert filing["XT-00001"] == "attached" and filing["XT-00002"] == "mismatch" and filing["XT-00003"] == "missing"
    assert "XT-00008" not in filing  # not 已备案: no 备案证明 is called for
    cloud = {e["system_no"] for e in report["evidence"] if e["kind"] == "cloud"}
    assert "XT-00001" in cloud and "XT-00003" not in cloud  # 省级政务云 calls for 上云证明; 自建机房 does not
    md = run_cli("report", "unit", "--unit", "人社厅", "--format", "md", "-o", str(tmp_path / "u.md"), "--db", db_url)
    assert md.returncode == 0, md.stderr
    text = (tmp_path / "u.md").read_text(encoding="utf-8")
    assert "## 证明材料" in text and "材料与所报不符" in text and "未附" in text


def test_the_template_explains_the_evidence_folder(pilot_templates):
    import openpyxl

    wb = openpyxl.load_workbook(pilot_templates[0], read_only=True)
    text = "".join(str(c) for row in wb["填表说明"].iter_rows(values_only=True) for c in row if c)
    assert "-证明材料" in text and "系统编号_材料名称" in text and "XT-001_等保备案证明.pdf" in text
