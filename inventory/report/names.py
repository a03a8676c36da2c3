"""The reports' names as offices read them (file names, menus, the audit log)."""

REPORT_KINDS = {"coverage": "报送覆盖情况（含催报名单）", "issues": "问题与评估发现", "inventory": "系统汇总清单", "brief": "领导简报"}
FILE_NAMES = {**REPORT_KINDS, "unit": "单位评估报告", "changes": "两轮变化"}
