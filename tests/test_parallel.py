"""Work forked beside work: the same results as in place, failures raised here, a lost child
replaced by doing the work in place, and no fork while another thread runs."""

from __future__ import annotations

import copy
import os
import signal
import threading
import time

import pytest
from test_findings import _system

import inventory.assess.duplicates as duplicates
from inventory.assess import duplicate_findings, duplicate_findings_beside, load_rules
from inventory.parallel import ChildLost, beside, can_fork, forked_map

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: nothing forks")


@pytest.fixture
def alone(monkeypatch):
    """As if this process ran one thread: the test session keeps its browser driver's thread alive,
    which rightly stops the tool from forking; these tests fork nothing that thread could hold."""
    import inventory.parallel

    monkeypatch.setattr(inventory.parallel.threading, "active_count", lambda: 1)
    assert can_fork()


def test_a_child_answers_what_it_computed_from_what_the_parent_held(alone):
    held = {"rows": list(range(100_000))}  # inherited by the fork, never pickled to it
    wait = beside(lambda: (os.getpid(), sum(held["rows"])))
    assert wait is not None
    pid, total = wait()
    assert pid != os.getpid() and total == sum(range(100_000))


def test_a_failure_in_the_child_is_raised_here_and_a_killed_child_is_reported(alone):
    def fails():
        raise ValueError("第 3 行不对")

    wait = beside(fails)
    with pytest.raises(ValueError, match="第 3 行不对"):
        wait()
    wait = beside(lambda: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(ChildLost):
        wait()


def test_nothing_forks_while_another_thread_runs():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not can_fork() and beside(lambda: 1) is None
        assert forked_map(lambda x: (x, os.getpid()), list(range(20))) == [(x, os.getpid()) for x in range(20)]
    finally:
        stop.set()
        other.join()


def test_forked_map_keeps_order_and_runs_in_workers(alone):
    got = forked_map(lambda x: (x * x, os.getpid()), list(range(40)))
    assert [v for v, _ in got] == [x * x for x in range(40)]
    assert os.getpid() not in {pid for _, pid in got}


def test_duplicates_found_beside_are_those_found_in_place(roster, monkeypatch, alone):
    cd, dy, my, yb = (roster.resolve(n).name for n in ("成都", "德阳", "绵阳", "省医保局"))
    systems = [
        _system(yb, yb, "四川省医疗保障信息平台", "医保参保登记、基金结算和基金监管", scope="省市县三级"),
        _system(cd, "成都市医疗保障局", "四川省医疗保障信息平台（成都）", "使用省平台办理参保和结算", build_mode="上级统建（省垂）"),
        _system(cd, "成都市城市管理委员会", "成都市智慧城管综合平台", "城市管理问题发现、立案派遣、处置和考核评价"),
        _system(dy, "德阳市城市管理局", "德阳市数字城管系统", "城市部件事件巡查上报、案件派遣和处置结果核查"),
        _system(my, "绵阳市城市管理局", "绵阳市城市管理综合监管平台", "城市管理事件监管、处置调度和综合评价"),
        _system(dy, "德阳市市场监督管理局", "德阳市药品追溯平台", "药店和医疗机构药品购销追溯"),
    ]
    for s in systems:
        s.findings.append("FIND_OWN")  # a per-system finding the parent found first
    here = copy.deepcopy(systems)
    expected = duplicate_findings(here, load_rules(), roster)
    monkeypatch.setattr(duplicates, "FORK_FROM", 0)
    forks = []
    monkeypatch.setattr(duplicates, "beside", lambda task: forks.append(task) or beside(task))
    collect = duplicate_findings_beside(systems, load_rules(), roster)
    time.sleep(0.05)  # the parent goes on with its own work meanwhile
    found = collect()
    assert len(forks) == 1  # it did run in a child
    assert [(f.id, f.code, f.message, f.evidence) for f in found] == [(f.id, f.code, f.message, f.evidence) for f in expected]
    assert [[s.name for s in f.about] for f in found] == [[s.name for s in f.about] for f in expected]
    assert all(s is systems[i] for f in found for s in f.about for i in [systems.index(s)])  # the parent's own systems
    assert [(s.findings, s.counted) for s in systems] == [(s.findings, s.counted) for s in here]
    assert systems[1].findings[0] == "FIND_OWN" and not systems[1].counted
